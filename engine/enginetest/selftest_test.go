package enginetest

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/scriptrun/scriptrun/engine"
	"github.com/scriptrun/scriptrun/loc"
	"github.com/scriptrun/scriptrun/policy"
)

// fake is a Backend for the harness's self-test. Its "language" has one
// statement a line (comments as in JS):
//
//	return JSON           the result
//	throw TEXT            a runtime error at this line
//	log TEXT              one log line
//	call CAP JSON-ARGS    a host call; its error ends the run
//	counter               the result is a number that grows with every run
//	syntax                a compile error at this line
type fake struct{ runs atomic.Int64 }

func (*fake) Lang() string { return "js" }

func (*fake) Compile(src engine.Source, _ engine.CompileLimits) (engine.Program, error) {
	for i, l := range strings.Split(src.Code, "\n") {
		if strings.TrimSpace(l) == "syntax" {
			return nil, &engine.Error{Kind: engine.KindCompile, Message: "syntax", Pos: loc.Pos{File: src.Name, Line: i + 1, Col: 1}}
		}
	}
	return src, nil
}

func (f *fake) Run(ctx context.Context, p engine.Program, env *engine.Env) (any, error) {
	src := p.(engine.Source)
	n := f.runs.Add(1)
	for i, l := range strings.Split(src.Code, "\n") {
		word, rest, _ := strings.Cut(strings.TrimSpace(l), " ")
		pos := loc.Pos{File: src.Name, Line: i + 1, Col: 1}
		switch word {
		case "return":
			v, err := parseJSON(rest)
			if err != nil {
				return nil, err
			}
			return v, nil
		case "counter":
			return n, nil
		case "throw":
			return nil, &engine.Error{Kind: engine.KindRuntime, Message: rest, Pos: pos}
		case "log":
			if err := env.Log("info", rest); err != nil {
				return nil, err
			}
		case "call":
			capability, js, _ := strings.Cut(rest, " ")
			var args []any
			if err := json.Unmarshal([]byte(js), &args); err != nil {
				return nil, err
			}
			if _, err := env.Call(ctx, capability, args); err != nil {
				e := engine.FromCause(err)
				e.Pos = pos
				return nil, e
			}
		}
	}
	return nil, nil
}

// A chunk whose expectation is wrong fails; one whose expectation is right
// passes.
func TestSelf(t *testing.T) {
	dir, err := Dir()
	if err != nil {
		t.Fatal(err)
	}
	pols := &policies{dir: filepath.Join(dir, "policies"), m: map[string]*policy.Policy{}}
	for _, tc := range []struct {
		src  string
		want string // "" to pass, else a substring of the failure
	}{
		{"// @name a\nreturn 1\n// ### ok 1", ""},
		{"// @name a\nreturn 1\n// ### ok 2", "got ok 1\nwant ok 2"},
		{"// @name a\nreturn {\"a\": [1, 2.5]}\n// ### ok {\"a\": [1, 2.5]}", ""},
		{"// @name a\nreturn {\"a\": [1, 2.5]}\n// ### ok {\"a\": [1, 2.6]}", "-want +got"},
		{"// @name a\nreturn 1\n// ### error runtime", "got ok 1\nwant runtime error"},
		{"\n\n// @name a\nthrow boom\n// ### error runtime \"boom\" at \"t.js:4\"", ""},
		{"// @name a\nthrow boom\n// ### error runtime \"boom\" at \"t.js:3\"", "position differs"},
		{"// @name a\nthrow boom\n// ### error runtime \"bang\"", "message lacks the text"},
		{"// @name a\nthrow boom\n// ### ok 1", "the run failed"},
		{"// @name a\nsyntax\n// ### compile \"t.js:2\"", ""},
		{"// @name a\nsyntax\n// ### compile \"t.js:1\"", "position differs"},
		{"// @name a\nreturn 1\n// ### compile", "want compile error"},
		{"// @name a\nlog x\nlog y\nreturn 1\n// ### ok 1\n// ### logs [\"x\", \"y\"]", ""},
		{"// @name a\nlog x\nreturn 1\n// ### ok 1\n// ### logs [\"x\", \"y\"]", "got logs"},
		{"// @name a\n// @budget logs=3\nlog xxx\nreturn 1\n// ### limit \"logs\"", ""},
		{"// @name a\n// @runs 3\nreturn 1\n// ### ok", ""},
		{"// @name a\n// @runs 3\ncounter\n// ### ok", "differs from run 1"},
		{"// @name a\ncall assert.eq [1, 1]\nreturn 1\n// ### ok 1", ""},
		{"// @name a\ncall assert.eq [1, 2, \"sum\"]\nreturn 1\n// ### ok 1", "ASSERTION FAILED at t.js:2:1: assert.eq: sum: got 1, want 2"},
		{"// @name a\ncall assert.ok [false]\nreturn 1\n// ### ok 1", "ASSERTION FAILED"},
		{"// @name a\n// @policy none\ncall t.echo [1]\n// ### denied \"t.echo\" rule \"\"", ""},
		{"// @name a\n// @policy none\ncall t.echo [1]\n// ### denied \"t.echo\" rule \"x\"", "rule differs"},
		{"// @name a\n// @policy none\ncall t.echo [1]\n// ### denied \"kv.get\"", "capability differs"},
		{"// @name a\ncall t.boom []\n// ### error host \"t.boom: host function failed\"", ""},
		{"// @name a\n// @policy nosuch\nreturn 1\n// ### ok 1", "policy nosuch"},
		{"// @name a\n// @colour red\nreturn 1\n// ### ok 1", "bad chunk"},
	} {
		chunks, err := parseTwin(tc.src, "js")
		if err != nil {
			t.Fatal(err)
		}
		err = checkChunk(&fake{}, engine.Config{}, "t.js", chunks[0], pols)
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%q: %v, want a pass", tc.src, err)
		case tc.want != "" && err == nil:
			t.Errorf("%q: passed, want a failure containing %q", tc.src, tc.want)
		case tc.want != "" && !strings.Contains(err.Error(), tc.want):
			t.Errorf("%q: failure\n%v\nwant it to contain %q", tc.src, err, tc.want)
		}
	}
}
