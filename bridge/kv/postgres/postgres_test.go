package postgres

import (
	"context"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/scriptrun/scriptrun/bridge/kv"
	"github.com/scriptrun/scriptrun/bridge/kv/kvtest"
)

// DSNEnv names the environment variable with the DSN of a PostgreSQL server
// the tests may create and drop tables in. .ci/run starts one on loopback
// and sets it.
const DSNEnv = "SCRIPTRUN_TEST_POSTGRES"

var tableSeq atomic.Int64

// pool connects to the test server, or skips the test saying that the
// PostgreSQL run did not happen.
func pool(t *testing.T) *pgxpool.Pool {
	t.Helper()
	dsn := os.Getenv(DSNEnv)
	if dsn == "" {
		t.Skipf("PostgreSQL store NOT tested: %s is not set (CI sets it to a server it starts; locally: see .ci/run)", DSNEnv)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	p, err := pgxpool.New(ctx, dsn)
	if err != nil {
		t.Fatalf("%s: %v", DSNEnv, err)
	}
	if err := p.Ping(ctx); err != nil {
		t.Fatalf("%s is set but the server does not answer: %v", DSNEnv, err)
	}
	t.Cleanup(p.Close)
	return p
}

// table returns a fresh table name, dropped (with its usage table) when the
// test ends.
func table(t *testing.T, p *pgxpool.Pool) string {
	name := fmt.Sprintf("kvtest_%d_%d", os.Getpid(), tableSeq.Add(1))
	t.Cleanup(func() {
		p.Exec(context.Background(), "DROP TABLE IF EXISTS "+pgx.Identifier{name}.Sanitize()+", "+pgx.Identifier{name + "_usage"}.Sanitize())
	})
	return name
}

func TestConformance(t *testing.T) {
	p := pool(t)
	kvtest.Run(t, func(t *testing.T, lim kv.Limits) kv.Store {
		s, err := New(context.Background(), p, Options{Table: table(t, p), Limits: lim})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}, kvtest.Features{Namespaces: true, Slow: true})
}

// Two replicas (two stores with their own connections on one table)
// incrementing the same counters lose nothing, and share the key limit.
func TestReplicas(t *testing.T) {
	p := pool(t)
	ctx := context.Background()
	name := table(t, p)
	var stores []*Store
	for i := 0; i < 2; i++ {
		s, err := Open(ctx, os.Getenv(DSNEnv), Options{Table: name, Limits: kv.Limits{MaxKeys: 10}})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		stores = append(stores, s)
	}
	const perStore, n = 4, 50
	var wg sync.WaitGroup
	for _, s := range stores {
		for g := 0; g < perStore; g++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; i < n; i++ {
					if _, err := s.Incr(ctx, "acme", "n", int64(1)); err != nil {
						t.Error(err)
						return
					}
					// A new key per call, past the limit: exactly 9 more fit.
					s.Set(ctx, "acme", fmt.Sprintf("k%d-%d-%p", g, i, s), int64(i))
				}
			}()
		}
	}
	wg.Wait()
	if v, _, _ := stores[1].Get(ctx, "acme", "n"); v != int64(2*perStore*n) {
		t.Errorf("n = %v, want %d", v, 2*perStore*n)
	}
	keys, _ := stores[0].List(ctx, "acme", "", "", -1)
	if len(keys) != 10 {
		t.Errorf("%d keys, want the limit, 10", len(keys))
	}
}

// A change waiting for another replica's lock on the tenant gives up when
// its ctx is done, and changes nothing.
func TestLockWaitEndsWithCtx(t *testing.T) {
	p := pool(t)
	ctx := context.Background()
	name := table(t, p)
	s, err := New(ctx, p, Options{Table: name})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Set(ctx, "acme", "k", "old"); err != nil {
		t.Fatal(err)
	}
	tx, err := p.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, "SELECT 1 FROM "+pgx.Identifier{name + "_usage"}.Sanitize()+" WHERE tenant = $1 FOR UPDATE", []byte("acme")); err != nil {
		t.Fatal(err)
	}
	c, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
	defer cancel()
	if err := s.Set(c, "acme", "k", "new"); err == nil {
		t.Errorf("Set while another transaction holds the tenant succeeded")
	}
	// Another tenant does not wait.
	if err := s.Set(ctx, "globex", "k", "v"); err != nil {
		t.Errorf("Set for another tenant: %v", err)
	}
	tx.Rollback(ctx)
	if v, _, _ := s.Get(ctx, "acme", "k"); v != "old" {
		t.Errorf("k = %v, want old", v)
	}
}

func TestSuccessor(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", ""}, {"a", "b"}, {"a\xff", "b"}, {"\xff\xff", ""}, {"ab", "ac"},
	} {
		got := successor([]byte(tc.in))
		if string(got) != tc.want || (tc.want == "" && got != nil) {
			t.Errorf("successor(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestTableName(t *testing.T) {
	for _, name := range []string{"Bad", "a-b", "a;drop", "1abc"} {
		// The name is checked before the pool is used.
		if _, err := New(context.Background(), nil, Options{Table: name}); err == nil {
			t.Errorf("table %q accepted", name)
		}
	}
}

// BenchmarkIncr is one incr (one transaction) per op against the test
// server.
func BenchmarkIncr(b *testing.B) {
	dsn := os.Getenv(DSNEnv)
	if dsn == "" {
		b.Skipf("%s is not set", DSNEnv)
	}
	ctx := context.Background()
	name := fmt.Sprintf("kvbench_%d", os.Getpid())
	s, err := Open(ctx, dsn, Options{Table: name})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	defer s.pool.Exec(ctx, "DROP TABLE "+name+", "+name+"_usage")
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := s.Incr(ctx, "acme", "n", int64(1)); err != nil {
			b.Fatal(err)
		}
	}
}
