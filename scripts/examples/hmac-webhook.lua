-- hmac-webhook: verify a webhook's HMAC-SHA-256 signature before acting on
-- it, and drop repeats. The host hands over the raw body (what was signed)
-- and its parsed JSON; the shared secret lives in the tenant's kv store.
-- The Lua twin of hmac-webhook.js.

local secret = host.kv.get("acme:webhook-secret")
if secret == nil then error("no webhook secret configured") end

local want = "sha256=" .. host.crypto.hmac_sha256(secret, input.rawBody)
if input.headers["x-signature"] ~= want then
  error("bad signature") -- exit 1, kind runtime
end

local event = input.payload
local seenKey = "acme:seen:" .. event.id
local duplicate = host.kv.get(seenKey) ~= nil
if not duplicate then host.kv.set(seenKey, true) end

return {
  verified = true,
  duplicate = duplicate,
  event = event.type,
  invoice = event.data.invoice,
  amount = string.format("%.2f", event.data.amount_cents / 100),
}
