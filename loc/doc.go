// Package loc holds positions in scripts and policy files (Pos) and the
// frames of a script's stack trace (Frame), and renders both: String is the
// one place a position or a frame becomes text, for error messages, the
// CLI's JSON and the audit log alike. Nothing parses that text back;
// whoever needs a line or a column reads the field.
//
// loc imports no other package of the project, so that engine, policy and
// the worker protocol (engine/internal/wire) share the same values.
//
//	loc.Pos{File: "count.js", Line: 2, Col: 20}          count.js:2:20
//	loc.Pos{File: "count.lua", Line: 2}                  count.lua:2     (Lua runtime errors have no column)
//	loc.Pos{File: "count.lua"}                           count.lua       (the script, no line known)
//	loc.Frame{Func: "f", Pos: ...}                       f (count.js:2:20)
//	loc.Frame{Tail: true}                                (tail call)
//	loc.Frame{Omitted: 7}                                ... 7 more frames
//
// Snippet renders a position as a code frame for people: the source line
// with its number and a caret under the column, with what a terminal would
// act on escaped (the source is untrusted). The Syntax argument (JS, Lua,
// YAML) says how the language counts lines and columns:
//
//	3 |   n = n + t.x
//	  |            ^
package loc
