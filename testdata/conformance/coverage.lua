-- Conformance: line coverage (RunOptions.Coverage). A line of code that
-- ends with the comment "ran" must run; every other line must not. A line
-- that only closes a block never counts; a function declaration's line
-- counts when a statement on it runs (JS hoists declarations, so an
-- uncalled function's first line does not run; Lua's `local function`
-- statement runs where it stands).
-- @name branches, loops and a function never called
-- @input 1
local x = input -- ran
if x > 1 then -- ran
  x = 2
else
  x = 3 -- ran
end
local function never() -- ran
  return 4
end
for i = 0, 1 do -- ran
  x = x + i -- ran
end
return x -- ran
-- ### ok 4
-- ### covered
-- ---
-- @name an error keeps the lines that ran before it
local n = 0 -- ran
local function boom() -- ran
  n = n + 1 -- ran
  error("boom") -- ran
end
boom() -- ran
n = 2
-- ### error runtime "boom"
-- ### covered
-- ---
-- @name callbacks, coroutines, awaits and caught errors
local out = {} -- ran
for _, v in ipairs({1, 2}) do -- ran
  out[#out + 1] = v * 2 -- ran
end
local co = coroutine.wrap(function() -- ran
  coroutine.yield(1) -- ran
  coroutine.yield(2)
end)
co() -- ran
local ok = pcall(function() -- ran
  error("x") -- ran
end)
if not ok then -- ran
  out[#out + 1] = 0 -- ran
end
return out -- ran
-- ### ok [2, 4, 0]
-- ### covered
