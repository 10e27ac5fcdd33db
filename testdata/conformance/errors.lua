-- Conformance: error kinds and positions. Positions are file positions
-- (each chunk is compiled with blank lines in front of it).
-- @name thrown error
error("boom")
-- ### error runtime "boom" at "errors.lua:4"
-- ---
-- @name error in a nested function
local function inner()
  error("deep")
end
local function outer()
  return inner()
end
outer()
-- ### error runtime "deep" at "errors.lua:9"
-- ---
-- @name error in a callback
local t = {3, 1, 2}
table.sort(t, function(a, b)
  error("in comparator")
end)
-- ### error runtime "in comparator" at "errors.lua:20"
-- ---
-- @name indexing null
local x = nil
return x.y
-- ### error runtime at "errors.lua:26"
-- ---
-- @name calling an undefined function
notDefined(1)
-- ### error runtime at "errors.lua:30"
-- ---
-- @name caught errors do not end the run
local ok, e = pcall(function()
  error("caught", 0)
end)
return e
-- ### ok "caught"
-- ---
-- @name rethrown error keeps its message
local ok, e = pcall(function()
  error("first", 0)
end)
error("wrapped: " .. e)
-- ### error runtime "wrapped: first" at "errors.lua:44"
-- ---
-- @name thrown string
error("plain", 0)
-- ### error runtime "plain" at "errors.lua:48"
-- ---
-- @name thrown object with a message
error({message = "obj"})
-- ### error runtime "obj" at "errors.lua:52"
-- ---
-- @name compile error
local ok = 1
local x = = 1
-- ### compile "errors.lua:57"
-- ---
-- @name unclosed block
local function f()
  return 1
-- ### compile
-- ---
-- @name host error uncaught is a host error
host.t.refuse("not now")
-- ### error host "t.refuse: not now" at "errors.lua:66"
-- ---
-- @name argument error uncaught is a runtime error
host.t.typed(1)
-- ### error runtime "t.typed: param s: want string, got int" at "errors.lua:70"
-- ---
-- @name host errors are catchable
local n = 0
if not pcall(host.t.refuse, "a") then n = n + 1 end
if not pcall(host.t.typed, 1) then n = n + 1 end
if not pcall(host.t.boom) then n = n + 1 end
return n
-- ### ok 3
-- ---
-- @name a value thrown after an await or a resume keeps its position
local late = coroutine.wrap(function()
  coroutine.yield()
  error({code = 1})
end)
late()
late()
-- ### error runtime "{\"code\":1}" at "errors.lua:84"
-- ---
-- @name a host error after an await or a resume keeps its position
local call = coroutine.wrap(function()
  coroutine.yield()
  host.t.refuse("no")
end)
call()
call()
-- ### error host "t.refuse" at "errors.lua:93"
