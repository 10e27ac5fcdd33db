// counter: counts calls in kv, fetches a partner page, logs.
const n = host.kv.incr("acme:count", 2);
const args = input || {};
let page = null;
if (args.fetch) {
  page = host.http.get("https://api.partner.example/page?n=" + n).body;
}
if (args.loop) {
  while (true) {}
}
if (args.throw) {
  throw new Error(args.throw);
}
console.log("count", n);
return {count: n, page, hash: host.crypto.sha256("x")};
