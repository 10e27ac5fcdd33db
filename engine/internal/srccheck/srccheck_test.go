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
	if Lua(rep("{", DefaultMaxDepth+1), 0) == nil {
		t.Errorf("Lua: default depth + 1 allowed")
	}
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
