package goja

import (
	"github.com/scriptrun/scriptrun/third_party/goja/parser"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Deeply nested or chained source is a syntax error, found without
// overflowing the goroutine stack, and fast.
func TestDeepSourceIsASyntaxError(t *testing.T) {
	defer debug.SetMaxStack(debug.SetMaxStack(64 << 20))
	n := 1000000
	for _, c := range []struct{ name, src string }{
		{"brackets", "var x = " + strings.Repeat("[", n)},
		{"parens", "var x = " + strings.Repeat("(", n)},
		{"braces", strings.Repeat("{", n)},
		{"object", "var x = " + strings.Repeat("{a:", n)},
		{"arrows", "var f = " + strings.Repeat("a=>", n) + "a"},
		{"unary", "var x = " + strings.Repeat("-+", n) + "1"},
		{"not", "var x = " + strings.Repeat("!", n) + "1"},
		{"typeof", "var x = " + strings.Repeat("typeof ", n) + "1"},
		{"ternary", "var x = " + strings.Repeat("a?a:", n) + "a"},
		{"assign", "var a; " + strings.Repeat("a=", n) + "1"},
		{"new", "var x = " + strings.Repeat("new ", n) + "Object"},
		{"exponent", "var x = " + strings.Repeat("2**", n) + "1"},
		{"template", "var x = " + strings.Repeat("`${", n)},
		{"if", strings.Repeat("if (1) ", n) + ";"},
		{"functions", strings.Repeat("function f(){", n)},
		{"class extends", "var x = " + strings.Repeat("class extends ", n) + "Object {}"},
		{"binding pattern", "let " + strings.Repeat("[", n) + "a" + strings.Repeat("]", n) + " = []"},
		{"labels", labels(n) + ";"},
		{"plus chain", "var a = 1; a" + strings.Repeat("+a", n)},
		{"and chain", "var a = 1; a" + strings.Repeat("&&a", n)},
		{"member chain", "var a = {}; a" + strings.Repeat(".a", n)},
		{"call chain", "var f; f" + strings.Repeat("()", n)},
		{"index chain", "var a; a" + strings.Repeat("[0]", n)},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := time.Now()
			_, err := Compile("", c.src, false)
			if err == nil || !strings.Contains(err.Error(), "too deep") {
				t.Fatalf("got %.200v, want a nesting error", err)
			}
			if d := time.Since(s); d > 5*time.Second {
				// Not a timing assertion on a busy machine: quadratic
				// behaviour takes minutes here.
				t.Errorf("took %v", d)
			}
		})
	}
}

func TestOrdinaryNestingCompiles(t *testing.T) {
	for _, src := range []string{
		"var x = " + strings.Repeat("[", 900) + strings.Repeat("]", 900),
		"var x = " + strings.Repeat("(", 900) + "1" + strings.Repeat(")", 900),
		"var a = 1; a" + strings.Repeat("+a", 9000),
		"var a = 1; a" + strings.Repeat("&&a", 9000),
		"var x = 1;" + strings.Repeat("if (x == 2) {} else ", 900) + "{}",
	} {
		if _, err := Compile("", src, false); err != nil {
			t.Errorf("%.40s...: %v", src, err)
		}
	}
	// The limit is a parser option.
	r := New()
	r.SetParserOptions(parser.WithMaxDepth(10))
	if _, err := r.RunString("[[[[[[[[[[[[1]]]]]]]]]]]]"); err == nil || !strings.Contains(err.Error(), "too deep") {
		t.Fatalf("12 deep with a limit of 10: %v", err)
	}
	v, err := r.RunString("[[[[[[1]]]]]][0][0][0][0][0][0]")
	if err != nil || v.ToInteger() != 1 {
		t.Fatalf("6 deep with a limit of 10: %v %v", v, err)
	}
}

func labels(n int) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		b.WriteString("l")
		b.WriteString(strconv.Itoa(i))
		b.WriteString(": ")
	}
	return b.String()
}
