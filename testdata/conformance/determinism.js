// Conformance: with a fixed seed and clock, a run repeats exactly. Each
// chunk runs twice; both runs must give the same value.
// @name seeded random numbers
// @seed 42
// @runs 2
const r = [Math.random(), Math.random(), Math.random()]
for (const x of r) host.assert.ok(x >= 0 && x < 1, "in [0, 1)")
host.assert.ok(r[0] !== r[1], "not constant")
return r
// ### ok
// ---
// @name seeded random integers
// @seed 7
// @runs 2
const r = []
for (let i = 0; i < 10; i++) r.push(1 + Math.floor(Math.random() * 6))
return r
// ### ok
// ---
// @name script clock
// @now 2000-01-01T00:00:00Z
// @runs 2
return [Date.now(), new Date().toISOString()]
// ### ok [946684800000, "2000-01-01T00:00:00.000Z"]
// ---
// @name host clock
// @now 2000-01-01T00:00:00Z
// @runs 2
return host.t.now()
// ### ok "2000-01-01T00:00:00Z"
// ---
// @name crypto random bytes from the seed
// @seed 42
// @runs 2
return [host.crypto.random_hex(8), host.crypto.random_hex(8)]
// ### ok
// ---
// @name key order
// @runs 2
const o = {}
for (const k of ["b", "a", "c", "aa"]) o[k] = k
const keys = []
for (const k in o) keys.push(k)
return keys
// ### ok ["b", "a", "c", "aa"]
