package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

// TestErrorJSON pins the "error" member run prints, byte for byte, for
// errors with every shape of position and stack: line and column, line only
// (Lua), file only, JS frames, Lua frames, the "(tail call)" and "... N more
// frames" markers. The expected bytes are what run printed before positions
// and frames became structured values (loc.Pos, loc.Frame); TestProcessMode
// runs it again with each script in a worker, so they also cross the wire.
func TestErrorJSON(t *testing.T) {
	t.Parallel()
	frames := func(f string, n int) string { return strings.TrimSuffix(strings.Repeat(`"`+f+`",`, n), ",") }
	tests := []struct{ name, code, want string }{
		{"throw.js", "function f() {\n  throw new Error(\"boom\")\n}\nf()\n",
			`{"kind":"runtime","message":"uncaught Error: boom","pos":"throw.js:2:9","stack":["f (throw.js:2:9)","<anonymous> (throw.js:4:2)"]}`},
		{"deep.js", "function r(n) { return r(n+1) }\nr(0)\n",
			`{"kind":"limit","limit":"stackDepth","message":"call stack deeper than 1000 frames","pos":"deep.js:1:25","stack":[` +
				frames("r (deep.js:1:25)", 20) + `,"... 981 more frames"]}`},
		{"loop.js", "let i = 0\nwhile (true) { i++ }\n",
			`{"kind":"limit","limit":"steps","message":"limit exceeded: steps (100000)","pos":"loop.js:2:16","stack":["<anonymous> (loop.js:2:16)"]}`},
		{"bad.js", "let a = 1;\nlet b = ;\nreturn a\n",
			`{"kind":"compile","message":"Unexpected token ;","pos":"bad.js:2:9"}`},
		{"open.js", "return (1 +\n",
			`{"kind":"compile","message":"unexpected end of script (Unexpected token }; is a bracket, brace or string left open?)","pos":"open.js:2:1"}`},
		{"async.js", "async function f() { await null; throw new TypeError(\"late\") }\nreturn f()\n",
			`{"kind":"runtime","message":"uncaught TypeError: late","pos":"async.js:1:40","stack":["f (async.js:1:40)"]}`},
		{"output.js", "return function(){}\n",
			`{"kind":"output","message":"result: a function cannot cross to the host","pos":"output.js"}`},
		{"str.js", "\"use strict\"\nfunction g(){ return [1,2].map(x => { throw \"s\" }) }\ng()\n",
			`{"kind":"runtime","message":"uncaught s","pos":"str.js:2:39","stack":["<anonymous> (str.js:2:39)","g (str.js:2:31)","<anonymous> (str.js:3:2)"]}`},
		{"stack.lua", "local function inner()\n  error(\"x\")\nend\nlocal function outer()\n  inner()\nend\nouter()\n",
			`{"kind":"runtime","message":"x","pos":"stack.lua:2","stack":["inner (stack.lua:2)","outer (stack.lua:5)","main chunk (stack.lua:7)"]}`},
		{"tail.lua", "local function helper(x)\n  error(\"bad \" .. x)\nend\nreturn helper(1)\n",
			`{"kind":"runtime","message":"bad 1","pos":"tail.lua:2","stack":["<tail.lua:1> (tail.lua:2)","(tail call)"]}`},
		{"eof.lua", "return 1 +",
			`{"kind":"compile","message":"syntax error near '+' at the end of the script","pos":"eof.lua:1:11"}`},
		{"bin.lua", "\x1bLua",
			`{"kind":"compile","message":"binary chunks are not accepted; pass Lua source","pos":"bin.lua:1"}`},
		{"deep.lua", "local function r(n) return 1 + r(n+1) end\nreturn r(0)\n",
			`{"kind":"limit","limit":"stackDepth","message":"call stack deeper than 1000 frames","pos":"deep.lua:1","stack":[` +
				frames("r (deep.lua:1)", 20) + `]}`},
		{"nil.lua", "local t = nil\nreturn t.x\n",
			`{"kind":"runtime","message":"attempt to index a non-table object(nil) with key 'x'","pos":"nil.lua:2","stack":["main chunk (nil.lua:2)"]}`},
		{"output.lua", "return print\n",
			`{"kind":"output","message":"result: a function cannot cross to the host","pos":"output.lua"}`},
		{"brk.lua", "for i = 1, 10 do\n  break\n  x = 1\nend\n",
			`{"kind":"compile","message":"syntax error near 'x'","pos":"brk.lua:3:3"}`},
	}
	files := map[string]string{}
	for _, tt := range tests {
		files[tt.name] = tt.code
	}
	dir := write(t, files)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, stdout, stderr := cli(t, "", "run", "--steps", "100000", "--deterministic", filepath.Join(dir, tt.name))
			var out struct{ Error json.RawMessage }
			if err := json.Unmarshal([]byte(stdout), &out); err != nil {
				t.Fatalf("stdout is not JSON: %v\n%s\nstderr: %s", err, stdout, stderr)
			}
			if got := string(out.Error); got != tt.want {
				t.Errorf("error member:\n got %s\nwant %s", got, tt.want)
			}
		})
	}
}
