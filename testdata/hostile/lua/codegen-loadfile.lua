-- attacks: loadfile of a host file
-- ### runtime
return loadfile("/etc/passwd")
