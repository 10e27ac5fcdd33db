package enginetest

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/scriptrun/scriptrun/bridge"
	"github.com/scriptrun/scriptrun/bridge/crypto"
	"github.com/scriptrun/scriptrun/bridge/kv"
	"github.com/scriptrun/scriptrun/policy"
)

// modules returns fresh host modules for one run.
func modules() []*bridge.Module {
	return []*bridge.Module{assertModule(), testModule(), kv.Module(kv.NewMemory()), crypto.Module(nil)}
}

// capabilities describes modules() to policy loading: every function's
// capability name and optional params.
func capabilities() []policy.Capability {
	var caps []policy.Capability
	for _, m := range modules() {
		for _, f := range m.Funcs {
			c := policy.Capability{Name: m.Name + "." + f.Name}
			for _, p := range f.Params {
				if p.Optional && f.PolicyArgs == nil {
					c.Optional = append(c.Optional, p.Name)
				}
			}
			caps = append(caps, c)
		}
	}
	return caps
}

// assertModule is "assert": eq and ok fail with a message the script and
// the harness see.
func assertModule() *bridge.Module {
	msgParam := bridge.Param{Name: "msg", Type: bridge.String, Optional: true, Doc: "what is checked"}
	fail := func(args bridge.Args, format string, a ...any) error {
		s := fmt.Sprintf(format, a...)
		if m := args.String("msg"); m != "" {
			s = m + ": " + s
		}
		return bridge.Message(s)
	}
	return &bridge.Module{
		Name: "assert",
		Doc:  "Checks inside conformance scripts.",
		Funcs: []*bridge.Func{
			{
				Name: "eq",
				Params: []bridge.Param{
					{Name: "got", Type: bridge.Any, Optional: true},
					{Name: "want", Type: bridge.Any, Optional: true},
					msgParam,
				},
				Doc: "eq(got, want, msg) fails unless got equals want in the value model.",
				Impl: func(_ context.Context, args bridge.Args) (any, error) {
					got, want := plain(args["got"]), plain(args["want"])
					if !cmp.Equal(got, want) {
						return nil, fail(args, "got %s, want %s", render(got), render(want))
					}
					return nil, nil
				},
			},
			{
				Name: "ok",
				Params: []bridge.Param{
					{Name: "cond", Type: bridge.Any, Optional: true},
					msgParam,
				},
				Doc: "ok(cond, msg) fails unless cond is true.",
				Impl: func(_ context.Context, args bridge.Args) (any, error) {
					if args["cond"] != true {
						return nil, fail(args, "got %s, want true", render(args["cond"]))
					}
					return nil, nil
				},
			},
		},
	}
}

// testModule is "t", the host functions the topics call.
func testModule() *bridge.Module {
	count := int64(0) // per run: the module is made for one run
	opt := func(name string) bridge.Param { return bridge.Param{Name: name, Type: bridge.Any, Optional: true} }
	fn := func(name string, params []bridge.Param, impl func(ctx context.Context, a bridge.Args) (any, error)) *bridge.Func {
		return &bridge.Func{Name: name, Params: params, Impl: impl}
	}
	return &bridge.Module{
		Name: "t",
		Doc:  "Test functions.",
		Funcs: []*bridge.Func{
			fn("echo", []bridge.Param{opt("value")}, func(_ context.Context, a bridge.Args) (any, error) {
				return a["value"], nil
			}),
			// typed returns its arguments by param name.
			fn("typed", []bridge.Param{
				{Name: "s", Type: bridge.String},
				{Name: "n", Type: bridge.Int, Optional: true},
				{Name: "l", Type: bridge.List, Optional: true},
				{Name: "m", Type: bridge.Map, Optional: true},
			}, func(_ context.Context, a bridge.Args) (any, error) {
				return map[string]any(a), nil
			}),
			// kind returns the model type names of its arguments.
			fn("kind", []bridge.Param{opt("value"), {Name: "m", Type: bridge.Map, Optional: true}}, func(_ context.Context, a bridge.Args) (any, error) {
				return []any{bridge.TypeName(a["value"]), bridge.TypeName(a["m"])}, nil
			}),
			fn("boom", nil, func(context.Context, bridge.Args) (any, error) {
				panic("host bug at /srv/secret/module.go:42")
			}),
			fn("fail", nil, func(context.Context, bridge.Args) (any, error) {
				return nil, errors.New("dial tcp 10.0.0.1:5432: connection refused")
			}),
			fn("refuse", []bridge.Param{{Name: "msg", Type: bridge.String}}, func(_ context.Context, a bridge.Args) (any, error) {
				return nil, bridge.Message(a.String("msg"))
			}),
			fn("wait", nil, func(ctx context.Context, _ bridge.Args) (any, error) {
				<-ctx.Done()
				return nil, ctx.Err()
			}),
			fn("count", nil, func(context.Context, bridge.Args) (any, error) {
				count++
				return count, nil
			}),
			fn("now", nil, func(ctx context.Context, _ bridge.Args) (any, error) {
				r := bridge.RunFrom(ctx)
				if r == nil || r.Now == nil {
					return nil, bridge.Message("no run clock in the context")
				}
				return r.Now().UTC().Format(time.RFC3339Nano), nil
			}),
			fn("tenant", nil, func(ctx context.Context, _ bridge.Args) (any, error) {
				r := bridge.RunFrom(ctx)
				if r == nil {
					return nil, bridge.Message("no run in the context")
				}
				return r.Tenant, nil
			}),
			fn("secret", []bridge.Param{opt("a")}, func(context.Context, bridge.Args) (any, error) {
				return "s3cret", nil
			}),
			fn("nan", nil, func(context.Context, bridge.Args) (any, error) {
				return math.NaN(), nil
			}),
			fn("bad", nil, func(context.Context, bridge.Args) (any, error) {
				return struct{ Secret string }{"live Go value"}, nil
			}),
			fn("big", []bridge.Param{{Name: "n", Type: bridge.Int}}, func(_ context.Context, a bridge.Args) (any, error) {
				return strings.Repeat("x", int(min(a.Int("n"), 1<<24))), nil
			}),
		},
	}
}
