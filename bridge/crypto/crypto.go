package crypto

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"sync"

	"github.com/scriptrun/scriptrun/bridge"
)

// MaxRandomBytes is the most random_bytes and random_hex return in one call.
const MaxRandomBytes = 1024

// Module returns the "crypto" host module. Random bytes are read from r
// when it is not nil (reads are serialized). With a nil r they come from the
// calling run's seeded stream (bridge.RunFrom), so runs with the same seed
// repeat — the design's determinism contract; outside a run, from
// crypto/rand. Bytes from a seeded stream are not secrets: a host that needs
// secret randomness passes crypto/rand.Reader.
func Module(r io.Reader) *bridge.Module {
	var mu sync.Mutex
	random := func(ctx context.Context, args bridge.Args) ([]byte, error) {
		n := args.Int("n")
		if n < 0 || n > MaxRandomBytes {
			return nil, bridge.Message(fmt.Sprintf("n must be between 0 and %d, got %d", MaxRandomBytes, n))
		}
		b := make([]byte, n)
		src := r
		if src == nil {
			if run := bridge.RunFrom(ctx); run != nil {
				src = run
			} else {
				src = rand.Reader
			}
		}
		mu.Lock()
		defer mu.Unlock()
		if _, err := io.ReadFull(src, b); err != nil {
			return nil, fmt.Errorf("crypto: read random bytes: %w", err)
		}
		return b, nil
	}
	n := bridge.Param{Name: "n", Type: bridge.Int, Doc: "number of bytes, 0..1024"}
	return &bridge.Module{
		Name: "crypto",
		Doc:  "Hashes, HMAC and random bytes.",
		Funcs: []*bridge.Func{
			{
				Name:   "sha256",
				Params: []bridge.Param{{Name: "data", Type: bridge.Bytes, Doc: "bytes, or a string (its UTF-8 bytes)"}},
				Doc:    "sha256(data) returns the SHA-256 digest of data as lowercase hex.",
				Impl: func(_ context.Context, args bridge.Args) (any, error) {
					sum := sha256.Sum256(args.Bytes("data"))
					return hex.EncodeToString(sum[:]), nil
				},
			},
			{
				Name: "hmac_sha256",
				Params: []bridge.Param{
					{Name: "key", Type: bridge.Bytes, Secret: true, Doc: "bytes, or a string (its UTF-8 bytes)"},
					{Name: "data", Type: bridge.Bytes, Doc: "bytes, or a string (its UTF-8 bytes)"},
				},
				Doc: "hmac_sha256(key, data) returns the HMAC-SHA-256 of data under key as lowercase hex.",
				Impl: func(_ context.Context, args bridge.Args) (any, error) {
					m := hmac.New(sha256.New, args.Bytes("key"))
					m.Write(args.Bytes("data"))
					return hex.EncodeToString(m.Sum(nil)), nil
				},
			},
			{
				Name:   "random_bytes",
				Params: []bridge.Param{n},
				Doc:    "random_bytes(n) returns n random bytes from the run's random source.",
				Impl: func(ctx context.Context, args bridge.Args) (any, error) {
					return random(ctx, args)
				},
			},
			{
				Name:   "random_hex",
				Params: []bridge.Param{n},
				Doc:    "random_hex(n) returns n random bytes as 2n lowercase hex digits.",
				Impl: func(ctx context.Context, args bridge.Args) (any, error) {
					b, err := random(ctx, args)
					if err != nil {
						return nil, err
					}
					return hex.EncodeToString(b), nil
				},
			},
		},
	}
}
