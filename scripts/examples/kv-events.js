// Webhook deliveries arrive more than once, and runs overlap. Each event id
// is claimed with cas (stored only if absent), so exactly one run handles
// it; the counter is incremented with incr. A get followed by a set would
// lose updates when two runs interleave.
const out = {new: [], duplicates: []};
for (const ev of input.events) {
  if (host.kv.cas("acme:event:" + ev.id, null, {at: ev.at})) {
    out.new.push(ev.id);
  } else {
    out.duplicates.push(ev.id);
  }
}
out.deliveries = host.kv.incr("acme:deliveries", out.new.length);
return out;
