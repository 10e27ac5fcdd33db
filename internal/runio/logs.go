package runio

import (
	"github.com/rs/zerolog"

	"github.com/scriptrun/scriptrun/engine"
)

// Logs writes a run's script log lines to log as "script.log" events, at
// the level the script used (console.log, print and info at info).
func Logs(log zerolog.Logger, script string, lines []engine.LogLine) {
	for _, l := range lines {
		var ev *zerolog.Event
		switch l.Level {
		case "debug":
			ev = log.Debug()
		case "warn":
			ev = log.Warn()
		case "error":
			ev = log.Error()
		default: // log, info, print
			ev = log.Info()
		}
		ev = ev.Str("event", "script.log").Str("script", script).Str("scriptLevel", l.Level)
		if l.Fields != nil {
			// bridge/log's fields, as data: JSON escapes what they hold.
			ev = ev.Interface("fields", l.Fields)
		}
		ev.Msg(l.Message)
	}
}
