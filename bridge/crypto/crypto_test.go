package crypto

import (
	"bytes"
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/scriptrun/scriptrun/bridge"
)

var ctx = context.Background()

func call(t *testing.T, m *bridge.Module, name string, args bridge.Args) (any, error) {
	t.Helper()
	for _, f := range m.Funcs {
		if f.Name == name {
			return f.Impl(ctx, args)
		}
	}
	t.Fatalf("no function %s", name)
	return nil, nil
}

func TestRegistry(t *testing.T) {
	if _, err := bridge.NewRegistry(Module(nil)); err != nil {
		t.Fatal(err)
	}
}

func TestVectors(t *testing.T) {
	m := Module(nil)
	key20 := bytes.Repeat([]byte{0x0b}, 20)
	for _, tc := range []struct {
		fn   string
		args bridge.Args
		want string
	}{
		{"sha256", bridge.Args{"data": []byte{}}, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
		{"sha256", bridge.Args{}, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
		{"sha256", bridge.Args{"data": []byte("abc")}, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
		{"sha256", bridge.Args{"data": []byte("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")}, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
		// RFC 4231 test cases 1, 2 and 6.
		{"hmac_sha256", bridge.Args{"key": key20, "data": []byte("Hi There")}, "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"},
		{"hmac_sha256", bridge.Args{"key": []byte("Jefe"), "data": []byte("what do ya want for nothing?")}, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"},
		{"hmac_sha256", bridge.Args{"key": bytes.Repeat([]byte{0xaa}, 131), "data": []byte("Test Using Larger Than Block-Size Key - Hash Key First")}, "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"},
	} {
		got, err := call(t, m, tc.fn, tc.args)
		if err != nil || got != tc.want {
			t.Errorf("%s(%v) = %v, %v; want %s", tc.fn, tc.args, got, err, tc.want)
		}
	}
}

type allowAll struct{}

func (allowAll) Check(context.Context, *bridge.Call) (bridge.Decision, error) {
	return bridge.Decision{Allow: true}, nil
}

// Strings are accepted where bytes are declared.
func TestStringsThroughDispatcher(t *testing.T) {
	reg, _ := bridge.NewRegistry(Module(nil))
	d := &bridge.Dispatcher{Registry: reg, Gate: allowAll{}}
	got, err := d.Call(ctx, "crypto.hmac_sha256", []any{"Jefe", "what do ya want for nothing?"})
	if err != nil || got != "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843" {
		t.Errorf("hmac_sha256 with strings = %v, %v", got, err)
	}
	got, err = d.Call(ctx, "crypto.random_bytes", []any{int64(4)})
	if b, ok := got.([]byte); err != nil || !ok || len(b) != 4 {
		t.Errorf("random_bytes(4) = %#v, %v", got, err)
	}
}

func seeded() io.Reader { return rand.NewChaCha8([32]byte{1, 2, 3}) }

func TestRandomDeterministic(t *testing.T) {
	run := func() []any {
		m := Module(seeded())
		var out []any
		for _, n := range []int64{0, 1, 16, 1024} {
			b, err := call(t, m, "random_bytes", bridge.Args{"n": n})
			if err != nil {
				t.Fatal(err)
			}
			if len(b.([]byte)) != int(n) {
				t.Errorf("random_bytes(%d) gave %d bytes", n, len(b.([]byte)))
			}
			h, err := call(t, m, "random_hex", bridge.Args{"n": n})
			if err != nil {
				t.Fatal(err)
			}
			if len(h.(string)) != int(2*n) || strings.Trim(h.(string), "0123456789abcdef") != "" {
				t.Errorf("random_hex(%d) = %q", n, h)
			}
			out = append(out, b, h)
		}
		return out
	}
	a, b := run(), run()
	for i := range a {
		if !equal(a[i], b[i]) {
			t.Errorf("call %d differs between runs with the same seed: %v vs %v", i, a[i], b[i])
		}
	}
	// The bytes are the reader's bytes, in order.
	want := make([]byte, 16)
	seeded().Read(want)
	m := Module(seeded())
	got, _ := call(t, m, "random_hex", bridge.Args{"n": int64(16)})
	if got != hexOf(want) {
		t.Errorf("random_hex(16) = %v, want %s", got, hexOf(want))
	}
}

func equal(a, b any) bool {
	if x, ok := a.([]byte); ok {
		return bytes.Equal(x, b.([]byte))
	}
	return a == b
}

func hexOf(b []byte) string {
	const digits = "0123456789abcdef"
	var s strings.Builder
	for _, c := range b {
		s.WriteByte(digits[c>>4])
		s.WriteByte(digits[c&15])
	}
	return s.String()
}

func TestRandomBounds(t *testing.T) {
	m := Module(seeded())
	for _, fn := range []string{"random_bytes", "random_hex"} {
		for _, n := range []int64{-1, MaxRandomBytes + 1, 1 << 40} {
			_, err := call(t, m, fn, bridge.Args{"n": n})
			var msg bridge.Message
			if !errors.As(err, &msg) {
				t.Errorf("%s(%d) = %v, want a bridge.Message", fn, n, err)
			}
		}
	}
}

type failing struct{}

func (failing) Read([]byte) (int, error) { return 0, errors.New("entropy exhausted") }

func TestRandomReaderFails(t *testing.T) {
	m := Module(failing{})
	if _, err := call(t, m, "random_bytes", bridge.Args{"n": int64(1)}); err == nil {
		t.Errorf("random_bytes with a failing reader succeeded")
	}
	// Zero bytes need no read.
	if b, err := call(t, m, "random_bytes", bridge.Args{"n": int64(0)}); err != nil || len(b.([]byte)) != 0 {
		t.Errorf("random_bytes(0) = %v, %v", b, err)
	}
}
