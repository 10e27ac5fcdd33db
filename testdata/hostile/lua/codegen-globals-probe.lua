-- attacks: closed libraries and loaders, looked up through _G and the string
--   metatable
-- ### ok ["nil","nil","nil","nil","nil","nil","nil","nil","nil","nil"]
local mt = getmetatable("")
local idx = mt and mt.__index or {}
return {type(os), type(io), type(debug), type(package), type(require), type(load),
  type(loadstring), type(dofile), type(rawget(_G, "loadfile")), type(idx.dump)}
