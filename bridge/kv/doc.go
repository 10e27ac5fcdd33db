// Package kv is the "kv" host module: a key-value store that scripts reach
// as host.kv in both languages.
//
// # Functions
//
//	get(key)           -> the value stored under key, or null
//	set(key, value)    -> null; stores a copy of value (null is refused: use delete)
//	delete(key)        -> true if the key existed
//	list(prefix?, limit?) -> the keys starting with prefix, sorted bytewise;
//	                      at most limit of them (default 1000, at most 10000)
//
// Capability names are kv.get, kv.set, kv.delete and kv.list; a policy sees
// the arguments as args.key, args.value, args.prefix and args.limit.
//
// # Keys and values
//
// A key is a non-empty string of at most 1024 bytes of valid UTF-8 (see
// CheckKey). Keys are literal: "a", "a ", "A" and the NFC and NFD forms of
// "é" are four different keys. Values are anything in the bridge value
// model (null, bool, number, string, list, map; bytes only in Memory), and
// are always copied: a script or host that changes a value after set or
// get does not change what is stored.
//
// # Stores
//
// Module takes any Store. Two are provided:
//
//   - Memory (NewMemory): in memory, for services and tests.
//   - File (OpenFile): a JSON object in a file, for the CLI's --kv flag.
//     Every change rewrites the file atomically (temporary file, fsync,
//     rename, directory fsync), so a crash or a failed write never leaves a
//     half-written file. Bytes values are refused, as are strings that are
//     not valid UTF-8, because JSON cannot hold them exactly.
//
// Both are bounded by Limits (by default 10000 keys, 64 KiB per value and
// 16 MiB in all), so a script cannot fill the host's memory or disk. Going
// over a limit fails the call with a message the script can read, such as
// "kv.set: store is full: limit of 10000 keys".
//
// Errors that are bridge.Message values (bad keys, limits, refused values)
// reach the script as they are; other errors (for example a failed disk
// write) reach it as a generic failure, with the cause in the audit log.
//
// # Example
//
//	store, err := kv.OpenFile("data.json", kv.Limits{MaxKeys: 1000})
//	if err != nil { ... }
//	reg, err := bridge.NewRegistry(kv.Module(store))
package kv
