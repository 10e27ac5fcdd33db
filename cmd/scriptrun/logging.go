package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/mattn/go-isatty"
	"github.com/rs/zerolog"

	"github.com/scriptrun/scriptrun/engine"
	"github.com/scriptrun/scriptrun/internal/runio"
	"github.com/scriptrun/scriptrun/loc"
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
	if logFormat(w, format) == "text" {
		w = textWriter(w, !isTerminal(w))
	}
	// The host logs from more than one goroutine (worker processes come
	// and go in the background with --isolation process).
	return zerolog.New(zerolog.SyncWriter(w)).With().Timestamp().Logger()
}

// logFormat returns the --log-format in force on w: format when it is
// set, else text on a terminal and json otherwise.
func logFormat(w io.Writer, format string) string {
	if format != "" {
		return format
	}
	if isTerminal(w) {
		return "text"
	}
	return "json"
}

// writeErrorFrame writes err for people to read, when it is an
// *engine.Error with a line in the script name: "pos: kind error: message"
// and the code frame of the position in src (loc.Snippet). The message is
// escaped as the text log escapes it, the frame by Snippet: both may hold
// what the script wrote. Nothing is written for other errors.
func writeErrorFrame(w io.Writer, err error, name, src, lang string) {
	var e *engine.Error
	if !errors.As(err, &e) || e.Pos.File != name || e.Pos.Line <= 0 {
		return
	}
	frame := loc.Snippet(src, e.Pos, syntaxOf(lang))
	if frame == "" {
		return
	}
	fmt.Fprintf(w, "%s: %s error: %s\n%s\n", loc.Printable(e.Pos.String()), e.Kind, loc.Printable(e.Message), frame)
}

// syntaxOf returns how positions count in a script of language lang.
func syntaxOf(lang string) loc.Syntax {
	if lang == "lua" {
		return loc.Lua
	}
	return loc.JS
}

// writeScriptLogs writes the script's log lines as "script.log" events.
func writeScriptLogs(log zerolog.Logger, script string, lines []engine.LogLine) {
	runio.Logs(log, script, lines)
}

// textWriter is the --log-format text writer: zerolog's ConsoleWriter with
// every part a script can reach (the message, field names, field values,
// nested values) passed through loc.Printable, so a script's log line is one
// line and no control sequence of its making reaches the terminal.
func textWriter(w io.Writer, noColor bool) zerolog.ConsoleWriter {
	color := func(s string, c int) string {
		if noColor || os.Getenv("NO_COLOR") != "" {
			return s
		}
		return fmt.Sprintf("\x1b[%dm%s\x1b[0m", c, s)
	}
	text := func(i any) string {
		switch i := i.(type) {
		case nil:
			return ""
		case []byte: // a nested value as JSON
			return loc.Printable(string(i))
		}
		return loc.Printable(fmt.Sprint(i))
	}
	return zerolog.ConsoleWriter{
		Out:        w,
		NoColor:    noColor,
		TimeFormat: "15:04:05.000",
		// The message is the event name already.
		FieldsExclude:       []string{"event"},
		FormatMessage:       func(i any) string { return color(text(i), 1) },
		FormatFieldName:     func(i any) string { return color(text(i)+"=", 36) },
		FormatErrFieldName:  func(i any) string { return color(text(i)+"=", 36) },
		FormatFieldValue:    text,
		FormatErrFieldValue: func(i any) string { return color(text(i), 31) },
		// A script's message is quoted, so that what it holds cannot pass
		// for the fields after it or for a host event's name.
		FormatPrepare: func(evt map[string]any) error {
			if evt["event"] == "script.log" {
				if m, ok := evt[zerolog.MessageFieldName].(string); ok {
					evt[zerolog.MessageFieldName] = quoteText(m)
				}
			}
			return nil
		},
	}
}

// quoteText returns s escaped as by loc.Printable, with its double quotes and
// backslashes escaped too, between double quotes.
func quoteText(s string) string {
	s = strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s)
	return `"` + loc.Printable(s) + `"`
}
