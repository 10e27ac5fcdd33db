-- Fetches the partner's orders (CSV) and reports what is paid. The policy
-- allows GETs under /orders on the partner's host, with no header but
-- Accept, and info lines in the log; in the example test the partner is a
-- local server.
local r = host.http.get(input.partner .. "/orders.csv", {headers = {Accept = "text/csv"}})
if r.status ~= 200 then error("partner answered " .. r.status) end
local orders, paid, total = 0, 0, 0
local header = true
for line in string.gmatch(r.body, "[^\n]+") do
  if header then
    header = false
  else
    local _, status, t = string.match(line, "^([^,]*),([^,]*),([^,]*)$")
    orders = orders + 1
    if status == "paid" then
      paid = paid + 1
      total = total + tonumber(t)
    end
  end
end
host.log.info("orders fetched", {orders = orders, paid = paid})
return {orders = orders, paid = paid, total = total}
