// Package srccheck pre-scans Lua source for nesting that would make
// gopher-lua's parser and compiler recurse too deep. They recurse on the Go
// stack: about a million nested brackets overflow it, which kills the whole
// process (a fatal error, not a panic), and 1e5 nested blocks take seconds
// to compile. engine/lua calls Lua before parsing and turns an *Error into a
// compile error. (JavaScript needs no pre-scan: the patched goja's parser
// bounds its own nesting, parser.WithMaxDepth.)
//
// # What it does
//
// Each check is one linear pass over the source with a stack of at most
// maxDepth frames; it never recurses. It skips strings, comments and long
// strings and comments ([==[ ... ]==]).
//
// The estimate it keeps is meant to be at least the parser's real nesting
// on code a parser accepts. A level is:
//
//   - a bracket: ( [ {;
//   - a block: function, do, then, repeat, until end or until;
//   - a prefix operator in a run: not unary - # ~; the run ends at the
//     operand;
//   - a right-associative operator: .. and ^, counted until the expression
//     ends.
//
// Two cheap kinds of nesting count for less, so that ordinary code passes:
// an elseif is an eighth of a level, and a left-associative binary
// operator, member access, index or call in a chain is a 64th of a level
// (they build trees the compiler walks recursively, so a million of them
// must still be refused).
//
// # Limits of the heuristic
//
// The scan is not a parser. Code that is already a syntax error can make it
// skip or count the wrong text; process isolation is the backstop.
package srccheck
