// Package postgres is a kv.Store in PostgreSQL, for hosts with many
// replicas sharing one store.
//
// The data is one table (by default scriptrun_kv) with the columns tenant,
// key and value (the namespace, the key, and the value as compact JSON, all
// bytea so that keys compare bytewise, as in every store, and may hold any
// valid UTF-8), and a second table (scriptrun_kv_usage) with each tenant's
// key count and byte total, so that per-tenant limits cost no scan. Open
// creates both if they are missing.
//
// Every change is one transaction that first locks the tenant's usage row
// (an upsert), then reads the key, decides in Go (the same rules as every
// store: kv.NewStore), writes the key and the new usage, and commits. Changes
// of one tenant are therefore serialized across all replicas, and incr and
// cas are atomic; changes of different tenants do not wait for each other.
// Reads take no lock. Every statement runs under the caller's ctx, so a run
// that ends stops waiting for a lock.
//
//	store, err := postgres.Open(ctx, "postgres://kv@db/scriptrun", postgres.Options{})
//	if err != nil { ... }
//	defer store.Close()
//	reg, err := bridge.NewRegistry(kv.Module(store, kv.Options{PerTenant: true}))
package postgres

import (
	"context"
	"errors"
	"fmt"
	"regexp"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/scriptrun/scriptrun/bridge/kv"
)

// Options configure Open and New. The zero value is the table scriptrun_kv
// with the default limits.
type Options struct {
	// Table is the data table's name (lower-case letters, digits and _);
	// the usage table is Table + "_usage". Default "scriptrun_kv".
	Table string
	// Limits apply to each tenant (namespace).
	Limits kv.Limits
}

// Store is a kv.Store in PostgreSQL. It is safe for concurrent use.
type Store struct {
	kv.Store
	pool *pgxpool.Pool
	own  bool // Close closes the pool
}

var tableRE = regexp.MustCompile(`^[a-z_][a-z0-9_]{0,50}$`)

// Open connects to the database at dsn (a PostgreSQL URL or key=value
// string), creates the tables if they are missing, and returns the store.
// Close closes the connections.
func Open(ctx context.Context, dsn string, o Options) (*Store, error) {
	pool, err := pgxpool.New(ctx, dsn)
	if err != nil {
		return nil, fmt.Errorf("kv/postgres: %w", err)
	}
	s, err := New(ctx, pool, o)
	if err != nil {
		pool.Close()
		return nil, err
	}
	s.own = true
	return s, nil
}

// New returns the store on an existing pool, creating the tables if they are
// missing. Close leaves the pool open.
func New(ctx context.Context, pool *pgxpool.Pool, o Options) (*Store, error) {
	if o.Table == "" {
		o.Table = "scriptrun_kv"
	}
	if !tableRE.MatchString(o.Table) {
		return nil, fmt.Errorf("kv/postgres: table name %q must match %s", o.Table, tableRE)
	}
	b := &backend{
		pool:  pool,
		data:  pgx.Identifier{o.Table}.Sanitize(),
		usage: pgx.Identifier{o.Table + "_usage"}.Sanitize(),
	}
	if err := b.migrate(ctx); err != nil {
		return nil, err
	}
	return &Store{Store: kv.NewStore(b, o.Limits), pool: pool}, nil
}

// Close closes the connections if Open made them.
func (s *Store) Close() {
	if s.own {
		s.pool.Close()
	}
}

type backend struct {
	pool        *pgxpool.Pool
	data, usage string // quoted table names
}

func (b *backend) migrate(ctx context.Context) error {
	_, err := b.pool.Exec(ctx, fmt.Sprintf(`
		CREATE TABLE IF NOT EXISTS %s (
			tenant bytea NOT NULL,
			key    bytea NOT NULL,
			value  bytea NOT NULL,
			PRIMARY KEY (tenant, key)
		);
		CREATE TABLE IF NOT EXISTS %s (
			tenant bytea PRIMARY KEY,
			keys   bigint NOT NULL,
			bytes  bigint NOT NULL
		)`, b.data, b.usage))
	if err != nil {
		return fmt.Errorf("kv/postgres: create tables: %w", err)
	}
	return nil
}

func (b *backend) Get(ctx context.Context, ns, key string) ([]byte, error) {
	var v []byte
	err := b.pool.QueryRow(ctx, `SELECT value FROM `+b.data+` WHERE tenant = $1 AND key = $2`,
		[]byte(ns), []byte(key)).Scan(&v)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("kv/postgres: get: %w", err)
	}
	return v, nil
}

// successor returns the smallest byte string greater than every string
// with the given prefix, or nil when there is none (all bytes 0xff).
func successor(prefix []byte) []byte {
	for i := len(prefix) - 1; i >= 0; i-- {
		if prefix[i] != 0xff {
			s := append([]byte(nil), prefix[:i+1]...)
			s[i]++
			return s
		}
	}
	return nil
}

func (b *backend) List(ctx context.Context, ns, prefix, after string, limit int) ([]string, error) {
	start := []byte(prefix)
	if after >= prefix {
		start = append([]byte(after), 0)
	}
	var lim *int64
	if limit >= 0 {
		l := int64(limit)
		lim = &l
	}
	rows, err := b.pool.Query(ctx, `SELECT key FROM `+b.data+`
		WHERE tenant = $1 AND key >= $2 AND ($3::bytea IS NULL OR key < $3)
		ORDER BY key LIMIT $4`, []byte(ns), start, successor([]byte(prefix)), lim)
	if err != nil {
		return nil, fmt.Errorf("kv/postgres: list: %w", err)
	}
	keys, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (string, error) {
		var k []byte
		err := r.Scan(&k)
		return string(k), err
	})
	if err != nil {
		return nil, fmt.Errorf("kv/postgres: list: %w", err)
	}
	return keys, nil
}

func (b *backend) Update(ctx context.Context, ns, key string, fn func([]byte, kv.Usage) ([]byte, kv.Usage, bool, error)) error {
	tx, err := b.pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("kv/postgres: begin: %w", err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	t, k := []byte(ns), []byte(key)
	// The upsert locks the tenant's usage row until commit: every change
	// of this tenant, on any replica, waits here.
	var u kv.Usage
	if err := tx.QueryRow(ctx, `INSERT INTO `+b.usage+` (tenant, keys, bytes) VALUES ($1, 0, 0)
		ON CONFLICT (tenant) DO UPDATE SET tenant = EXCLUDED.tenant
		RETURNING keys, bytes`, t).Scan(&u.Keys, &u.Bytes); err != nil {
		return fmt.Errorf("kv/postgres: lock tenant: %w", err)
	}
	var cur []byte
	err = tx.QueryRow(ctx, `SELECT value FROM `+b.data+` WHERE tenant = $1 AND key = $2`, t, k).Scan(&cur)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("kv/postgres: read: %w", err)
	}
	next, nu, write, err := fn(cur, u)
	if err != nil || !write {
		return err // the deferred rollback ends the transaction
	}
	if next == nil {
		_, err = tx.Exec(ctx, `DELETE FROM `+b.data+` WHERE tenant = $1 AND key = $2`, t, k)
	} else {
		_, err = tx.Exec(ctx, `INSERT INTO `+b.data+` (tenant, key, value) VALUES ($1, $2, $3)
			ON CONFLICT (tenant, key) DO UPDATE SET value = EXCLUDED.value`, t, k, next)
	}
	if err != nil {
		return fmt.Errorf("kv/postgres: write: %w", err)
	}
	if _, err := tx.Exec(ctx, `UPDATE `+b.usage+` SET keys = $2, bytes = $3 WHERE tenant = $1`, t, nu.Keys, nu.Bytes); err != nil {
		return fmt.Errorf("kv/postgres: write usage: %w", err)
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("kv/postgres: commit: %w", err)
	}
	return nil
}
