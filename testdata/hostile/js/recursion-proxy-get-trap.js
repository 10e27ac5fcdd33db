// attacks: a Proxy get trap that reads through its own receiver
// ### limit "stackDepth" | runtime
const p = new Proxy({}, { get(t, k, r) { return r[k]; } });
return p.x;
