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
// Given a reader, the random functions read from it. Given nil (the usual
// case), they read from the calling run's random stream (bridge.RunFrom),
// which the engine seeds per run: a run with a fixed seed (the CLI's
// --deterministic, RunOptions.Seed) gets the same bytes every time. Such
// bytes are not secret: for keys or tokens, pass crypto/rand.Reader.
//
// # Example
//
//	mod := crypto.Module(nil)            // the run's seeded stream
//	secret := crypto.Module(rand.Reader) // crypto/rand, for secrets
package crypto
