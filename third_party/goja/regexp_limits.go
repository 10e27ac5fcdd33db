package goja

import (
	"errors"
	"fmt"
	"regexp/syntax"
	"sync/atomic"
	"time"

	"github.com/dlclark/regexp2/v2"
)

// Regular expressions with lookarounds or backreferences run on a
// backtracking engine (regexp2), where one match can take exponential time.
// Such a match is bounded by a timeout; when it fires the script is stopped
// the way Interrupt stops it (a silent "no match" would change what the
// script computes). The size and nesting of every pattern are bounded before
// it is compiled, because compiling deeply nested groups takes superlinear
// time that no timeout bounds.
const (
	// DefaultRegexpTimeout bounds one backtracking match when
	// SetRegexpTimeout was not called.
	DefaultRegexpTimeout = time.Second

	// MaxRegexpSource is the longest pattern, in bytes, that a RegExp
	// literal or constructor accepts. Compiling 70 KB of lookaheads takes
	// about 30 ms; 700 KB, about a second.
	MaxRegexpSource = 64 << 10

	// MaxRegexpNesting is the deepest group nesting a pattern may have. It
	// is the bound Go's regexp/syntax applies; compiling 1000 nested
	// lookaheads takes a few milliseconds, 10000 most of a second.
	MaxRegexpNesting = 1000
)

// RegexpTimeoutError is the value of the *InterruptedError that stops a
// script when a backtracking regular expression match ran out of time.
type RegexpTimeoutError struct {
	Pattern string
	Timeout time.Duration
}

func (e *RegexpTimeoutError) Error() string {
	p := e.Pattern
	if len(p) > 64 {
		p = p[:64] + "..."
	}
	return fmt.Sprintf("regular expression /%s/ did not finish matching within %v", p, e.Timeout)
}

// SetRegexpTimeout sets the function that gives the time one backtracking
// regular expression match may take; it is called before each match, so it
// can return what is left of a budget (0 or less: no time left). nil
// restores DefaultRegexpTimeout.
func (r *Runtime) SetRegexpTimeout(timeout func() time.Duration) {
	r.guards.regexpTimeout = timeout
}

func (r *Runtime) regexpTimeout() time.Duration {
	if f := r.guards.regexpTimeout; f != nil {
		if t := f(); t > 0 {
			return t
		}
		return time.Nanosecond
	}
	return DefaultRegexpTimeout
}

// checkRegexpSource bounds the size and group nesting of a pattern before it
// is compiled.
func checkRegexpSource(src string) error {
	if len(src) > MaxRegexpSource {
		return fmt.Errorf("Invalid regular expression: pattern of %d bytes is longer than the limit of %d", len(src), MaxRegexpSource)
	}
	depth, inClass := 0, false
	for i := 0; i < len(src); i++ {
		switch src[i] {
		case '\\':
			i++
		case '[':
			inClass = true
		case ']':
			inClass = false
		case '(':
			if !inClass {
				depth++
				if depth > MaxRegexpNesting {
					return fmt.Errorf("Invalid regular expression: groups nested deeper than %d", MaxRegexpNesting)
				}
			}
		case ')':
			if !inClass && depth > 0 {
				depth--
			}
		}
	}
	return nil
}

// matcher returns the compiled regexp to run a match with, carrying the
// runtime's timeout. The compiled regexp is shared by every clone of a
// pattern (and so across runtimes), so the timeout goes on a copy of it
// owned by this wrapper.
func (r *regexp2Wrapper) matcher() *regexp2.Regexp {
	if r.rt == nil {
		return r.rx
	}
	if r.own == nil {
		r.own = r.rt.guards.regexpCopies.get(r.rx)
	}
	r.own.MatchTimeout = r.rt.regexpTimeout()
	return r.own
}

// regexpCopies holds a runtime's copies of compiled regexps, so that a
// pattern evaluated in a loop is not copied every time. It stops growing at
// maxRegexpCopies (new RegExp in a loop compiles a new regexp each time).
type regexpCopies map[*regexp2.Regexp]*regexp2.Regexp

const maxRegexpCopies = 256

func (c *regexpCopies) get(rx *regexp2.Regexp) *regexp2.Regexp {
	if cp, ok := (*c)[rx]; ok {
		return cp
	}
	cp := new(regexp2.Regexp)
	*cp = *rx
	if len(*c) < maxRegexpCopies {
		if *c == nil {
			*c = make(regexpCopies)
		}
		(*c)[rx] = cp
	}
	return cp
}

// failed turns an error of a regexp2 match into what the script sees: a
// RangeError when the backtracking stack limit was reached (like V8's
// stack overflow inside a regexp), otherwise (a timeout) an uncatchable
// stop. It does not return.
func (r *regexp2Wrapper) failed(err error) {
	rt := r.rt
	if rt == nil {
		panic(err)
	}
	if errors.Is(err, regexp2.ErrBacktrackingStackLimit) {
		panic(rt.newError(rt.getRangeError(), "Maximum backtracking stack size exceeded in regular expression"))
	}
	vm := rt.vm
	if atomic.LoadUint32(&vm.interrupted) != 0 {
		// The runtime was interrupted while the match ran: stop with
		// the interrupt's own value, as the vm loop would.
		vm.interruptLock.Lock()
		v := vm.interruptVal
		vm.interruptLock.Unlock()
		ex := &InterruptedError{iface: v}
		ex.stack = vm.captureStack(nil, 0)
		panic(ex)
	}
	rt.meterFailed(&RegexpTimeoutError{Pattern: r.rx.String(), Timeout: r.own.MatchTimeout})
}

func (r *regexp2Wrapper) find(runes []rune, start int) *regexp2.Match {
	m, err := r.matcher().FindRunesMatchStartingAt(runes, start)
	if err != nil {
		r.failed(err)
	}
	return m
}

func (r *regexp2Wrapper) next(m *regexp2.Match) *regexp2.Match {
	m, err := r.matcher().FindNextMatch(m)
	if err != nil {
		r.failed(err)
	}
	return m
}

// rx2 returns the pattern's backtracking matcher, bound to the runtime rt.
func (p *regexpPattern) rx2(rt *Runtime) *regexp2Wrapper {
	w := p.regexp2Wrapper
	w.rt = rt
	return w
}

// RE2 (Go's regexp) compiles a counted repeat x{n} into n copies of x, so
// a short pattern can become a program of millions of instructions:
// "a{1000}" repeated 3000 times (21 KB) took 2.2 s and allocated 735 MB
// in one call. A pattern whose program would be larger than
// maxRE2Program instructions goes to regexp2, which keeps counted repeats
// as counters (goja already does the same for a repeat count over RE2's
// 1000). The compiled pattern is charged to the memory meter when a script
// compiles it (new RegExp, RegExp.prototype.compile): re2InstCharge bytes an
// instruction, regexp2ByteCharge bytes a byte of pattern.
const (
	// maxRE2Program: 64 Ki instructions compile in about 15 ms into 16 MB.
	maxRE2Program = 1 << 16

	// re2InstCharge: measured 250 bytes allocated an instruction.
	re2InstCharge = 256

	// regexp2ByteCharge: measured 85 bytes allocated a byte of pattern.
	regexp2ByteCharge = 128
)

// re2ProgramSize estimates the number of instructions RE2 compiles the
// pattern into (counted repeats expanded), and whether that is within
// maxRE2Program. A pattern RE2 cannot parse counts as small: RE2's own
// compile reports the error.
func re2ProgramSize(src string) (int64, bool) {
	re, err := syntax.Parse(src, syntax.Perl)
	if err != nil {
		return 0, true
	}
	n := re2Size(re)
	return n, n <= maxRE2Program
}

func re2Size(re *syntax.Regexp) int64 {
	var n int64
	switch re.Op {
	case syntax.OpLiteral:
		return int64(len(re.Rune)) + 1
	case syntax.OpRepeat:
		count := re.Max
		if count < 0 {
			count = re.Min + 1
		}
		sub := re2Size(re.Sub[0])
		if sub > 0 && int64(count) > (maxRE2Program+1)/sub {
			return maxRE2Program + 1
		}
		return int64(count)*sub + 1
	}
	n = 1
	for _, sub := range re.Sub {
		if n += re2Size(sub); n > maxRE2Program {
			return maxRE2Program + 1
		}
	}
	return n
}
