-- attacks: dofile of a host file
-- ### runtime
return dofile("/etc/passwd")
