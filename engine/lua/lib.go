package lua

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	glua "github.com/scriptrun/scriptrun/third_party/gopher-lua"
	"github.com/scriptrun/scriptrun/third_party/gopher-lua/pm"

	"github.com/scriptrun/scriptrun/loc"
)

// tostring is base tostring with stable names for reference values:
// "table: 0x00000001" numbered per run in order of first use, instead of a
// Go address (which would differ from run to run and reveal memory layout).
func (v *vm) tostring(L *glua.LState) int {
	s := v.str(L, L.CheckAny(1))
	L.ChargeString(len(s))
	L.Push(glua.LString(s))
	return 1
}

// str converts lv as tostring does, calling __tostring when there is one.
func (v *vm) str(L *glua.LState, lv glua.LValue) string {
	if mt := L.GetMetaField(lv, "__tostring"); mt != glua.LNil {
		if err := L.CallByParam(glua.P{Fn: mt, NRet: 1, Protect: false}, lv); err != nil {
			L.RaiseError("%s", err.Error())
		}
		res := L.Get(-1)
		L.Pop(1)
		s, ok := res.(glua.LString)
		if !ok {
			if n, isNum := res.(glua.LNumber); isNum {
				return n.String()
			}
			L.RaiseError("'__tostring' must return a string")
		}
		return string(s)
	}
	switch x := lv.(type) {
	case glua.LString:
		return string(x)
	case glua.LNumber, glua.LBool, *glua.LNilType:
		return x.String()
	}
	r := v.r
	id, ok := r.ids[lv]
	if !ok {
		id = len(r.ids) + 1
		r.ids[lv] = id
	}
	name := lv.Type().String()
	if f, ok := lv.(*glua.LFunction); ok && f.IsG {
		name = "function: builtin"
	}
	return fmt.Sprintf("%s: 0x%08x", name, id)
}

// concat is table.concat with Lua 5.1's rules (every value in the range
// must be a string or a number; gopher-lua's stops at the table's length),
// its steps and memory charged as it goes.
func (v *vm) concat(L *glua.LState) int {
	t := L.CheckTable(1)
	sep := L.OptString(2, "")
	i := L.OptInt(3, 1)
	j := L.OptInt(4, t.Len())
	if i > j {
		L.Push(glua.LString(""))
		return 1
	}
	// First the size (charging a step per element), then one charge and
	// one allocation: a result over the memory budget stops before any
	// copying.
	parts := make([]string, 0, min(j-i+1, 1<<16))
	size := 0
	for k := i; ; k++ {
		var s string
		switch x := t.RawGetInt(k).(type) {
		case glua.LString:
			s = string(x)
		case glua.LNumber:
			s = x.String()
		default:
			L.RaiseError("invalid value (at index %d) in table for 'concat'", k)
		}
		L.ChargeSteps(1)
		size += len(s)
		if k > i {
			size += len(sep)
		}
		if size > glua.MaxStringLen {
			L.ChargeString(size) // the memory limit when the budget is smaller
		}
		parts = append(parts, s)
		if k == j {
			break // j may be math.MaxInt
		}
	}
	L.ChargeString(size)
	L.Push(glua.LString(strings.Join(parts, sep)))
	return 1
}

// random is math.random on the run's seeded generator.
func (v *vm) random(L *glua.LState) int {
	r := v.r
	switch L.GetTop() {
	case 0:
		L.Push(glua.LNumber(r.rng.Float64()))
	case 1:
		m := L.CheckInt64(1)
		if m < 1 {
			L.ArgError(1, "interval is empty")
		}
		L.Push(glua.LNumber(r.rng.Int64N(m) + 1))
	default:
		lo, hi := L.CheckInt64(1), L.CheckInt64(2)
		if lo > hi {
			L.ArgError(2, "interval is empty")
		}
		// hi-lo+1 can exceed int64 (math.random(-2^62, 2^62)); in uint64
		// it wraps to 0 only for the full range.
		span := uint64(hi) - uint64(lo) + 1
		if span == 0 {
			L.Push(glua.LNumber(int64(r.rng.Uint64())))
		} else {
			L.Push(glua.LNumber(lo + int64(r.rng.Uint64N(span))))
		}
	}
	return 1
}

// randomseed reseeds the run's generator from its argument (never from the
// clock), so runs stay reproducible.
func (v *vm) randomseed(L *glua.LState) int {
	r := v.r
	r.rng = newRand(uint64(L.CheckInt64(1)))
	return 0
}

// coCreate is coroutine.create with the run's live coroutines capped:
// each is a whole gopher-lua thread with its own stacks.
func (v *vm) coCreate(L *glua.LState) int {
	r := v.r
	L.CheckFunction(1)
	if len(r.coros) >= maxCoroutines {
		L.RaiseError("too many live coroutines (limit %d)", maxCoroutines)
	}
	n := v.origCreate(L)
	th, ok := L.Get(-1).(*glua.LState)
	if !ok {
		L.RaiseError("cannot create a coroutine")
	}
	r.coros[th] = true
	return n
}

// coResume is coroutine.resume; a coroutine that ended no longer counts
// against the cap.
func (v *vm) coResume(L *glua.LState) int {
	th := L.CheckThread(1)
	n := v.origResume(L)
	if th.Dead {
		delete(v.r.coros, th)
	}
	return n
}

// coFailed runs when an error ends a coroutine, before its frames unwind
// (the patched gopher-lua's OnThreadError, patch 0019): it keeps the
// script frames the coroutine had with the error value, so that the
// value, raised again in the resuming thread (coroutine.wrap does; a
// script may with error(e, 0)) and not caught, ends the run at the
// coroutine's position with its frames on top of the resumer's.
func (r *run) coFailed(co *glua.LState, err glua.LValue) {
	pos, stack := r.scriptStack(co)
	for i := range stack {
		if stack[i].Func == "main chunk" { // a coroutine's body, named as if it had no caller
			stack[i].Func = "coroutine"
		}
	}
	r.coErr = coError{val: err, pos: pos, stack: stack}
}

// coError is where the last coroutine that failed was: its error value
// and script frames.
type coError struct {
	val   glua.LValue
	pos   loc.Pos
	stack []loc.Frame
}

// coWrap is coroutine.wrap on top of coCreate and coResume.
func (v *vm) coWrap(L *glua.LState) int {
	v.coCreate(L)
	th := L.Get(-1)
	L.Pop(1)
	L.Push(L.NewClosure(v.wrapAux, th))
	return 1
}

func (v *vm) wrapAux(L *glua.LState) int {
	L.Insert(L.Get(glua.UpvalueIndex(1)), 1)
	n := v.coResume(L)
	first := L.GetTop() - n + 1
	if n == 0 {
		return 0
	}
	if !glua.LVAsBool(L.Get(first)) {
		var e glua.LValue = glua.LNil
		if n > 1 {
			e = L.Get(first + 1)
		}
		L.Error(e, 0)
	}
	L.Remove(first)
	return n - 1
}

// format is string.format with Lua 5.1's conversions only (d i u c o x X e
// E f g G q s %), widths and precisions below 100, and bytes (not runes)
// for %s: no verb shows Go types or addresses.
func (v *vm) format(L *glua.LState) int {
	f := L.CheckString(1)
	arg := 1
	var b strings.Builder
	for i := 0; i < len(f); i++ {
		ch := f[i]
		if ch != '%' {
			b.WriteByte(ch)
			continue
		}
		i++
		if i >= len(f) {
			L.RaiseError("invalid option '%%' to 'format'")
		}
		if f[i] == '%' {
			b.WriteByte('%')
			continue
		}
		start := i
		for i < len(f) && strings.IndexByte("-+ #0", f[i]) >= 0 {
			i++
		}
		if i-start > 5 {
			L.RaiseError("invalid format (repeated flags)")
		}
		flags := f[start:i]
		wstart := i
		for i < len(f) && f[i] >= '0' && f[i] <= '9' {
			i++
		}
		if i-wstart > 2 {
			L.RaiseError("invalid format (width or precision too long)")
		}
		width := f[wstart:i]
		prec, hasPrec := "", false
		if i < len(f) && f[i] == '.' {
			i++
			pstart := i
			for i < len(f) && f[i] >= '0' && f[i] <= '9' {
				i++
			}
			if i-pstart > 2 {
				L.RaiseError("invalid format (width or precision too long)")
			}
			prec, hasPrec = f[pstart:i], true
		}
		if i >= len(f) {
			L.RaiseError("invalid option '%%' to 'format'")
		}
		conv := f[i]
		arg++
		spec := "%" + flags + width
		if hasPrec {
			spec += "." + prec
		}
		switch conv {
		case 'd', 'i':
			b.WriteString(fmt.Sprintf(spec+"d", int64(L.CheckNumber(arg))))
		case 'u':
			b.WriteString(fmt.Sprintf(spec+"d", uint64(int64(L.CheckNumber(arg)))))
		case 'c':
			b.WriteByte(byte(int64(L.CheckNumber(arg))))
		case 'o', 'x', 'X':
			b.WriteString(fmt.Sprintf(spec+string(conv), uint64(int64(L.CheckNumber(arg)))))
		case 'e', 'E', 'f', 'g', 'G':
			if !hasPrec {
				spec += ".6"
			}
			n := float64(L.CheckNumber(arg))
			if math.IsInf(n, 0) || math.IsNaN(n) {
				s := "inf"
				switch {
				case math.IsNaN(n):
					s = "nan"
				case n < 0:
					s = "-inf"
				}
				b.WriteString(pad(s, flags, width))
				continue
			}
			b.WriteString(fmt.Sprintf(spec+string(conv), n))
		case 'q':
			quote(&b, L.CheckString(arg))
		case 's':
			L.CheckAny(arg)
			s := v.str(L, L.Get(arg))
			if hasPrec {
				p, _ := strconv.Atoi(prec)
				if len(s) > p {
					s = s[:p]
				}
			}
			b.WriteString(pad(s, flags, width))
		default:
			L.RaiseError("invalid option '%%%c' to 'format'", conv)
		}
		if b.Len() > glua.MaxStringLen {
			L.RaiseError("string length overflow")
		}
	}
	L.ChargeString(b.Len())
	L.Push(glua.LString(b.String()))
	return 1
}

// pad pads s with spaces to width bytes, on the left unless flags has '-'.
func pad(s, flags, width string) string {
	w, _ := strconv.Atoi(width)
	if len(s) >= w {
		return s
	}
	fill := strings.Repeat(" ", w-len(s))
	if strings.IndexByte(flags, '-') >= 0 {
		return s + fill
	}
	return fill + s
}

// quote writes s as %q does in Lua 5.1.
func quote(b *strings.Builder, s string) {
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '"', '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case '\n':
			b.WriteString("\\\n")
		case '\r':
			b.WriteString("\\r")
		case 0:
			b.WriteString("\\000")
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
}

// gsub is string.gsub with Lua 5.1's replacement rules (gopher-lua keeps
// "%x" for a non-digit x where Lua gives "x"), on the patched matcher: one
// match at a time, steps and memory charged as the result grows.
func (v *vm) gsub(L *glua.LState) int {
	str := L.CheckString(1)
	pat := L.CheckString(2)
	L.CheckTypes(3, glua.LTString, glua.LTTable, glua.LTFunction)
	repl := L.CheckAny(3)
	limit := L.OptInt(4, -1)
	pt, err := pm.Compile(pat)
	if err != nil {
		L.RaiseError("%s", err.Error())
	}
	src := []byte(str)
	var b strings.Builder
	n, last := 0, 0
	for sp := 0; sp <= len(src) && (limit < 0 || n < limit); {
		mds, err := pt.Find(src, sp, 1, L.ChargeSteps)
		if err != nil {
			L.RaiseError("%s", err.Error())
		}
		if len(mds) == 0 {
			break
		}
		m := mds[0]
		start, end := m.Capture(0), m.Capture(1)
		n++
		rep, ok := v.gsubRepl(L, str, repl, m)
		if !ok {
			rep = str[start:end]
		}
		if b.Len()+start-last+len(rep) > glua.MaxStringLen {
			L.RaiseError("string length overflow")
		}
		L.ChargeString(start - last + len(rep))
		b.WriteString(str[last:start])
		b.WriteString(rep)
		last = end
		sp = max(start+1, end)
		if pt.MustHead() {
			break
		}
	}
	L.ChargeString(len(str) - last)
	b.WriteString(str[last:])
	L.Push(glua.LString(b.String()))
	L.Push(glua.LNumber(n))
	return 2
}

// gsubCapture returns capture d (0: the whole match; 1 with no captures:
// the whole match too) as Lua 5.1 does.
func gsubCapture(L *glua.LState, str string, m *pm.MatchData, d int) glua.LValue {
	idx := 2 * d
	if d == 1 && m.CaptureLength() <= 2 {
		idx = 0
	}
	if idx >= m.CaptureLength() {
		L.RaiseError("invalid capture index")
	}
	if m.IsPosCapture(idx) {
		return glua.LNumber(m.Capture(idx))
	}
	return glua.LString(str[m.Capture(idx):m.Capture(idx+1)])
}

// gsubRepl computes one replacement; ok is false when the match is kept
// (a table or function gave nil or false).
func (v *vm) gsubRepl(L *glua.LState, str string, repl glua.LValue, m *pm.MatchData) (string, bool) {
	var val glua.LValue
	switch x := repl.(type) {
	case glua.LString:
		s := string(x)
		if strings.IndexByte(s, '%') < 0 {
			return s, true
		}
		var b strings.Builder
		for i := 0; i < len(s); i++ {
			c := s[i]
			if c != '%' || i+1 == len(s) {
				b.WriteByte(c)
				continue
			}
			i++
			if d := s[i]; d >= '0' && d <= '9' {
				b.WriteString(v.str(L, gsubCapture(L, str, m, int(d-'0'))))
			} else {
				b.WriteByte(d)
			}
		}
		return b.String(), true
	case *glua.LTable:
		val = L.GetTable(x, gsubCapture(L, str, m, 1))
	case *glua.LFunction:
		L.Push(x)
		n := 1
		if m.CaptureLength() > 2 {
			n = (m.CaptureLength() - 2) / 2
		}
		for d := 1; d <= n; d++ {
			L.Push(gsubCapture(L, str, m, d))
		}
		L.Call(n, 1)
		val = L.Get(-1)
		L.Pop(1)
	}
	switch x := val.(type) {
	case glua.LString:
		return string(x), true
	case glua.LNumber:
		return x.String(), true
	}
	if !glua.LVAsBool(val) {
		return "", false
	}
	L.RaiseError("invalid replacement value (a %s)", val.Type().String())
	return "", false
}
