package main

import (
	"io"
	"os"

	"github.com/mattn/go-isatty"
	"github.com/rs/zerolog"

	"github.com/scriptrun/scriptrun/engine"
)

// isTerminal reports whether w is a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	return isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd())
}

// newLogger returns the audit logger writing to w: zerolog JSON lines for
// format "json", a human-readable console format for "text", and for ""
// text when w is a terminal and JSON otherwise.
func newLogger(w io.Writer, format string) zerolog.Logger {
	tty := isTerminal(w)
	if format == "" {
		format = "json"
		if tty {
			format = "text"
		}
	}
	if format == "text" {
		// The message is the event name already.
		w = zerolog.ConsoleWriter{Out: w, NoColor: !tty, TimeFormat: "15:04:05.000", FieldsExclude: []string{"event"}}
	}
	// The host logs from more than one goroutine (worker processes come
	// and go in the background with --isolation process).
	return zerolog.New(zerolog.SyncWriter(w)).With().Timestamp().Logger()
}

// writeScriptLogs writes the script's log lines as "script.log" events.
func writeScriptLogs(log zerolog.Logger, script string, lines []engine.LogLine) {
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
