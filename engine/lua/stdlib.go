package lua

import (
	"encoding/base64"
	"encoding/hex"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	glua "github.com/scriptrun/scriptrun/third_party/gopher-lua"

	"github.com/scriptrun/scriptrun/internal/urlx"
)

// What a Lua script gets without any capability, besides Lua's own
// library: `script`, its identity (read-only), and `std`, a small library
// of encodings and the URL parser the policy's url() uses:
//
//	std.base64.encode(s [, "url"])      -> string
//	std.base64.decode(s [, "url"])      -> string | nil, message
//	std.hex.encode(s)                   -> string (lower case)
//	std.hex.decode(s)                   -> string | nil, message
//	std.utf8.encode(cp, ...)            -> string
//	std.utf8.decode(s)                  -> {cp, ...} | nil, message
//	std.utf8.len(s)                     -> n | nil, byte position
//	std.url.parse(s)                    -> table | nil, message
//	std.url.encode_query({{k, v}, ...}) -> string
//
// Both are made with the state, in the background pool (state.go), as
// small proxies whose contents are built on first use.
// Every function charges a step per 64 bytes of input and the memory of
// its result, before the work, and checks the string limit.

// installStd adds std and script to a fresh state: two small tables
// whose contents are made on first use (std.base64 when a script first
// reads it), so that making a state, and a run, costs next to nothing
// for a library the script does not use.
func (v *vm) installStd() {
	L := v.L
	std, mt := L.CreateTable(0, len(stdLibs)), L.CreateTable(0, 1)
	mt.RawSetString("__index", L.NewFunction(v.stdIndex))
	L.SetMetatable(std, mt)
	L.G.Global.RawSetString("std", std)
	L.G.Global.RawSetString("script", v.readOnly("script", L.NewFunction(v.scriptIndex)))
}

// stdLibs are std's tables, in the order of stdLib's bits.
var stdLibs = [...]string{"base64", "hex", "utf8", "url"}

// stdIndex is std's __index: it makes a library table the first time it
// is read and stores it in std, where the script may change or remove it
// like any table field (a removed one stays removed).
func (v *vm) stdIndex(L *glua.LState) int {
	t := L.CheckTable(1)
	name, _ := L.Get(2).(glua.LString)
	i := slices.Index(stdLibs[:], string(name))
	if i < 0 || v.stdMade&(1<<i) != 0 {
		L.Push(glua.LNil)
		return 1
	}
	v.stdMade |= 1 << i
	lib := L.CreateTable(0, 3)
	set := func(k string, fn glua.LGFunction) { lib.RawSetString(k, L.NewFunction(fn)) }
	switch name {
	case "base64":
		set("encode", stdB64Encode)
		set("decode", stdB64Decode)
	case "hex":
		set("encode", stdHexEncode)
		set("decode", stdHexDecode)
	case "utf8":
		set("encode", stdUTF8Encode)
		set("decode", stdUTF8Decode)
		set("len", stdUTF8Len)
	case "url":
		set("parse", stdURLParse)
		set("encode_query", stdEncodeQuery)
	}
	t.RawSetString(string(name), lib)
	L.Push(lib)
	return 1
}

// readOnly returns an empty proxy table whose fields come from index (a
// table or a function), refusing writes; its metatable is locked.
func (v *vm) readOnly(name string, index glua.LValue) *glua.LTable {
	L := v.L
	proxy, mt := L.CreateTable(0, 0), L.CreateTable(0, 3)
	mt.RawSetString("__index", index)
	mt.RawSetString("__newindex", L.NewFunction(func(L *glua.LState) int {
		L.RaiseError("%s is read-only", name)
		return 0
	}))
	mt.RawSetString("__metatable", glua.LString("locked"))
	L.SetMetatable(proxy, mt)
	return proxy
}

// scriptIndex is script's __index: the identity table, built on first
// use from the run's Env.
func (v *vm) scriptIndex(L *glua.LState) int {
	if v.ident == nil {
		id := v.r.env.Script
		t := L.CreateTable(0, 5)
		t.RawSetString("name", glua.LString(id.Name))
		t.RawSetString("lang", glua.LString(id.Lang))
		t.RawSetString("sha256", glua.LString(id.SHA256))
		t.RawSetString("tenant", glua.LString(id.Tenant))
		labels := L.CreateTable(0, len(id.Labels))
		for k, val := range id.Labels {
			labels.RawSetString(k, glua.LString(val))
		}
		t.RawSetString("labels", v.readOnly("script.labels", labels))
		v.ident = t
	}
	L.Push(v.ident.RawGet(L.Get(2)))
	return 1
}

// work charges the steps of reading n bytes (one per 64, at least one);
// the VM halts there when the budget is used up or the run must stop.
func work(L *glua.LState, n int) {
	for n > stdChunk {
		L.ChargeSteps(stdChunk / 64)
		n -= stdChunk
	}
	L.ChargeSteps(n/64 + 1)
}

const stdChunk = 64 << 10

// result charges and checks a result string of n bytes.
func result(L *glua.LState, n int) { L.ChargeString(n) }

func alphabet(L *glua.LState) *base64.Encoding {
	switch a := L.OptString(2, "std"); a {
	case "std":
		return base64.StdEncoding
	case "url":
		return base64.URLEncoding
	default:
		L.ArgError(2, "alphabet must be \"std\" or \"url\", got "+strconv.Quote(a))
	}
	return nil
}

func stdB64Encode(L *glua.LState) int {
	s := L.CheckString(1)
	enc := alphabet(L)
	work(L, len(s))
	result(L, enc.EncodedLen(len(s)))
	L.Push(glua.LString(enc.EncodeToString([]byte(s))))
	return 1
}

// stdB64Decode decodes base64, ignoring ASCII whitespace, with or without
// padding.
func stdB64Decode(L *glua.LState) int {
	s := L.CheckString(1)
	enc := alphabet(L)
	work(L, len(s))
	L.ChargeMemory(len(s))
	clean := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case ' ', '\t', '\n', '\f', '\r':
		default:
			clean = append(clean, c)
		}
	}
	if len(clean)%4 == 0 {
		for k := 0; k < 2 && len(clean) > 0 && clean[len(clean)-1] == '='; k++ {
			clean = clean[:len(clean)-1]
		}
	}
	raw := enc.WithPadding(base64.NoPadding)
	result(L, raw.DecodedLen(len(clean)))
	out, err := raw.DecodeString(string(clean))
	if err != nil {
		L.Push(glua.LNil)
		L.Push(glua.LString("std.base64.decode: invalid base64 " + strings.TrimPrefix(err.Error(), "illegal base64 data ")))
		return 2
	}
	L.Push(glua.LString(out))
	return 1
}

func stdHexEncode(L *glua.LState) int {
	s := L.CheckString(1)
	work(L, len(s))
	result(L, 2*len(s))
	L.Push(glua.LString(hex.EncodeToString([]byte(s))))
	return 1
}

func stdHexDecode(L *glua.LState) int {
	s := L.CheckString(1)
	work(L, len(s))
	result(L, len(s)/2)
	out, err := hex.DecodeString(s)
	if err != nil {
		L.Push(glua.LNil)
		L.Push(glua.LString("std.hex.decode: " + strings.TrimPrefix(err.Error(), "encoding/hex: ")))
		return 2
	}
	L.Push(glua.LString(out))
	return 1
}

// stdUTF8Encode is utf8.char: the UTF-8 string of the code points.
func stdUTF8Encode(L *glua.LState) int {
	n := L.GetTop()
	work(L, 4*n)
	result(L, 4*n)
	b := make([]byte, 0, n)
	for i := 1; i <= n; i++ {
		cp := L.CheckInt64(i)
		if cp < 0 || cp > utf8.MaxRune || cp >= 0xd800 && cp <= 0xdfff {
			L.ArgError(i, "not a Unicode scalar value: "+strconv.FormatInt(cp, 10))
		}
		b = utf8.AppendRune(b, rune(cp))
	}
	L.Push(glua.LString(b))
	return 1
}

// stdUTF8Decode returns the code points of s, or nil and the position of
// the first byte that is not UTF-8.
func stdUTF8Decode(L *glua.LState) int {
	s := L.CheckString(1)
	work(L, len(s))
	if i := invalidAt(s); i >= 0 {
		L.Push(glua.LNil)
		L.Push(glua.LString("std.utf8.decode: invalid UTF-8 at byte " + strconv.Itoa(i+1)))
		return 2
	}
	n := utf8.RuneCountInString(s)
	L.ChargeMemory(16 * n)
	t := L.CreateTable(n, 0)
	k := 1
	for _, r := range s {
		t.RawSetInt(k, glua.LNumber(r))
		k++
	}
	L.Push(t)
	return 1
}

// stdUTF8Len is utf8.len: the number of code points, or nil and the
// position of the first invalid byte.
func stdUTF8Len(L *glua.LState) int {
	s := L.CheckString(1)
	work(L, len(s))
	if i := invalidAt(s); i >= 0 {
		L.Push(glua.LNil)
		L.Push(glua.LNumber(i + 1))
		return 2
	}
	L.Push(glua.LNumber(utf8.RuneCountInString(s)))
	return 1
}

// invalidAt is the offset of the first byte of s that is not valid UTF-8
// (surrogates and overlong forms included), or -1.
func invalidAt(s string) int {
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size <= 1 {
			return i
		}
		i += size
	}
	return -1
}

// stdURLParse parses with the policy's parser: the fields url() gives a
// rule (scheme, host, port, path, query: the first value of each name)
// and more (href, origin, fragment, raw_query, params: {{name, value}, ...}
// in order).
func stdURLParse(L *glua.LState) int {
	s := L.CheckString(1)
	if len(s) > urlx.MaxLen {
		L.Push(glua.LNil)
		L.Push(glua.LString("std.url.parse: url: longer than " + strconv.Itoa(urlx.MaxLen) + " bytes"))
		return 2
	}
	work(L, len(s))
	u, err := urlx.Parse(s)
	if err != nil {
		L.Push(glua.LNil)
		L.Push(glua.LString("std.url.parse: " + err.Error()))
		return 2
	}
	L.ChargeMemory(8*len(s) + 64*len(u.Params) + 512)
	t := L.NewTable()
	t.RawSetString("href", glua.LString(u.String()))
	t.RawSetString("origin", glua.LString(u.Origin()))
	t.RawSetString("scheme", glua.LString(u.Scheme))
	t.RawSetString("host", glua.LString(u.Host))
	t.RawSetString("port", glua.LNumber(u.Port))
	t.RawSetString("path", glua.LString(u.Path))
	t.RawSetString("raw_query", glua.LString(u.RawQuery))
	t.RawSetString("fragment", glua.LString(u.Fragment))
	q := L.NewTable()
	for k, val := range u.Query() {
		q.RawSetString(k, glua.LString(val))
	}
	t.RawSetString("query", q)
	params := L.CreateTable(len(u.Params), 0)
	for i, p := range u.Params {
		pt := L.CreateTable(2, 0)
		pt.RawSetInt(1, glua.LString(p[0]))
		pt.RawSetInt(2, glua.LString(p[1]))
		params.RawSetInt(i+1, pt)
	}
	t.RawSetString("params", params)
	L.Push(t)
	return 1
}

// stdEncodeQuery encodes a list of {name, value} pairs as a query string.
func stdEncodeQuery(L *glua.LState) int {
	t := L.CheckTable(1)
	n := t.Len()
	var pairs [][2]string
	size := 0
	for i := 1; i <= n; i++ {
		L.ChargeSteps(1)
		pt, ok := t.RawGetInt(i).(*glua.LTable)
		if !ok {
			L.ArgError(1, "item "+strconv.Itoa(i)+" is not a {name, value} pair")
		}
		k, kok := pt.RawGetInt(1).(glua.LString)
		val, vok := pt.RawGetInt(2).(glua.LString)
		if !kok || !vok {
			L.ArgError(1, "item "+strconv.Itoa(i)+" is not a {name, value} pair of strings")
		}
		size += len(k) + len(val) + 2
		if 3*size > glua.MaxStringLen {
			result(L, 3*size) // the limit
		}
		pairs = append(pairs, [2]string{string(k), string(val)})
	}
	work(L, size)
	result(L, 3*size)
	L.Push(glua.LString(urlx.EncodeQuery(pairs)))
	return 1
}
