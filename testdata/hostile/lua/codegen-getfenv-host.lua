-- attacks: getfenv on a host function and on stack levels above the script,
--   looking for an environment with loaders
-- ### ok false
local found = false
for _, f in ipairs({host.kv.get, print, tostring, 0, 2, 3}) do
  local ok, env = pcall(getfenv, f)
  if ok and type(env) == "table" and (rawget(env, "load") or rawget(env, "os") or rawget(env, "debug")) then found = true end
end
return found
