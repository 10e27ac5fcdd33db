// denied: a clean-up script that tries to delete keys. The policy
// (denied.policy.yaml) allows kv.* on the tenant's keys but denies
// kv.delete, so the run ends at the first delete with exit code 4:
//
//   scriptrun run --tenant acme --policy scripts/examples/denied.policy.yaml scripts/examples/denied.js

const sessions = host.kv.list("acme:session:"); // allowed by rule tenant-kv
for (const key of sessions) {
  host.kv.delete(key); // denied by rule no-deletes: the run stops here
}
return { deleted: sessions.length }; // never reached
