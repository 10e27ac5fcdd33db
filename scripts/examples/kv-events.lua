-- Webhook deliveries arrive more than once, and runs overlap. Each event id
-- is claimed with cas (stored only if absent), so exactly one run handles
-- it; the counter is incremented with incr. A get followed by a set would
-- lose updates when two runs interleave.
local out = {new = {}, duplicates = {}}
for _, ev in ipairs(input.events) do
  if host.kv.cas("acme:event:" .. ev.id, nil, {at = ev.at}) then
    table.insert(out.new, ev.id)
  else
    table.insert(out.duplicates, ev.id)
  end
end
out.deliveries = host.kv.incr("acme:deliveries", #out.new)
return out
