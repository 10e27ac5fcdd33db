// attacks: tampering with the library's globals, prototypes and the built-ins it could use, then using it
// ### ok ["aGk=","hi","https://a.example/?x=1","1",[104,105],"hi","acme?"]
const d = Object.create(null);
d.set = function () { throw new Error("setter ran") };
d.configurable = true;
Object.defineProperty(Object.prototype, "value", d);
Object.defineProperty(Object.prototype, "done", d);
Array.prototype[Symbol.iterator] = function* () { throw new Error("array iterator ran") };
Uint8Array = function () { throw new Error("fake Uint8Array") };
Object.freeze = (o) => o;
String.prototype.toString = () => "tampered";
const enc = new TextEncoder().encode("hi");
const sp = new URL("https://a.example/?x=1").searchParams;
const it = sp.entries();
const first = it.next();
const tag = Object.prototype.toString.call(enc);
Object.getPrototypeOf(globalThis).script = null;
let t = typeof script;
return [btoa("hi"), atob("aGk="), new URL("https://a.example/?x=1").href, sp.get("x"),
  [enc[0], enc[1]], new TextDecoder().decode(enc), "acme?"];
