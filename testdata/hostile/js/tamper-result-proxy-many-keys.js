// attacks: a result Proxy that reports a million keys
// ### output | limit "output"|"steps"|"timeout"|"cpu"|"memory"
const keys = Array.from({ length: 1e6 }, (_, i) => "k" + i);
return new Proxy({}, { ownKeys: () => keys, getOwnPropertyDescriptor: () => ({ value: 1, enumerable: true, configurable: true }) });
