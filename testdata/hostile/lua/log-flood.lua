-- attacks: print in a loop
-- ### limit "logs"
while true do print(("x"):rep(1000)) end
