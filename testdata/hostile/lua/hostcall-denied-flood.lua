-- attacks: floods a host call with no policy, catching the denial with pcall
-- ### denied "kv.get"
while true do pcall(host.kv.get, "k") end
