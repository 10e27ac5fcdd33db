-- attacks: setfenv on a built-in function and on level 0 (the thread)
-- ### runtime
setfenv(print, {})
setfenv(0, {})
return 1
