// Package log is the "log" host module: structured log lines from a script
// into its run's log, beside its console.log (JS) and print (Lua) lines.
//
//	host.log.info("order synced", {id: order.id, ms: 12})      // JS
//	host.log.warn("retrying", {attempt = 2})                   -- Lua
//
// Four functions, one per level: debug, info, warn and error, each
// (message, fields?). message is a string; fields, optional, is a map in
// the value model. The engine puts each line into Result.Logs as an
// engine.LogLine{Level, Message, Fields}; the CLI writes it to stderr as a
// script.log event with the fields under "fields".
//
// # Budgets and bounds
//
// A line costs len(message) + 1 + bridge.Size(fields) bytes of the run's
// logs budget (limits.Budget.Logs, 64 KiB by default), the same budget
// console.log and print draw on; the line that would go over it is not
// written and stops the run with the logs limit. Like every host call a
// log call needs a policy rule (allow: [log.*]) and counts against the
// hostCalls budget.
//
// Each line is bounded before it is charged (Options; the zero value gives
// the defaults): message at most 4096 bytes, fields at most 32 entries,
// nested at most 4 levels deep, 4096 bytes as bridge.Size counts them. A
// line over a bound is a catchable host error naming the bound; nothing is
// written.
//
// Values stay data: message and fields are stored as the script gave them
// (control characters included) and escaped only where they are printed
// (JSON escapes them; see the CLI's --log-format).
package log
