// Package kv is the "kv" host module: a key-value store that scripts reach
// as host.kv in both languages.
//
// # Functions
//
//	get(key)              -> the value stored under key, or null
//	set(key, value)       -> null; stores a copy of value (null is refused: use delete)
//	delete(key)           -> true if the key existed
//	incr(key, delta?)     -> the new number; adds delta (default 1) to the number
//	                         under key atomically, a missing key counting as 0
//	cas(key, old?, new?)  -> true if it swapped: stores new only if the current
//	                         value equals old (old null: only if the key is absent;
//	                         new null: delete the key), atomically
//	list(prefix?, limit?, after?) -> the keys starting with prefix that sort
//	                         after after, sorted bytewise; at most limit of them
//	                         (default 1000, at most 10000). To page, pass the
//	                         last key of a page as after for the next one.
//
// Capability names are kv.get, kv.set, kv.delete, kv.incr, kv.cas and
// kv.list; a policy sees the arguments as args.key, args.value, args.delta,
// args.old, args.new, args.prefix, args.limit and args.after.
//
// incr and cas are what a counter or a claim needs when runs are concurrent:
// a get followed by a set loses updates when two runs interleave; incr never
// does, and a get + cas loop retried until cas returns true does not either.
// Equality for cas is by value in the data model (1 and 1.0 are equal; maps
// compare by content).
//
// # Keys, values and namespaces
//
// A key is a non-empty string of at most 1024 bytes of valid UTF-8 (see
// CheckKey). Keys are literal: "a", "a ", "A" and the NFC and NFD forms of
// "é" are four different keys. Values are anything in the bridge value
// model (null, bool, number, string, list, map; bytes only in Memory), and
// are always copied: a script or host that changes a value after set or
// get does not change what is stored.
//
// Every Store method takes a namespace. Module(store) uses one namespace
// shared by all runs; Module(store, Options{PerTenant: true}) gives each
// tenant (the run's identity) its own, so scripts use plain keys, never see
// another tenant's keys, and policies need not police key prefixes.
//
// # Stores
//
// Module takes any Store; every store passes the same conformance suite
// (package kvtest). Provided:
//
//   - Memory (NewMemory): in memory, for services and tests.
//   - File (OpenFile): a JSON object in a file, the fixture format of the
//     CLI's --kv FILE.json. Every change takes an flock beside the file,
//     re-reads it if another process changed it, and rewrites it atomically
//     as compact JSON (temporary file, fsync, rename, directory fsync), so
//     concurrent processes lose no write. A read-only file or a missing
//     directory is refused when it is opened. One namespace only.
//   - Bolt (OpenBolt): an embedded bbolt database, the persistent default
//     (the CLI's --kv with any name not ending in .json). One process at a
//     time.
//   - PostgreSQL (package kv/postgres): for many replicas sharing a store.
//
// NewStore builds the Store methods on a Backend (get, list and one
// transactional update), so another database needs only those three.
//
// Bolt, File and PostgreSQL keep values as JSON: bytes values and strings that
// are not valid UTF-8 are refused rather than changed on the way to disk.
//
// # Limits
//
// Every store is bounded by Limits, per namespace (so per tenant with a
// per-tenant module): by default 10000 keys, 64 KiB per value and 16 MiB in
// all. A script cannot fill the host's memory or disk, and one tenant cannot
// take another's share. Limits.Tenant gives tenants their own limits (by
// plan, say). Going over a limit fails the call with a message the
// script can read, such as "kv.set: store is full: limit of 10000 keys".
//
// Errors that are bridge.Message values (bad keys, limits, refused values,
// incr of a string) reach the script as they are; other errors (a failed
// disk write, a lost database connection) reach it as a generic failure,
// with the cause in the audit log. Waiting for another process's lock (File,
// PostgreSQL) ends when the run's ctx does.
//
// # Example
//
//	store, err := kv.OpenBolt("state.db", kv.Limits{MaxKeys: 1000})
//	if err != nil { ... }
//	defer store.Close()
//	reg, err := bridge.NewRegistry(kv.Module(store, kv.Options{PerTenant: true}))
package kv
