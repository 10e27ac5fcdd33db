-- attacks: calls a host function as the body of a coroutine
-- ### denied "kv.get"
return coroutine.wrap(host.kv.get)("k")
