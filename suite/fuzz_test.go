package suite

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzParse: whatever a suite file holds, parsing returns a suite or an
// *Error with positions, and never panics.
func FuzzParse(f *testing.F) {
	for _, glob := range []string{"testdata/*_test.yaml", "../scripts/examples/*_test.yaml"} {
		files, _ := filepath.Glob(glob)
		for _, file := range files {
			if data, err := os.ReadFile(file); err == nil {
				f.Add(data)
			}
		}
	}
	f.Add([]byte("script: s.js\ncases:\n  - name: a\n    input: &x [*x]\n"))
	f.Add([]byte("policy: p\ncases:\n  - {name: a, call: kv.get, args: {k: !!binary aGk=}, expect: {decision: allow}}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := parse("x_test.yaml", data)
		if err != nil {
			e, ok := err.(*Error)
			if !ok || len(e.Issues) == 0 {
				t.Fatalf("parse: got %T %v, want an *Error with issues", err, err)
			}
			return
		}
		if s.Kind != KindPolicy && s.Kind != KindScript {
			t.Fatalf("parse: kind %q", s.Kind)
		}
	})
}
