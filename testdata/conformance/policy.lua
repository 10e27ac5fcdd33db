-- Conformance: capability rules (policies/*.yaml). Deny by default; a denial
-- ends the run unless the policy makes denials catchable.
-- @name allowed call
-- @policy rules
return host.t.echo("hi")
-- ### ok "hi"
-- ---
-- @name no rule allows it
-- @policy rules
host.kv.set("k", {1})
-- ### denied "kv.set" rule "" at "policy.lua:10"
-- ---
-- @name deny rule with a message
-- @policy rules
host.t.secret()
-- ### denied "t.secret" rule "no-secret" "secrets are off limits" at "policy.lua:15"
-- ---
-- @name a denied function does not run
-- @policy rules
pcall(host.t.secret)
return "not reached"
-- ### denied "t.secret" rule "no-secret"
-- ---
-- @name denials cannot be caught
-- @policy rules
local ok = pcall(function()
  host.t.secret()
end)
return "caught"
-- ### denied "t.secret" rule "no-secret"
-- ---
-- @name a rule that fails to evaluate denies
-- @policy rules
host.t.typed("x")
-- ### denied "t.typed" rule "broken" "missing"
-- ---
-- @name a rule that does not apply
-- @policy rules
return host.t.typed("y")
-- ### ok {"s": "y"}
-- ---
-- @name rules see the arguments
-- @policy rules
host.kv.set("k", "short")
host.assert.eq(host.kv.get("k"), "short")
host.kv.set("k", "a longer value")
-- ### denied "kv.set" rule "small-values" "value is 14 bytes, limit 10"
-- ---
-- @name rules see the usage
-- @policy rules
host.t.echo(1)
host.t.echo(2)
host.t.echo(3)
-- ### denied "t.echo" rule "echo-twice" "t.echo may be called twice per run" at "policy.lua:53"
-- ---
-- @name rules see the run's clock
-- @policy rules
-- @now 2000-06-01T00:00:00Z
return host.crypto.sha256("")
-- ### ok "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
-- ---
-- @name rules see the run's clock: later
-- @policy rules
-- @now 2002-06-01T00:00:00Z
host.crypto.sha256("")
-- ### denied "crypto.sha256" rule ""
-- ---
-- @name match by tenant
-- @policy tenant
-- @tenant acme
host.kv.set("acme:x", "v")
return {host.kv.get("acme:x"), host.t.tenant()}
-- ### ok ["v", "acme"]
-- ---
-- @name match by tenant: other keys
-- @policy tenant
-- @tenant acme
host.kv.set("other:x", "v")
-- ### denied "kv.set" rule ""
-- ---
-- @name match by tenant: other tenant
-- @policy tenant
-- @tenant other
host.kv.set("other:x", "v")
-- ### denied "kv.set" rule ""
-- ---
-- @name no policy denies everything
-- @policy none
host.t.echo(1)
-- ### denied "t.echo" rule ""
-- ---
-- @name catchable denials
-- @policy catchable
local ok, e = pcall(host.t.secret)
host.assert.ok(not ok and string.find(e, "call to t.secret denied by rule no-secret: secrets are off limits", 1, true) ~= nil, e)
return host.t.echo("after")
-- ### ok "after"
-- ---
-- @name catchable denials uncaught
-- @policy catchable
host.t.secret()
-- ### denied "t.secret" rule "no-secret"
-- ---
-- @name audit mode allows would-be denials
-- @policy audit
return {host.t.secret(), host.t.echo(1)}
-- ### ok ["s3cret", 1]
-- ---
-- @name denials say it once
-- @policy catchable
-- The rule's message, why the rule failed, or nothing: the capability and
-- the rule are named once.
local msgs = {}
for _, f in ipairs({host.t.secret, host.t.count, function() host.t.kind("x") end, function() host.kv.get("k") end}) do
  local ok, e = pcall(f)
  msgs[#msgs + 1] = (string.gsub(e, "^[^:]*:%d+: ", ""))
end
return msgs
-- ### ok ["call to t.secret denied by rule no-secret: secrets are off limits", "call to t.count denied by rule no-count", "call to t.kind denied by rule broken: when failed: no such key: missing", "call to kv.get denied: no rule allows it"]
