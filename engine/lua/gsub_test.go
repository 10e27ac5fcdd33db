package lua_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/scriptrun/scriptrun/engine"
	"github.com/scriptrun/scriptrun/limits"
)

func TestGsub(t *testing.T) {
	h := newHost(t)
	for src, want := range map[string]any{
		`return {string.gsub("hello world", "o", "0")}`:                                                       []any{"hell0 w0rld", int64(2)},
		`return {string.gsub("hello world", "(o)", "[%1%0]")}`:                                                []any{"hell[oo] w[oo]rld", int64(2)},
		`return {string.gsub("hello", "l", "%%")}`:                                                            []any{"he%%o", int64(2)},
		`return {string.gsub("hello world", "%w+", "%0 %0", 1)}`:                                              []any{"hello hello world", int64(1)},
		`return {string.gsub("$name is $age", "%$(%w+)", {name="bob", age=3})}`:                               []any{"bob is 3", int64(2)},
		`return {string.gsub("abc", "%w", function(c) if c == "b" then return nil end return c:upper() end)}`: []any{"AbC", int64(3)},
		`return {string.gsub("abc", "", "-")}`:                                                                []any{"-a-b-c-", int64(4)},
		`return {string.gsub("a=1, b=2", "(%w+)=(%w+)", "%2=%1")}`:                                            []any{"1=a, 2=b", int64(2)},
		`return {("x"):rep(3):gsub("x", "yy")}`:                                                               []any{"yyyyyy", int64(3)},
		`return {string.gsub("abc", "()b", "%1")}`:                                                            []any{"a2c", int64(1)},
	} {
		res, err := run(t, h, src, engine.RunOptions{})
		if err != nil {
			t.Errorf("%s: %v", src, err)
			continue
		}
		if diff := cmp.Diff(want, res.Value); diff != "" {
			t.Errorf("%s: %s", src, diff)
		}
	}
	for _, src := range []string{`return string.gsub("abc", "b", "%2")`, `return string.gsub("abc", "b", function() return {} end)`} {
		if _, err := run(t, h, src, engine.RunOptions{}); kindOf(err) != "runtime" {
			t.Errorf("%s: %v", src, err)
		}
	}
	// Many matches in a long subject take linear time (gopher-lua's own
	// gsub copied the whole string for each match: minutes for this one).
	// The generous budget is a ceiling, not a timing assertion.
	res, err := run(t, h, `local s = string.gsub(string.rep("x", 1000000), "x", "y") return #s`,
		engine.RunOptions{Budget: limits.Budget{Timeout: time.Minute, CPU: time.Minute}})
	if err != nil || res.Value != int64(1000000) {
		t.Errorf("1e6 matches: %v %v", res.Value, err)
	}
}
