// Conformance: what a script gets without any capability: its identity
// and the small standard library (JS: web names; Lua: std).
// @name identity
// @tenant acme
// @labels plan=pro env=prod
// @policy none
return [script.name, script.lang, script.sha256.length, script.tenant, script.labels.plan, script.labels.env]
// ### ok ["stdlib.js", "js", 64, "acme", "pro", "prod"]
// ---
// @name identity is read-only
// @tenant acme
// @policy none
"use strict"
const errs = []
for (const f of [() => { script.tenant = "evil" }, () => { script.labels.plan = "x" }, () => { delete script.name }]) {
  try { f(); errs.push("no error") } catch (e) { errs.push(e.name) }
}
return [errs, script.tenant, Object.isFrozen(script), Object.isFrozen(script.labels)]
// ### ok [["TypeError", "TypeError", "TypeError"], "acme", true, true]
// ---
// @name identity without a tenant
// @policy none
return [script.tenant, Object.keys(script.labels).length]
// ### ok ["", 0]
// ---
// @name base64 round trip
// @policy none
const s = "hello, wörld"
const b = btoa(unescape(encodeURIComponent(s)))
return [b, decodeURIComponent(escape(atob(b))), atob(" aGk = ")]
// ### ok ["aGVsbG8sIHfDtnJsZA==", "hello, wörld", "hi"]
// ---
// @name base64 invalid
// @policy none
atob("a===")
// ### error runtime "atob: the string is not correctly encoded"
// ---
// @name hex round trip
// @policy none
const hex = new Uint8Array(new TextEncoder().encode("hi!")).toHex()
return [hex, new TextDecoder().decode(Uint8Array.fromHex(hex))]
// ### ok ["686921", "hi!"]
// ---
// @name crypto hex to base64
// @policy default
const h = host.crypto.sha256("abc")
return Uint8Array.fromHex(h).toBase64()
// ### ok "ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0="
// ---
// @name utf8 round trip
// @policy none
const bytes = new TextEncoder().encode("h€\u{1F600}")
return [Array.from(bytes).length, new TextDecoder().decode(bytes).length, new TextDecoder().decode(new Uint8Array([0xff, 0x41]))]
// ### ok [8, 4, "\ufffdA"]
// ---
// @name utf8 invalid with fatal
// @policy none
new TextDecoder("utf-8", {fatal: true}).decode(new Uint8Array([0xc3]))
// ### error runtime "TextDecoder.decode: the data is not valid utf-8"
// ---
// @name url parse
// @policy none
const u = new URL("HTTPS://Api.Partner.Example:443/v1/orders?since=0&since=1&a=x+y#top")
return [u.href, u.protocol, u.hostname, u.port, u.pathname, u.searchParams.get("since"), u.searchParams.getAll("since"), u.searchParams.get("a"), u.hash]
// ### ok ["https://api.partner.example/v1/orders?since=0&since=1&a=x+y#top", "https:", "api.partner.example", "", "/v1/orders", "0", ["0", "1"], "x y", "#top"]
// ---
// @name url refused as the policy refuses it
// @policy none
new URL("https://api.partner.example@evil.example/")
// ### error runtime "userinfo (user@host) not allowed"
// ---
// @name url too long
// @policy none
new URL("https://" + "a".repeat(1 << 20) + ".example/")
// ### error runtime "url: longer than 8192 bytes"
// ---
// @name library is pristine in every run
// @policy none
// @runs 2
const before = typeof atob("") + typeof URL.prototype.toString
URL.prototype.toString = null
globalThis.atob = () => "tampered"
delete globalThis.btoa
return before
// ### ok "stringfunction"
