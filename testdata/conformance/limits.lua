-- Conformance: every budget ends the run with a limit error naming it, and
-- the script cannot catch it.
-- @name steps
-- @budget steps=10000
while true do end
-- ### limit "steps"
-- ---
-- @name steps cannot be caught
-- @budget steps=10000
local ok = pcall(function()
  while true do end
end)
return "caught"
-- ### limit "steps"
-- ---
-- @name steps within the budget
-- @budget steps=100000
local s = 0
for i = 1, 1000 do s = s + i end
return s
-- ### ok 500500
-- ---
-- @name stackDepth
-- @budget stackDepth=200
local function f(n) return f(n + 1) + 1 end
return f(0)
-- ### limit "stackDepth"
-- ---
-- @name stackDepth cannot be caught
-- @budget stackDepth=200
local function f(n)
  local ok, v = pcall(f, n + 1)
  if ok then return v + 1 end
  return 0
end
return f(0)
-- ### limit "stackDepth"
-- ---
-- @name stackDepth within the budget
-- @budget stackDepth=200
local function f(n) if n == 0 then return 0 end return f(n - 1) + 1 end
return f(50)
-- ### ok 50
-- ---
-- @name hostCalls
-- @budget hostCalls=5
for i = 1, 10 do
  pcall(host.t.echo, i)
end
return "done"
-- ### limit "hostCalls"
-- ---
-- @name hostCalls within the budget
-- @budget hostCalls=5
local s = 0
for i = 1, 5 do s = s + host.t.echo(i) end
return s
-- ### ok 15
-- ---
-- @name output
-- @budget output=100
return string.rep("x", 200)
-- ### limit "output"
-- ---
-- @name output within the budget
-- @budget output=100
return string.rep("x", 50)
-- ### ok "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
-- ---
-- @name logs within the budget
print("first")
print("second")
return 1
-- ### ok 1
-- ### logs ["first", "second"]
-- ---
-- @name logs
-- @budget logs=100
pcall(function()
  while true do print("spam") end
end)
return "done"
-- ### limit "logs"
-- ---
-- @name timeout
-- @budget timeout=100ms steps=1000000000000 cpu=10s
while true do end
-- ### limit "timeout"
-- ---
-- @name steps in a callback
-- @budget steps=10000
table.sort({3, 1, 2}, function(a, b)
  while true do end
end)
-- ### limit "steps"
-- ---
-- @name steps in a generator
-- @budget steps=10000
local g = coroutine.wrap(function() while true do coroutine.yield(1) end end)
while true do g() end
-- ### limit "steps"
-- ---
-- @name stackDepth through a built-in callback
-- @budget stackDepth=200
local function f() table.sort({2, 1}, function() return f() end) end
f()
-- ### limit "stackDepth"
-- ---
-- @name output exactly at the budget
-- @budget output=100
return string.rep("x", 98)
-- ### ok "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
-- ---
-- @name output one byte over
-- @budget output=100
return string.rep("x", 99)
-- ### limit "output"
-- ---
-- @name logs exactly at the budget
-- @budget logs=20
print("123456789")
print("123456789")
return 1
-- ### ok 1
-- ### logs ["123456789", "123456789"]
-- ---
-- @name logs one byte over
-- @budget logs=20
print("123456789")
print("1234567890")
return 1
-- ### limit "logs"
-- ---
-- @name cpu
-- @budget cpu=50ms timeout=10s steps=1000000000000
while true do end
-- ### limit "cpu"
-- ---
-- @name memory
-- @budget memory=50000000
local s = string.rep("x", 100000000)
return #s
-- ### limit "memory"
-- ---
-- @name memory through join
-- @budget memory=50000000
local s = string.rep("x", 10000)
local parts = {}
for i = 1, 10000 do parts[i] = s end
return #table.concat(parts)
-- ### limit "memory"
-- ---
-- @name memory through replace
-- @budget memory=50000000 timeout=30s cpu=30s
return #(string.gsub(string.rep("x", 10000), "x", string.rep("y", 10000)))
-- ### limit "memory"
-- ---
-- @name source
-- @budget source=100
-- This chunk is longer than 100 bytes, so it does not even compile.
return 1
-- ### limit "source"
-- ---
-- @name policy limits are ceilings
-- @policy ceiling
-- @budget steps=1000000000
while true do end
-- ### limit "steps"
