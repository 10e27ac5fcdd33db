package lua

import (
	"fmt"
	"strings"

	"github.com/scriptrun/scriptrun/third_party/gopher-lua/pm"
)

const emptyLString LString = LString("")

func OpenString(L *LState) int {
	var mod *LTable
	//_, ok := L.G.builtinMts[int(LTString)]
	//if !ok {
	mod = L.RegisterModule(StringLibName, strFuncs).(*LTable)
	gmatch := L.NewClosure(strGmatch, L.NewFunction(strGmatchIter))
	mod.RawSetString("gmatch", gmatch)
	mod.RawSetString("gfind", gmatch)
	mod.RawSetString("__index", mod)
	L.G.builtinMts[int(LTString)] = mod
	//}
	L.Push(mod)
	return 1
}

var strFuncs = map[string]LGFunction{
	"byte":    strByte,
	"char":    strChar,
	"dump":    strDump,
	"find":    strFind,
	"format":  strFormat,
	"gsub":    strGsub,
	"len":     strLen,
	"lower":   strLower,
	"match":   strMatch,
	"rep":     strRep,
	"reverse": strReverse,
	"sub":     strSub,
	"upper":   strUpper,
}

func strByte(L *LState) int {
	str := L.CheckString(1)
	start := L.OptInt(2, 1) - 1
	end := L.OptInt(3, -1)
	l := len(str)
	if start < 0 {
		start = l + start + 1
	}
	if end < 0 {
		end = l + end + 1
	}

	if L.GetTop() == 2 {
		if start < 0 || start >= l {
			return 0
		}
		L.Push(LNumber(str[start]))
		return 1
	}

	start = intMax(start, 0)
	end = intMin(end, l)
	if end < 0 || end <= start || start >= l {
		return 0
	}

	L.checkResults(end-start, "string slice too long")
	for i := start; i < end; i++ {
		L.Push(LNumber(str[i]))
	}
	return end - start
}

func strChar(L *LState) int {
	top := L.GetTop()
	L.ChargeString(top)
	bytes := make([]byte, L.GetTop())
	for i := 1; i <= top; i++ {
		bytes[i-1] = uint8(L.CheckInt(i))
	}
	L.Push(LString(string(bytes)))
	return 1
}

func strDump(L *LState) int {
	L.RaiseError("GopherLua does not support the string.dump")
	return 0
}

func strFind(L *LState) int {
	str := L.CheckString(1)
	pattern := L.CheckString(2)
	if len(pattern) == 0 {
		L.Push(LNumber(1))
		L.Push(LNumber(0))
		return 2
	}
	init := luaIndex2StringIndex(str, L.OptInt(3, 1), true)
	plain := false
	if L.GetTop() == 4 {
		plain = LVAsBool(L.Get(4))
	}

	if plain {
		pos := strings.Index(str[init:], pattern)
		if pos < 0 {
			L.Push(LNil)
			return 1
		}
		L.Push(LNumber(init+pos) + 1)
		L.Push(LNumber(init + pos + len(pattern)))
		return 2
	}

	mds := findPattern(L, pattern, str, init, 1)
	if len(mds) == 0 {
		L.Push(LNil)
		return 1
	}
	md := mds[0]
	L.Push(LNumber(md.Capture(0) + 1))
	L.Push(LNumber(md.Capture(1)))
	for i := 2; i < md.CaptureLength(); i += 2 {
		if md.IsPosCapture(i) {
			L.Push(LNumber(md.Capture(i)))
		} else {
			L.Push(LString(str[md.Capture(i):md.Capture(i+1)]))
		}
	}
	return md.CaptureLength()/2 + 1
}

func strFormat(L *LState) int {
	str := L.CheckString(1)
	args := make([]interface{}, L.GetTop()-1)
	top := L.GetTop()
	for i := 2; i <= top; i++ {
		args[i-2] = L.Get(i)
	}
	npat := strings.Count(str, "%") - strings.Count(str, "%%")
	res := fmt.Sprintf(str, args[:intMin(npat, len(args))]...)
	L.ChargeString(len(res))
	L.Push(LString(res))
	return 1
}

func strGsub(L *LState) int {
	str := L.CheckString(1)
	pat := L.CheckString(2)
	L.CheckTypes(3, LTString, LTTable, LTFunction)
	repl := L.CheckAny(3)
	limit := L.OptInt(4, -1)

	// One match at a time, the result built in one pass and charged as it
	// grows: collecting every match first and splicing each into a copy of
	// the whole string took memory per match and time quadratic in the
	// subject.
	pt := compilePattern(L, pat)
	src := unsafeFastStringToReadOnlyBytes(str)
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
		match := mds[0]
		start, end := match.Capture(0), match.Capture(1)
		n++
		rep, ok := gsubReplacement(L, str, repl, match)
		if !ok {
			rep = str[start:end]
		}
		if b.Len()+start-last+len(rep) > MaxStringLen {
			L.RaiseError("string length overflow")
		}
		L.ChargeString(start - last + len(rep))
		b.WriteString(str[last:start])
		b.WriteString(rep)
		last = end
		sp = start + 1
		if sp < end {
			sp = end
		}
		if pt.MustHead() {
			break
		}
	}
	if n == 0 {
		L.SetTop(1)
		L.Push(LNumber(0))
		return 2
	}
	L.ChargeString(len(str) - last)
	b.WriteString(str[last:])
	L.Push(LString(b.String()))
	L.Push(LNumber(n))
	return 2
}

// compilePattern compiles a pattern or raises its error.
func compilePattern(L *LState, pat string) *pm.Pattern {
	pt, err := pm.Compile(pat)
	if err != nil {
		L.RaiseError("%s", err.Error())
	}
	return pt
}

// findPattern finds up to limit matches, its steps charged to L.
func findPattern(L *LState, pat, str string, offset, limit int) []*pm.MatchData {
	mds, err := compilePattern(L, pat).Find(unsafeFastStringToReadOnlyBytes(str), offset, limit, L.ChargeSteps)
	if err != nil {
		L.RaiseError("%s", err.Error())
	}
	return mds
}

// gsubReplacement returns the replacement of one match; ok is false when
// the match is kept (a table or function gave nil or false).
func gsubReplacement(L *LState, str string, repl LValue, match *pm.MatchData) (string, bool) {
	var info []replaceInfo
	switch lv := repl.(type) {
	case LString:
		info = strGsubStrInfo(L, str, string(lv), match)
	case *LTable:
		info = strGsubTableInfo(L, str, lv, match)
	case *LFunction:
		info = strGsubFuncInfo(L, str, lv, match)
	}
	if len(info) == 0 {
		return "", false
	}
	return info[0].String, true
}

type replaceInfo struct {
	Indicies []int
	String   string
}

func checkCaptureIndex(L *LState, m *pm.MatchData, idx int) {
	if idx <= 2 {
		return
	}
	if idx >= m.CaptureLength() {
		L.RaiseError("invalid capture index")
	}
}

func capturedString(L *LState, m *pm.MatchData, str string, idx int) string {
	checkCaptureIndex(L, m, idx)
	if idx >= m.CaptureLength() && idx == 2 {
		idx = 0
	}
	if m.IsPosCapture(idx) {
		return fmt.Sprint(m.Capture(idx))
	} else {
		return str[m.Capture(idx):m.Capture(idx+1)]
	}

}

func strGsubStrInfo(L *LState, str string, repl string, match *pm.MatchData) []replaceInfo {
	var infoList []replaceInfo
	{
		start, end := match.Capture(0), match.Capture(1)
		sc := newFlagScanner('%', "", "", repl)
		for c, eos := sc.Next(); !eos; c, eos = sc.Next() {
			if !sc.ChangeFlag {
				if sc.HasFlag {
					if c >= '0' && c <= '9' {
						sc.AppendString(capturedString(L, match, str, 2*(int(c)-48)))
					} else {
						sc.AppendChar('%')
						sc.AppendChar(c)
					}
					sc.HasFlag = false
				} else {
					sc.AppendChar(c)
				}
			}
		}
		infoList = append(infoList, replaceInfo{[]int{start, end}, sc.String()})
	}
	return infoList
}

func strGsubTableInfo(L *LState, str string, repl *LTable, match *pm.MatchData) []replaceInfo {
	var infoList []replaceInfo
	{
		idx := 0
		if match.CaptureLength() > 2 { // has captures
			idx = 2
		}
		var value LValue
		if match.IsPosCapture(idx) {
			value = L.GetTable(repl, LNumber(match.Capture(idx)))
		} else {
			value = L.GetField(repl, str[match.Capture(idx):match.Capture(idx+1)])
		}
		if !LVIsFalse(value) {
			infoList = append(infoList, replaceInfo{[]int{match.Capture(0), match.Capture(1)}, LVAsString(value)})
		}
	}
	return infoList
}

func strGsubFuncInfo(L *LState, str string, repl *LFunction, match *pm.MatchData) []replaceInfo {
	var infoList []replaceInfo
	{
		start, end := match.Capture(0), match.Capture(1)
		L.Push(repl)
		nargs := 0
		if match.CaptureLength() > 2 { // has captures
			for i := 2; i < match.CaptureLength(); i += 2 {
				if match.IsPosCapture(i) {
					L.Push(LNumber(match.Capture(i)))
				} else {
					L.Push(LString(capturedString(L, match, str, i)))
				}
				nargs++
			}
		} else {
			L.Push(LString(capturedString(L, match, str, 0)))
			nargs++
		}
		L.Call(nargs, 1)
		ret := L.reg.Pop()
		if !LVIsFalse(ret) {
			infoList = append(infoList, replaceInfo{[]int{start, end}, LVAsString(ret)})
		}
	}
	return infoList
}

type strMatchData struct {
	str  string
	pt   *pm.Pattern
	pos  int // where the next search starts; past the end when done
	done bool
}

// strGmatchIter finds the next match only when asked, so a loop that stops
// early does not pay for (or hold) every match of a long subject.
func strGmatchIter(L *LState) int {
	md := L.CheckUserData(1).Value.(*strMatchData)
	str := md.str
	if md.done || md.pos > len(str) {
		return 0
	}
	mds, err := md.pt.Find(unsafeFastStringToReadOnlyBytes(str), md.pos, 1, L.ChargeSteps)
	if err != nil {
		L.RaiseError("%s", err.Error())
	}
	if len(mds) == 0 {
		md.done = true
		return 0
	}
	match := mds[0]
	md.pos = match.Capture(0) + 1
	if md.pos < match.Capture(1) {
		md.pos = match.Capture(1)
	}
	if md.pt.MustHead() {
		md.done = true
	}
	if match.CaptureLength() == 2 {
		L.Push(LString(str[match.Capture(0):match.Capture(1)]))
		return 1
	}

	for i := 2; i < match.CaptureLength(); i += 2 {
		if match.IsPosCapture(i) {
			L.Push(LNumber(match.Capture(i)))
		} else {
			L.Push(LString(str[match.Capture(i):match.Capture(i+1)]))
		}
	}
	return match.CaptureLength()/2 - 1
}

func strGmatch(L *LState) int {
	str := L.CheckString(1)
	pattern := L.CheckString(2)
	pt := compilePattern(L, pattern)
	L.Push(L.Get(UpvalueIndex(1)))
	ud := L.NewUserData()
	ud.Value = &strMatchData{str: str, pt: pt}
	L.Push(ud)
	return 2
}

func strLen(L *LState) int {
	str := L.CheckString(1)
	L.Push(LNumber(len(str)))
	return 1
}

func strLower(L *LState) int {
	str := L.CheckString(1)
	L.ChargeString(len(str))
	L.Push(LString(strings.ToLower(str)))
	return 1
}

func strMatch(L *LState) int {
	str := L.CheckString(1)
	pattern := L.CheckString(2)
	offset := L.OptInt(3, 1)
	l := len(str)
	if offset < 0 {
		offset = l + offset + 1
	}
	offset--
	if offset < 0 {
		offset = 0
	}

	mds := findPattern(L, pattern, str, offset, 1)
	if len(mds) == 0 {
		L.Push(LNil)
		return 0
	}
	md := mds[0]
	nsubs := md.CaptureLength() / 2
	switch nsubs {
	case 1:
		L.Push(LString(str[md.Capture(0):md.Capture(1)]))
		return 1
	default:
		for i := 2; i < md.CaptureLength(); i += 2 {
			if md.IsPosCapture(i) {
				L.Push(LNumber(md.Capture(i)))
			} else {
				L.Push(LString(str[md.Capture(i):md.Capture(i+1)]))
			}
		}
		return nsubs - 1
	}
}

func strRep(L *LState) int {
	str := L.CheckString(1)
	n := L.CheckInt(2)
	if n <= 0 || len(str) == 0 {
		L.Push(emptyLString)
	} else {
		size := len(str) * n
		if size/n != len(str) {
			size = -1 // overflow
		}
		L.ChargeString(size)
		L.Push(LString(strings.Repeat(str, n)))
	}
	return 1
}

func strReverse(L *LState) int {
	str := L.CheckString(1)
	L.ChargeString(len(str))
	bts := []byte(str)
	out := make([]byte, len(bts))
	for i, j := 0, len(bts)-1; j >= 0; i, j = i+1, j-1 {
		out[i] = bts[j]
	}
	L.Push(LString(string(out)))
	return 1
}

func strSub(L *LState) int {
	str := L.CheckString(1)
	start := luaIndex2StringIndex(str, L.CheckInt(2), true)
	end := luaIndex2StringIndex(str, L.OptInt(3, -1), false)
	l := len(str)
	if start >= l || end < start {
		L.Push(emptyLString)
	} else {
		L.Push(LString(str[start:end]))
	}
	return 1
}

func strUpper(L *LState) int {
	str := L.CheckString(1)
	L.ChargeString(len(str))
	L.Push(LString(strings.ToUpper(str)))
	return 1
}

func luaIndex2StringIndex(str string, i int, start bool) int {
	if start && i != 0 {
		i -= 1
	}
	l := len(str)
	if i < 0 {
		i = l + i + 1
	}
	i = intMax(0, i)
	if !start && i > l {
		i = l
	}
	return i
}

//
