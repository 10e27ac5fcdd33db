// An order event in, a summary out; counts orders per tenant in kv.
const lines = input.items.map(i => ({sku: i.sku, total: Math.round(i.price * i.qty * 100) / 100}))
const total = lines.reduce((s, l) => s + l.total, 0)
const seen = host.kv.incr("orders")
return {order: input.id, total: Math.round(total * 100) / 100, lines: lines.length, ordersSeen: seen}
