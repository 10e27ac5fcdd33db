package suite

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
)

// Test runs the suites under paths (see Find) as subtests of t, one per
// suite file and, inside it, one per case, so that `go test -run` selects
// suites and cases by name and a failing case fails with its reasons. A
// bad suite fails its subtest with the suite error; paths holding no
// suite fail t. It is how an integrator runs its suites with its own
// modules from go test:
//
//	func TestSuites(t *testing.T) {
//		suite.Test(t, suite.Options{Modules: myModules}, "testdata/suites")
//	}
func Test(t *testing.T, opts Options, paths ...string) {
	t.Helper()
	files, err := Find(paths...)
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatalf("no suites (*_test.yaml) under %s", strings.Join(paths, ", "))
	}
	for _, f := range files {
		name := filepath.ToSlash(f)
		for strings.HasPrefix(name, "../") || strings.HasPrefix(name, "./") {
			name = name[strings.IndexByte(name, '/')+1:]
		}
		t.Run(name, func(t *testing.T) {
			s, err := Load(f, opts)
			if err != nil {
				t.Fatal(err)
			}
			o := opts
			o.Progress = func(c *CaseResult) {
				t.Run(c.Name, func(t *testing.T) {
					for _, f := range c.Failures {
						t.Errorf("%s: %s", c.Pos, f)
					}
				})
			}
			if _, err := s.Run(context.Background(), o); err != nil {
				t.Fatal(err)
			}
		})
	}
}
