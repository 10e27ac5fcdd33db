package log

import (
	"context"
	"fmt"

	"github.com/scriptrun/scriptrun/bridge"
)

// Defaults of Options.
const (
	DefaultMaxMessage = 4096
	DefaultMaxFields  = 32
	DefaultMaxDepth   = 4
	DefaultMaxBytes   = 4096
)

// Options bound each line. A zero field takes its default; a negative one
// is an error of Module.
type Options struct {
	MaxMessage int   // bytes of the message
	MaxFields  int   // entries of fields (top level)
	MaxDepth   int   // nesting of fields (a flat map is 1)
	MaxBytes   int64 // size of fields as bridge.Size counts it
}

// Levels are the functions of the module, one per level.
var Levels = []string{"debug", "info", "warn", "error"}

// Module returns the "log" host module. It panics on negative options,
// which are a programming error of the host.
func Module(opts ...Options) *bridge.Module {
	var o Options
	if len(opts) > 0 {
		o = opts[0]
	}
	if o.MaxMessage < 0 || o.MaxFields < 0 || o.MaxDepth < 0 || o.MaxBytes < 0 {
		panic(fmt.Sprintf("log: negative bound in %+v", o))
	}
	def := func(v *int, d int) {
		if *v == 0 {
			*v = d
		}
	}
	def(&o.MaxMessage, DefaultMaxMessage)
	def(&o.MaxFields, DefaultMaxFields)
	def(&o.MaxDepth, DefaultMaxDepth)
	if o.MaxBytes == 0 {
		o.MaxBytes = DefaultMaxBytes
	}
	m := &bridge.Module{Name: "log", Doc: "Structured log lines into the run's log."}
	for _, level := range Levels {
		m.Funcs = append(m.Funcs, &bridge.Func{
			Name: level,
			Params: []bridge.Param{
				{Name: "message", Type: bridge.String},
				{Name: "fields", Type: bridge.Map, Optional: true, Doc: "structured fields"},
			},
			Doc: level + "(message, fields?) writes a " + level + " line into the run's log.",
			Impl: func(ctx context.Context, args bridge.Args) (any, error) {
				return nil, o.write(ctx, level, args)
			},
		})
	}
	return m
}

func (o Options) write(ctx context.Context, level string, args bridge.Args) error {
	msg := args.String("message")
	if len(msg) > o.MaxMessage {
		return bridge.Message(fmt.Sprintf("message is %d bytes, limit %d", len(msg), o.MaxMessage))
	}
	fields, _ := args["fields"].(map[string]any)
	if len(fields) > o.MaxFields {
		return bridge.Message(fmt.Sprintf("fields has %d entries, limit %d", len(fields), o.MaxFields))
	}
	if d := depth(fields); d > o.MaxDepth {
		return bridge.Message(fmt.Sprintf("fields nested %d levels deep, limit %d", d, o.MaxDepth))
	}
	if n := bridge.Size(fields); len(fields) > 0 && n > o.MaxBytes {
		return bridge.Message(fmt.Sprintf("fields are %d bytes, limit %d", n, o.MaxBytes))
	}
	if len(fields) == 0 {
		fields = nil
	}
	r := bridge.RunFrom(ctx)
	if r == nil {
		return fmt.Errorf("log: called outside a run")
	}
	// The args are the dispatcher's private copy: the line may keep them.
	return r.Log(ctx, level, msg, fields)
}

// depth is the nesting of v: 0 for a scalar, 1 for a flat map or list.
func depth(v any) int {
	d := 0
	switch v := v.(type) {
	case map[string]any:
		if v == nil {
			return 0
		}
		for _, x := range v {
			d = max(d, depth(x))
		}
		return d + 1
	case []any:
		for _, x := range v {
			d = max(d, depth(x))
		}
		return d + 1
	}
	return 0
}
