-- The same transform in Lua.
local total = 0
for _, i in ipairs(input.items) do total = total + i.price * i.qty end
local seen = host.kv.incr("orders")
return {order = input.id, total = math.floor(total * 100 + 0.5) / 100, lines = #input.items, ordersSeen = seen}
