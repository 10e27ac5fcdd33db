-- attacks: string.dump to get bytecode
-- ### runtime
return string.dump(function() return 1 end)
