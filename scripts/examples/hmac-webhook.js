// hmac-webhook: verify a webhook's HMAC-SHA-256 signature before acting on
// it, and drop repeats. The host hands over the raw body (what was signed)
// and its parsed JSON; the shared secret lives in the tenant's kv store.
//
//   scriptrun run --tenant acme --policy scripts/examples/hmac-webhook.policy.yaml \
//     --kv /tmp/kv.json --input scripts/examples/hmac-webhook.input.json scripts/examples/hmac-webhook.js
//
// with /tmp/kv.json a copy of hmac-webhook.kv.json.

const secret = host.kv.get("acme:webhook-secret");
if (secret === null) throw new Error("no webhook secret configured");

const want = "sha256=" + host.crypto.hmac_sha256(secret, input.rawBody);
if (input.headers["x-signature"] !== want) {
  throw new Error("bad signature"); // exit 1, kind runtime
}

const event = input.payload;
const seenKey = "acme:seen:" + event.id;
const duplicate = host.kv.get(seenKey) !== null;
if (!duplicate) host.kv.set(seenKey, true);

return {
  verified: true,
  duplicate,
  event: event.type,
  invoice: event.data.invoice,
  amount: (event.data.amount_cents / 100).toFixed(2),
};
