// Package crypto is the "crypto" host module: hashes, HMAC and random bytes
// for scripts, reached as host.crypto in both languages.
//
// # Functions
//
//	sha256(data)            -> lowercase hex of the SHA-256 digest
//	hmac_sha256(key, data)  -> lowercase hex of the HMAC-SHA-256
//	random_bytes(n)         -> n random bytes (0 <= n <= 1024)
//	random_hex(n)           -> n random bytes as 2n hex digits
//
// data and key are declared as bytes; a string is accepted too and means
// its UTF-8 bytes (the dispatcher converts it). Capability names are
// crypto.sha256, crypto.hmac_sha256, crypto.random_bytes and
// crypto.random_hex.
//
// # Randomness and determinism
//
// The random functions read from the io.Reader given to Module. The engine
// builds the module per run with a reader seeded from the run's seed, so a
// run with a fixed seed (the CLI's --deterministic) gets the same bytes
// every time. Such bytes are not secret: do not use them for keys or tokens
// in production unless the host passes a cryptographic reader (a nil reader
// means crypto/rand.Reader).
//
// # Example
//
//	mod := crypto.Module(rand.New(rand.NewPCG(seed, 0)))  // math/rand/v2
//	reg, err := bridge.NewRegistry(kv.Module(store), mod)
package crypto
