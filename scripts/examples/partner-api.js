// Fetches the partner's orders (CSV) and reports what is paid. The policy
// allows GETs under /orders on the partner's host, with no header but
// Accept, and info lines in the log; in the example test the partner is a
// local server.
const r = host.http.get(input.partner + "/orders.csv", {headers: {Accept: "text/csv"}});
if (r.status !== 200) throw new Error("partner answered " + r.status);
const rows = r.body.trim().split("\n").slice(1).map(l => l.split(","));
const paid = rows.filter(([, status]) => status === "paid");
const total = paid.reduce((sum, [, , t]) => sum + Number(t), 0);
host.log.info("orders fetched", {orders: rows.length, paid: paid.length});
return {orders: rows.length, paid: paid.length, total: total};
