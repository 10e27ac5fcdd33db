-- attacks: xpcall with error as its own message handler
-- ### runtime | ok false
return (xpcall(error, error))
