// attacks: a host call whose argument has a looping getter (arguments are
//   copied before the policy runs)
// ### denied "kv.get" | limit "steps"|"timeout"|"cpu" | runtime
return host.kv.get({ get key() { for (;;) {} }, toString() { for (;;) {} } });
