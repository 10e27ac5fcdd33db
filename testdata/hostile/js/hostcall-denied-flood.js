// attacks: floods a host call with no policy and catches the denial
// ### denied "kv.get"
for (;;) { try { host.kv.get("k"); } catch (e) {} }
