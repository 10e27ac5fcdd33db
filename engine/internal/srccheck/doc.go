// Package srccheck pre-scans script source for nesting that would make the
// goja or gopher-lua parsers and compilers recurse too deep. Those recurse
// on the Go stack: about a million nested brackets overflow it, which kills
// the whole process (a fatal error, not a panic), and 1e5 nested blocks
// take seconds to compile. The engine calls JS or Lua before parsing and
// turns an *Error into a compile error.
//
// # What it does
//
// Each check is one linear pass over the source with a stack of at most
// maxDepth frames; it never recurses. It skips strings, comments, template
// literal text (JS; a ${ substitution nests), regular expression literals
// (JS; a '/' after an operand is division, otherwise a regexp; after the
// ')' of an if/while/for/with head it is a regexp) and long strings and
// comments (Lua, [==[ ... ]==]).
//
// The estimate it keeps is meant to be at least the parser's real nesting
// on code a parser accepts. A level is:
//
//   - a bracket: ( [ { and, in JS, ${;
//   - in Lua, a block: function, do, then, repeat, until end or until;
//   - a prefix operator in a run: ! ~ unary + - ++ -- typeof void delete
//     await new yield (JS); not unary - # ~ (Lua); the run ends at the
//     operand;
//   - a right-associative operator: = and compound assignments, ?, =>, **
//     (JS); .. and ^ (Lua); counted until the expression ends (, ; or a
//     new statement);
//   - a statement nested without braces: if, while, for, with, do and
//     labels (JS), until the statement ends; else continues the nesting of
//     its if.
//
// Two cheap kinds of nesting count for less, so that ordinary code passes:
// an else-if (JS) or elseif (Lua) is an eighth of a level, and a
// left-associative binary operator, member access, index or call in a chain
// is a 64th of a level (they build trees the compilers walk recursively, so
// a million of them must still be refused). With the default depth, 300
// else-if branches, a 5000-term sum and 200 nested arrays all pass.
//
// # Limits of the heuristic
//
// The scan is not a parser. Code that is already a syntax error, or rare
// forms where '/' after ')' or '}' means the other thing than the scan
// assumes (for example "x = function(){} / 2"), can make it skip or count
// the wrong text. goja keeps parsing after a syntax error, so such input is
// not guaranteed to be caught; process isolation is the backstop.
package srccheck
