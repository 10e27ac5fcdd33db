package parser

// Nesting depth.
//
// The parser is recursive descent, and the compiler walks the tree it
// builds recursively, so source nested deeply enough (a million "[" or "(",
// "a=>a=>...", "-+-+...", "{{{...", "a?a?...:a:a") overflows the goroutine
// stack, a fatal error that no recover() catches. The parser counts how
// deeply it is nested in the places every nesting goes through (assignment
// expressions, statements, unary operators, "new", "**", class heritage)
// and stops with a syntax error above a limit.

// DefaultMaxDepth is the nesting depth allowed when WithMaxDepth is not
// given. One level costs a few KiB of goroutine stack between the parser
// and the compiler; hand-written code nests a few tens of levels deep.
const DefaultMaxDepth = 1000

// WithMaxDepth sets how deeply source may nest (see DefaultMaxDepth); 0 means
// the default, a negative value means no limit.
func WithMaxDepth(n int) Option {
	return func(opts *options) {
		opts.maxDepth = n
	}
}

// errTooDeep ends a parse that nested too deeply; parse recovers it.
type errTooDeep struct{}

func (self *_parser) maxDepth() int {
	switch n := self.opts.maxDepth; {
	case n == 0:
		return DefaultMaxDepth
	case n < 0:
		return int(^uint(0) >> 1)
	default:
		return n
	}
}

// enter counts one level of nesting; every call is paired with a leave (not
// deferred: above the limit enter records a syntax error and abandons the
// whole parse).
func (self *_parser) enter() {
	self.depth++
	if self.depth > self.maxDepth() {
		self.error(self.idx, "Nesting too deep (more than %d levels)", self.maxDepth())
		panic(errTooDeep{})
	}
}

func (self *_parser) leave() {
	self.depth--
}
