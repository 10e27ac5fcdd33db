package loc_test

import (
	"fmt"

	"github.com/scriptrun/scriptrun/loc"
)

// A position and a stack as a backend reports them, read by field and
// rendered by String.
func Example() {
	pos := loc.Pos{File: "count.lua", Line: 2}
	stack := []loc.Frame{
		{Func: "add", Pos: pos},
		{Tail: true},
		{Func: "main chunk", Pos: loc.Pos{File: "count.lua", Line: 7}},
	}
	fmt.Println(pos.Line, pos.Col == 0)
	fmt.Println(pos)
	for _, f := range stack {
		fmt.Println(f)
	}
	// Output:
	// 2 true
	// count.lua:2
	// add (count.lua:2)
	// (tail call)
	// main chunk (count.lua:7)
}

// A code frame for an error's position, for people to read.
func ExampleSnippet() {
	src := "local n = 0\nfor i = 1, 10 do\n  n = n + t.x\nend\n"
	fmt.Println(loc.Snippet(src, loc.Pos{File: "count.lua", Line: 3, Col: 12}, loc.Lua))
	// Output:
	// 3 |   n = n + t.x
	//   |            ^
}
