// tenant-kv: count a page view in the tenant's kv store and report the
// tenant's counters. Run as tenant "acme" (tenant-kv.args) under
// tenant-kv.policy.yaml, with tenant-kv.kv.json as the store:
//
//   scriptrun run --tenant acme --policy scripts/examples/tenant-kv.policy.yaml \
//     --kv /tmp/kv.json --input scripts/examples/tenant-kv.input.json scripts/examples/tenant-kv.js

const prefix = "acme:views:";
const key = prefix + input.path;
const views = (host.kv.get(key) ?? 0) + 1;
host.kv.set(key, views);

const totals = {};
for (const k of host.kv.list(prefix)) {
  totals[k.slice(prefix.length)] = host.kv.get(k);
}

// Another tenant's keys are out of reach. The policy sets
// catchableDenials, so the denial is an error the script can handle.
let otherTenant = "readable";
try {
  host.kv.get("globex:views:/pricing");
} catch (e) {
  otherTenant = "denied";
}

return { path: input.path, views, totals, otherTenant };
