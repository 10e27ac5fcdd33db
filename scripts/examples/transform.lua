-- transform: reshape an order webhook payload (transform.input.json) into
-- the flat record a fulfilment system wants. No host calls: a pure function
-- of `input`, so it needs no policy. The Lua twin of transform.js.
--
--   scriptrun run --input scripts/examples/transform.input.json scripts/examples/transform.lua

local function cents(n)
  return string.format("%d.%02d", math.floor(n / 100), n % 100)
end

local function trim(s)
  return (s:gsub("^%s+", ""):gsub("%s+$", ""))
end

local lines, subtotal, count = {}, 0, 0
for _, li in ipairs(input.line_items) do
  count = count + li.quantity
  if li.unit_price_cents > 0 then -- drop free items (gift wrap)
    local l = { sku = li.sku, qty = li.quantity, totalCents = li.quantity * li.unit_price_cents }
    lines[#lines + 1] = l
    subtotal = subtotal + l.totalCents
  end
end
local total = subtotal + input.shipping.price_cents

local tags = {}
for t in input.tags:gmatch("[^,]+") do
  t = trim(t)
  if t ~= "" then tags[#tags + 1] = t end
end
table.sort(tags)

return {
  orderId = input.id,
  customer = {
    name = input.customer.first_name .. " " .. input.customer.last_name,
    email = trim(input.customer.email):lower(),
  },
  lines = lines,
  itemCount = count,
  subtotalCents = subtotal,
  totalCents = total,
  total = cents(total) .. " " .. input.currency,
  shipTo = input.shipping.country:upper(),
  tags = tags,
}
