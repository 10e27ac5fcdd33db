package srccheck

import (
	"errors"
	"strings"
	"testing"
)

type tcase struct {
	name string
	src  string
	max  int
	pos  string // "" when accepted, else "line:col"
}

func rep(s string, n int) string { return strings.Repeat(s, n) }

func run(t *testing.T, check func(string, int) error, cases []tcase) {
	t.Helper()
	for _, tc := range cases {
		err := check(tc.src, tc.max)
		if tc.pos == "" {
			if err != nil {
				t.Errorf("%s: got %v, want accepted", tc.name, err)
			}
			continue
		}
		var e *Error
		if !errors.As(err, &e) {
			t.Errorf("%s: got %v, want an error at %s", tc.name, err, tc.pos)
			continue
		}
		if got := strings.SplitN(e.Error(), ": ", 2)[0]; got != tc.pos {
			t.Errorf("%s: got %v, want position %s", tc.name, err, tc.pos)
		}
		if !strings.Contains(e.Msg, "nesting deeper than") {
			t.Errorf("%s: message %q", tc.name, e.Msg)
		}
	}
}

func elseIfChainJS(n int) string {
	var b strings.Builder
	b.WriteString("if (x == 0) { y = 0 }\n")
	for i := 0; i < n; i++ {
		b.WriteString("else if (x == 1) { y = 1; }\n")
	}
	b.WriteString("else { y = 2 }\n")
	return b.String()
}

func TestJS(t *testing.T) {
	sum := "x = a" + rep(" + b", 5000) + ";\n"
	run(t, JS, []tcase{
		{"empty", "", 0, ""},
		{"ordinary", "function f(a, b) {\n  if (a) { return [a, {b: b}] }\n  return a ? b : -a\n}\nreturn f(1, 2)\n", 0, ""},
		{"300 else if", elseIfChainJS(300), 256, ""},
		{"5000-term sum", sum, 256, ""},
		{"200 nested arrays", rep("[", 200) + rep("]", 200), 256, ""},
		{"256 parens", rep("(", 256) + "1" + rep(")", 256), 256, ""},
		{"257 parens", rep("(", 257) + "1" + rep(")", 257), 256, "1:257"},
		{"deep on line 3", "x = 1\n// ((((\ny = " + rep("[", 10), 5, "3:9"},
		{"brackets in strings", `x = "((((((((((" + '[[[[[[[[[[' + ` + "`{{{{{{{{{{`", 3, ""},
		{"brackets in comments", "// ((((((((((\n/* [[[[[[[[[[ */ x", 3, ""},
		{"brackets in regexp", "x = /((((((((((/.test(s) && /[(]{3}\\//g", 3, ""},
		{"division is not a regexp", "x = a / (((((1))))) / 2", 3, "1:10"},
		{"regexp after if head", "if (a) /(((((((/.test(b)", 3, ""},
		{"template substitutions nest", "`${`${`${`${x}`}`}`}`", 3, "1:11"},
		{"template substitutions ok", "`a${b}c${ {d: [1]} }e`", 3, ""},
		{"unary run", "x = " + rep("!", 10) + "y", 5, "1:9"},
		{"unary not accumulated", "x = " + rep("!a && ", 1000) + "b", 32, ""},
		{"minus run", "x = " + rep("- ", 10) + "1", 5, "1:13"},
		{"binary minus", "x = " + rep("a - ", 1000) + "1", 256, ""},
		{"typeof run", "x = " + rep("typeof ", 10) + "y", 5, "1:33"},
		{"assignment chain", rep("a = ", 10) + "1", 5, "1:23"},
		{"assignments in statements", rep("a = 1\n", 1000) + rep("b = 2;", 1000), 5, ""},
		{"assignments in a list", "f(" + rep("a = 1, ", 1000) + ")", 5, ""},
		{"arrow chain", rep("x => ", 10) + "1", 5, "1:28"},
		{"ternary chain", "x = " + rep("a ? b : ", 10), 5, "1:39"},
		{"ternary with arrow bodies", "x = " + rep("a ? () => {} : ", 10) + "b", 5, "1:30"},
		{"if without braces", rep("if (x) ", 10) + "y", 5, "1:32"},
		{"if with braces", rep("if (x) {\n", 10) + rep("}\n", 10), 20, ""},
		{"labels", rep("a: ", 10) + "x", 5, "1:16"},
		{"object keys are not labels", "x = {" + rep("a: 1, ", 1000) + "}", 5, ""},
		{"case labels", "switch (x) {" + rep("case 1:\n", 1000) + "y() }", 5, ""},
		{"keyword keys", "x = {if: 1, for: 2, do: 3, new: 4, typeof: 5}", 3, ""},
		{"long else-if chain", elseIfChainJS(5000), 256, "2026:12"},
		{"member chain", "x = a" + rep(".b", 20000), 256, "1:32646"},
		{"call chain", "x = f" + rep("()", 20000), 256, "1:32518"},
		{"hashbang", "#!/usr/bin/env node ((((\nx", 2, ""},
	})
}

func TestLua(t *testing.T) {
	var elseifs strings.Builder
	elseifs.WriteString("if x == 0 then y = 0\n")
	for i := 0; i < 300; i++ {
		elseifs.WriteString("elseif x == 1 then y = 1\n")
	}
	elseifs.WriteString("else y = 2 end\n")
	run(t, Lua, []tcase{
		{"empty", "", 0, ""},
		{"ordinary", "local function f(a, b)\n  if a then return {a, b = b} end\n  for i = 1, 10 do a = a + i end\n  return -a\nend\nreturn f(1, 2)\n", 0, ""},
		{"300 elseif", elseifs.String(), 256, ""},
		{"5000-term sum", "x = a" + rep(" + b", 5000), 256, ""},
		{"200 nested tables", rep("{", 200) + rep("}", 200), 256, ""},
		{"256 parens", "x = " + rep("(", 256) + "1" + rep(")", 256), 256, ""},
		{"257 parens", "x = " + rep("(", 257) + "1" + rep(")", 257), 256, "1:261"},
		{"brackets in strings", `x = "((((((" .. '[[[[[[' .. [==[ {{{{{{ ]] ]==]`, 3, ""},
		{"brackets in comments", "-- ((((((\n--[[ {{{{{{{\n]] --[=[ [[[[[ ]=] x = 1", 3, ""},
		{"blocks", rep("do ", 10) + rep("end ", 10), 5, "1:16"},
		{"blocks ok", rep("do ", 5) + rep("end ", 5) + rep("do ", 5) + rep("end ", 5), 5, ""},
		{"functions", rep("function f() ", 10) + rep("end ", 10), 5, "1:63"},
		{"if then", rep("if x then ", 10) + rep("end ", 10), 5, "1:56"},
		{"while and repeat", "while x do repeat repeat y() until a until b end", 3, "1:27"},
		{"not run", "x = " + rep("not ", 10) + "y", 5, "1:25"},
		{"minus run", "x = " + rep("- ", 10) + "y", 5, "1:15"},
		{"length run", "x = " + rep("#", 10) + "y", 5, "1:10"},
		{"concat chain", "x = a" + rep(" .. a", 10), 5, "1:32"},
		{"power chain", "x = a" + rep(" ^ a", 10), 5, "1:27"},
		{"statements reset", rep("x = a .. b .. c\n", 1000) + rep("y = - - 1; ", 1000), 5, ""},
		{"string calls", `f "a" "b" {c = 1} [[d]]`, 3, ""},
		{"shebang", "#!/usr/bin/lua ((((((\nx = 1", 2, ""},
	})
}

// Hostile inputs must be refused fast, whatever their size.
func TestHostile(t *testing.T) {
	const n = 1_000_000
	cases := []struct {
		name  string
		check func(string, int) error
		src   string
	}{
		{"js (", JS, rep("(", n)},
		{"js [", JS, rep("[", n)},
		{"js {", JS, "x = " + rep("{a:", n)},
		{"js block {", JS, rep("{", n)},
		{"js !", JS, rep("!", n)},
		{"js -", JS, rep("-", n)},
		{"js a=", JS, rep("a=", n)},
		{"js x=>", JS, rep("x=>", n)},
		{"js if(1)", JS, rep("if(1)", n)},
		{"js else if", JS, "if(1);" + rep("else if(1);", n)},
		{"js ${", JS, rep("`${", n)},
		{"js ?:", JS, rep("a?b:", n)},
		{"js new", JS, rep("new ", n)},
		{"js **", JS, rep("a**", n)},
		{"js +", JS, rep("a+", n)},
		{"js .", JS, "a" + rep(".a", n)},
		{"lua not", Lua, rep("not ", n)},
		{"lua (", Lua, rep("(", n)},
		{"lua {", Lua, rep("{", n)},
		{"lua function", Lua, rep("function() return ", n)},
		{"lua do", Lua, rep("do ", n)},
		{"lua if", Lua, rep("if x then ", n)},
		{"lua elseif", Lua, "if x then " + rep("elseif x then ", n)},
		{"lua repeat", Lua, rep("repeat ", n)},
		{"lua ..", Lua, "x = " + rep("a..", n)},
		{"lua -", Lua, "x = " + rep("- ", n)},
	}
	for _, tc := range cases {
		if err := tc.check(tc.src, 256); err == nil {
			t.Errorf("%s: accepted", tc.name)
		}
	}
}

func TestDefaultDepth(t *testing.T) {
	if JS(rep("[", DefaultMaxDepth)+rep("]", DefaultMaxDepth), 0) != nil {
		t.Errorf("JS: default depth not allowed")
	}
	if JS(rep("[", DefaultMaxDepth+1), -1) == nil {
		t.Errorf("JS: default depth + 1 allowed")
	}
	if Lua(rep("{", DefaultMaxDepth+1), 0) == nil {
		t.Errorf("Lua: default depth + 1 allowed")
	}
}

func FuzzJS(f *testing.F) {
	for _, s := range []string{"", "x = (a + b) * c", "`a${b}c`", "if (a) /re/.test(b); else c", "a = b => ({c: d})", "/* x */ // y\n'\\''"} {
		f.Add(s, 8)
	}
	f.Fuzz(func(t *testing.T, src string, max int) {
		err := JS(src, max%300)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Line < 1 || e.Col < 1 {
				t.Fatalf("bad error %#v", err)
			}
		}
	})
}

func FuzzLua(f *testing.F) {
	for _, s := range []string{"", "x = (a + b) * c", "if a then b() elseif c then d() end", "--[==[ x ]==] y = [[z]]", "repeat until x", "f'a'"} {
		f.Add(s, 8)
	}
	f.Fuzz(func(t *testing.T, src string, max int) {
		err := Lua(src, max%300)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Line < 1 || e.Col < 1 {
				t.Fatalf("bad error %#v", err)
			}
		}
	})
}
