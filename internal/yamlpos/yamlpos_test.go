package yamlpos_test

import (
	"errors"
	"strings"
	"testing"

	yaml "go.yaml.in/yaml/v3"

	"github.com/scriptrun/scriptrun/internal/yamlpos"
	"github.com/scriptrun/scriptrun/loc"
)

func TestLocate(t *testing.T) {
	tests := []struct {
		name, src string
		want      string // file:line:col: invalid YAML: message
	}{
		{"misindented key", "name: x\nrules:\n  - name: r\n  allow: [kv.get\n",
			"p.yaml:4:8: invalid YAML: did not find expected '-' indicator"},
		{"misindented key later", "name: x\nrules:\n  - name: r\n    allow: [kv.get]\n  - name: s\n    allow: [kv.get]\n   when: x\n",
			"p.yaml:7:4: invalid YAML: did not find expected '-' indicator"},
		{"unclosed flow at the end", "name: x\nrules: [\n", "p.yaml:2:8: invalid YAML: did not find expected node content"},
		{"unclosed flow sequence", "name: x\nrules:\n  - name: r\n    allow: [kv.get\n    when: x\n",
			"p.yaml:4:13: invalid YAML: did not find expected ',' or ']'"},
		{"unclosed flow mapping", "name: x\nlimits: {steps: 1\nrules: []\n", "p.yaml:2:10: invalid YAML: did not find expected ',' or '}'"},
		{"tab", "name: x\n\tmode: audit\n", "p.yaml:2:1: invalid YAML: found a tab character that violates indentation"},
		{"unclosed quote", "name: x\nmode: 'audit\nrules: []\n", "p.yaml:2:7: invalid YAML: found unexpected end of stream"},
		{"colon in a value", "name: x\nrules:\n  - name: r\n    allow: [kv.get]\n    when: x: y\n",
			"p.yaml:5:12: invalid YAML: mapping values are not allowed in this context"},
		{"continuation", "a: 1\n  b: 2\n", "p.yaml:2:4: invalid YAML: mapping values are not allowed in this context"},
		{"sequence in a mapping", "a: 1\n- b\n", "p.yaml:2:1: invalid YAML: did not find expected key"},
		{"block scalar", "a: |\n  x\n y\n", "p.yaml:3:2: invalid YAML: did not find expected key"},
		{"reserved character", "a: 1\nb: @x\n", "p.yaml:2:4: invalid YAML: found character that cannot start any token"},
		{"first line", "a: [1, 2]]\n", "p.yaml:1:10: invalid YAML: did not find expected key"},
		{"escape", "a: 1\nb: \"\\q\"\n", "p.yaml:2:5: invalid YAML: found unknown escape character"},
		{"crlf", "a: 1\r\nb: 2\r\n  c: 3\r\n", "p.yaml:3:4: invalid YAML: mapping values are not allowed in this context"},
		{"line separator", "a: \"x\u2028y\"\nb: 1\n  c: 3\n", "p.yaml:4:4: invalid YAML: mapping values are not allowed in this context"},
		{"wide", "a: '日本'\nb: 1\n  c: 3\n", "p.yaml:3:4: invalid YAML: mapping values are not allowed in this context"},
		{"deep", "a: " + strings.Repeat("[", 20000), "p.yaml:1:10004: invalid YAML: exceeded max depth of 10000"},
		{"unknown anchor", "a: 1\nb: *x\n", "p.yaml:2:5: invalid YAML: unknown anchor 'x' referenced"},
	}
	for _, tt := range tests {
		_, err := yamlpos.Parse("p.yaml", []byte(tt.src))
		var e *yamlpos.Error
		if !errors.As(err, &e) {
			t.Errorf("%s: error %v, want an *Error", tt.name, err)
			continue
		}
		if got := err.Error(); got != tt.want {
			t.Errorf("%s: got\n%s\nwant\n%s\n(yaml.v3: %v)", tt.name, got, tt.want, e.Err)
		}
		if loc.Snippet(tt.src, e.Pos, loc.YAML) == "" {
			t.Errorf("%s: no line %v in the source", tt.name, e.Pos)
		}
	}
}

func TestParseOK(t *testing.T) {
	doc, err := yamlpos.Parse("p.yaml", []byte("a: 1\n"))
	if err != nil || doc.Kind != yaml.DocumentNode {
		t.Fatalf("Parse: %v, %v", doc, err)
	}
	var v struct{ A string }
	err = yaml.Unmarshal([]byte("a: [1]\n"), &v)
	if got := yamlpos.Locate("p.yaml", []byte("a: [1]\n"), err); got != err {
		t.Errorf("a type error came back as %v", got)
	}
}

// FuzzLocate: a document yaml.v3 rejects gets an *Error whose position is
// in the document (a line Snippet can show) and not before yaml.v3's line.
func FuzzLocate(f *testing.F) {
	f.Add("name: x\nrules:\n  - name: r\n  allow: [kv.get\n")
	f.Add("a: {b: [1, 'x\n\u2028c: \"\\q\"\r\n")
	f.Add("\ta: 1\n")
	f.Fuzz(func(t *testing.T, src string) {
		var doc yaml.Node
		yerr := yaml.Unmarshal([]byte(src), &doc)
		if yerr == nil {
			return
		}
		err := yamlpos.Locate("p.yaml", []byte(src), yerr)
		var e *yamlpos.Error
		if !errors.As(err, &e) {
			return // a type error: not ours
		}
		if e.Pos.Line > 0 && loc.Snippet(src, e.Pos, loc.YAML) == "" {
			t.Fatalf("%q: position %v is not in the document (yaml.v3: %v)", src, e.Pos, yerr)
		}
	})
}
