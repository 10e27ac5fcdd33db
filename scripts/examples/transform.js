// transform: reshape an order webhook payload (transform.input.json) into
// the flat record a fulfilment system wants. No host calls: a pure function
// of `input`, so it needs no policy.
//
//   scriptrun run --input scripts/examples/transform.input.json scripts/examples/transform.js

const cents = (n) => `${Math.floor(n / 100)}.${String(n % 100).padStart(2, "0")}`;

const lines = input.line_items
  .filter((li) => li.unit_price_cents > 0) // drop free items (gift wrap)
  .map((li) => ({ sku: li.sku, qty: li.quantity, totalCents: li.quantity * li.unit_price_cents }));

let subtotal = 0;
for (const l of lines) subtotal += l.totalCents;
const total = subtotal + input.shipping.price_cents;

return {
  orderId: input.id,
  customer: {
    name: `${input.customer.first_name} ${input.customer.last_name}`,
    email: input.customer.email.trim().toLowerCase(),
  },
  lines,
  itemCount: input.line_items.reduce((n, li) => n + li.quantity, 0),
  subtotalCents: subtotal,
  totalCents: total,
  total: `${cents(total)} ${input.currency}`,
  shipTo: input.shipping.country.toUpperCase(),
  tags: input.tags.split(",").map((t) => t.trim()).filter((t) => t !== "").sort(),
};
