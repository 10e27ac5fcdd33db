// Command budgettable writes the README's budget table from limits.Fields,
// the one description of the budget fields. Without flags it prints the
// table; with -w FILE it replaces the table between the markers in FILE:
//
//	<!-- budget table: go generate ./limits -->
//	...
//	<!-- end budget table -->
//
// `go generate ./limits` runs it on the README; a test in this package
// fails when the README's table is not the one Fields gives.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"reflect"
	"strings"

	"github.com/scriptrun/scriptrun/limits"
)

// The markers around the generated table.
const (
	begin = "<!-- budget table: go generate ./limits -->\n"
	end   = "<!-- end budget table -->\n"
)

func main() {
	w := flag.String("w", "", "rewrite the table in `FILE` in place")
	flag.Parse()
	if *w == "" {
		fmt.Print(table())
		return
	}
	data, err := os.ReadFile(*w)
	if err == nil {
		data, err = replace(data)
	}
	if err == nil {
		err = os.WriteFile(*w, data, 0o644)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "budgettable: %v\n", err)
		os.Exit(1)
	}
}

// table returns the Markdown table of the budget fields.
func table() string {
	var b strings.Builder
	b.WriteString("| field | default | what counts | CLI flag | policy key |\n")
	b.WriteString("|---|---|---|---|---|\n")
	typ := reflect.TypeOf(limits.Budget{})
	for i, f := range limits.Fields() {
		def := f.Human(f.Default)
		if f.Max > 0 {
			def += " (at most " + f.Human(f.Max) + ")"
		}
		doc := escape(f.Doc)
		if f.Detail != "" {
			doc += "; " + f.Detail
		}
		key := "—"
		if f.Key != "" {
			key = "`" + f.Key + "`"
		}
		fmt.Fprintf(&b, "| %s (`%s`) | %s | %s | `--%s %s` | %s |\n",
			typ.Field(i).Name, f.Name, def, doc, f.Flag, f.Kind.Placeholder(), key)
	}
	return b.String()
}

// escape keeps Markdown from reading plain text as markup.
func escape(s string) string {
	return strings.NewReplacer(`*`, `\*`, `|`, `\|`, `_`, `\_`, "`", "\\`").Replace(s)
}

// replace returns data with the text between the markers replaced by the
// table.
func replace(data []byte) ([]byte, error) {
	i := bytes.Index(data, []byte(begin))
	j := bytes.Index(data, []byte(end))
	if i < 0 || j < i {
		return nil, fmt.Errorf("no %q ... %q markers", strings.TrimSpace(begin), strings.TrimSpace(end))
	}
	var out bytes.Buffer
	out.Write(data[:i+len(begin)])
	out.WriteString(table())
	out.Write(data[j:])
	return out.Bytes(), nil
}
