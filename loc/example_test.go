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
