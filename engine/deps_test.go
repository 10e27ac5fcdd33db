package engine_test

import (
	"encoding/json"
	"os/exec"
	"strings"
	"testing"
)

// TestDeps enforces the import rules of DESIGN.md: only engine/js imports
// goja (and third_party/gojacheck, its patched-vs-upstream check), only
// engine/lua imports gopher-lua, bridge, policy and limits
// import no other package of the project but loc (positions and frames,
// shared by engine and policy) and internal/urlx (the URL parser, shared by
// policy and the backends), policy imports limits too (its limits are a
// limits.Budget, its keys limits.Fields) and internal/yamlpos (where a YAML
// syntax error is), loc imports none, and nothing but the programs (the
// CLI, serve/loadtest) imports engine/worker. Programs (the CLI, serve/loadtest) and the suite
// runner link both backends.
func TestDeps(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("go tool not on PATH")
	}
	out, err := exec.Command("go", "list", "-deps=false", "-json", "../...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	const mod = "github.com/scriptrun/scriptrun"
	dec := json.NewDecoder(strings.NewReader(string(out)))
	seen := 0
	for dec.More() {
		var p struct {
			ImportPath string
			Deps       []string
		}
		if err := dec.Decode(&p); err != nil {
			t.Fatal(err)
		}
		deps, err := exec.Command("go", "list", "-deps", p.ImportPath).Output()
		if err != nil {
			t.Fatalf("go list -deps %s: %v", p.ImportPath, err)
		}
		seen++
		rel := strings.TrimPrefix(strings.TrimPrefix(p.ImportPath, mod), "/")
		for _, d := range strings.Fields(string(deps)) {
			switch {
			case (strings.HasPrefix(d, "github.com/dop251/goja") || strings.HasPrefix(d, mod+"/third_party/goja")) && !under(rel, "engine/js") && !under(rel, "third_party/goja") && !under(rel, "third_party/gojacheck") && !program(rel):
				t.Errorf("%s depends on goja; only engine/js may", rel)
			case strings.HasPrefix(d, "github.com/yuin/gopher-lua") && !under(rel, "engine/lua") && !program(rel):
				t.Errorf("%s depends on gopher-lua; only engine/lua may", rel)
			case d == mod+"/engine/worker" && rel != "engine/worker" && rel != "cmd/scriptrun" && rel != "serve/loadtest":
				t.Errorf("%s imports engine/worker; only the CLI (and embedding applications) may: engine/worker imports engine", rel)
			case strings.HasPrefix(d, mod+"/") && d != p.ImportPath:
				dep := strings.TrimPrefix(d, mod+"/")
				for _, leaf := range []string{"bridge", "policy", "limits", "loc"} {
					if under(rel, leaf) && !under(dep, leaf) && !(rel != leaf && dep == leaf) && !(leaf != "loc" && (dep == "loc" || dep == "internal/urlx")) && !(leaf == "policy" && (dep == "limits" || dep == "internal/yamlpos")) {
						t.Errorf("%s imports %s; %s may import no other package of the project", rel, dep, leaf)
					}
				}
			}
		}
	}
	if seen < 8 {
		t.Fatalf("listed only %d packages", seen)
	}
}

// program reports whether rel is one of the project's programs, which link
// the backends they run scripts with: the CLI and serve's load test.
// program reports whether rel may link both backends: the programs, and
// suite, the test runner, whose default is to run suites in both languages
// as the CLI does (an integrator's go test imports it like a program).
func program(rel string) bool {
	return rel == "cmd/scriptrun" || rel == "serve/loadtest" || rel == "suite"
}

func under(rel, dir string) bool { return rel == dir || strings.HasPrefix(rel, dir+"/") }
