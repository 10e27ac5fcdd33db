package bridge

import (
	"context"
	"testing"

	"github.com/rs/zerolog"
)

type allowGate struct{}

func (allowGate) Check(context.Context, *Call) (Decision, error) {
	return Decision{Allow: true, Rule: "r"}, nil
}

// BenchmarkDispatch is the dispatcher's own cost per call: bind, gate (a
// no-op), audit (to a disabled logger), invoke, copy back.
func BenchmarkDispatch(b *testing.B) {
	reg, err := NewRegistry(&Module{Name: "t", Funcs: []*Func{{Name: "echo", Params: []Param{{Name: "v", Type: String}},
		Impl: func(_ context.Context, a Args) (any, error) { return a["v"], nil }}}})
	if err != nil {
		b.Fatal(err)
	}
	d := &Dispatcher{Registry: reg, Gate: allowGate{}, Log: zerolog.Nop()}
	ctx := WithRun(context.Background(), &Run{})
	args := []any{"x"}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := d.Call(ctx, "t.echo", args); err != nil {
			b.Fatal(err)
		}
	}
}
