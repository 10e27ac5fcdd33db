// attacks: reaches for Go behind host functions: their prototypes,
//   constructors and own properties
// ### ok true
const f = host.kv.get;
const probes = [Object.getOwnPropertyNames(f).sort().join(","), typeof Object.getPrototypeOf(f),
  String(f).indexOf("[native code]") >= 0];
try { f.constructor("return this")(); probes.push("constructor works"); } catch (e) {}
try { host.kv.get = 1; } catch (e) {}
try { Object.setPrototypeOf(host.kv, null); } catch (e) {}
return probes.indexOf("constructor works") < 0 && typeof host.kv.get === "function";
