package js

import (
	"encoding/base64"
	"errors"
	"slices"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/scriptrun/scriptrun/third_party/goja"

	"github.com/scriptrun/scriptrun/internal/urlx"
)

// The globals scriptrun adds to ECMAScript's without any capability: the
// script's identity and a small web-standard library. They live on an
// object between the global object and Object.prototype (as a browser's
// globals live on Window.prototype), a goja DynamicObject whose values are
// made the first time a script looks a name up, so a run that uses none of
// them pays one object, not a constructor and prototype per name.
var stdNames = [...]string{"script", "atob", "btoa", "TextEncoder", "TextDecoder", "URL", "URLSearchParams"}

// stdGlobals is that object's handler (goja.DynamicObject). It lives in
// the run, so making it allocates nothing.
type stdGlobals struct {
	r    *run
	vals [len(stdNames)]goja.Value
	gone [len(stdNames)]bool // deleted by the script
}

func stdIndex(key string) int {
	for i, n := range stdNames {
		if n == key {
			return i
		}
	}
	return -1
}

func (s *stdGlobals) Get(key string) goja.Value {
	i := stdIndex(key)
	if i < 0 || s.gone[i] {
		return nil
	}
	if s.vals[i] == nil {
		s.vals[i] = s.r.makeStd(i)
	}
	return s.vals[i]
}

func (s *stdGlobals) Set(key string, v goja.Value) bool {
	i := stdIndex(key)
	if i < 0 {
		return false // no new names
	}
	s.vals[i], s.gone[i] = v, false
	return true
}

func (s *stdGlobals) Has(key string) bool {
	i := stdIndex(key)
	return i >= 0 && !s.gone[i]
}

func (s *stdGlobals) Delete(key string) bool {
	if i := stdIndex(key); i >= 0 {
		s.vals[i], s.gone[i] = nil, true
	}
	return true
}

func (s *stdGlobals) Keys() []string {
	keys := make([]string, 0, len(stdNames))
	for i, n := range stdNames {
		if !s.gone[i] {
			keys = append(keys, n)
		}
	}
	return keys
}

// installStd puts the std object under the global object.
func (r *run) installStd() {
	r.std.r = r
	_ = r.vm.GlobalObject().SetPrototype(r.vm.NewDynamicObject(&r.std))
}

func (r *run) makeStd(i int) goja.Value {
	switch stdNames[i] {
	case "script":
		return r.scriptObject()
	case "atob":
		return r.stdFunc("atob", 1, r.atob)
	case "btoa":
		return r.stdFunc("btoa", 1, r.btoa)
	case "TextEncoder":
		return r.textEncoderClass()
	case "TextDecoder":
		return r.textDecoderClass()
	case "URL":
		return r.urlClass()
	case "URLSearchParams":
		return r.searchParamsClass()
	}
	return goja.Undefined()
}

// stdChunk is how many code units or bytes the library works on between
// two charges and checks: one step per 64 of them, and a stopped run stops
// within one chunk.
const stdChunk = 64 << 10

// work charges the steps of n units of native work (one per 64, at least
// one) and stops the run when it must stop.
func (r *run) work(n int) {
	steps := int64(n/64 + 1)
	r.nativeSteps += steps
	if _, err := r.w.AddSteps(steps); err != nil || r.w.Cause() != nil {
		r.halt()
	}
}

// alloc charges n bytes the library is about to allocate for the script.
func (r *run) alloc(n int) {
	if err := r.w.AddMemory(int64(n)); err != nil {
		r.halt()
	}
}

// maxStr is the longest string the runtime makes, in UTF-16 code units.
func (r *run) maxStr() int { return r.vm.Limits().MaxStringLen }

// rangeError throws a RangeError (the built-in constructor's).
func (r *run) rangeError(msg string) {
	panic(r.vm.NewRangeError(msg))
}

// typeError throws a TypeError, named name when name is not "".
func (r *run) typeError(name, msg string) {
	e := r.vm.NewTypeError("%s", msg)
	if name != "" {
		_ = e.DefineDataProperty("name", r.vm.ToValue(name), goja.FLAG_TRUE, goja.FLAG_TRUE, goja.FLAG_FALSE)
	}
	panic(e)
}

// stdFunc makes a native function with a name and length.
func (r *run) stdFunc(name string, length int, f func(goja.FunctionCall) goja.Value) *goja.Object {
	o := r.vm.ToValue(f).(*goja.Object)
	_ = o.DefineDataProperty("name", r.vm.ToValue(name), goja.FLAG_FALSE, goja.FLAG_TRUE, goja.FLAG_FALSE)
	_ = o.DefineDataProperty("length", r.vm.ToValue(length), goja.FLAG_FALSE, goja.FLAG_TRUE, goja.FLAG_FALSE)
	return o
}

// str converts v to a string with ToString (which may run the script's
// toString, metered like any script code).
func (r *run) str(v goja.Value) goja.String {
	s, _ := v.ToString().(goja.String)
	if s == nil {
		s, _ = r.vm.ToValue("").(goja.String)
	}
	return s
}

// pieces calls f with s converted to Go (UTF-8) in pieces of at most
// stdChunk code units, never splitting a surrogate pair, charging the
// steps of each. A piece is garbage once f returns (at most 192 KiB);
// callers charge what they keep.
func (r *run) pieces(s goja.String, f func(piece string)) {
	n := s.Length()
	for start := 0; start < n; {
		end := min(start+stdChunk, n)
		if end < n {
			if c := s.CharAt(end - 1); c >= 0xd800 && c < 0xdc00 {
				end++
			}
		}
		r.work(end - start)
		f(s.Substring(start, end).String())
		start = end
	}
}

// --- identity ---------------------------------------------------------

// scriptObject is the script's identity: name, lang, sha256, tenant and
// labels, a frozen copy.
func (r *run) scriptObject() goja.Value {
	vm, id := r.vm, r.env.Script
	ro := func(o *goja.Object, k string, v goja.Value) {
		_ = o.DefineDataProperty(k, v, goja.FLAG_FALSE, goja.FLAG_FALSE, goja.FLAG_TRUE)
	}
	o := vm.NewObject()
	ro(o, "name", vm.ToValue(id.Name))
	ro(o, "lang", vm.ToValue(id.Lang))
	ro(o, "sha256", vm.ToValue(id.SHA256))
	ro(o, "tenant", vm.ToValue(id.Tenant))
	labels := vm.NewObject()
	keys := make([]string, 0, len(id.Labels))
	for k := range id.Labels {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		ro(labels, k, vm.ToValue(id.Labels[k]))
	}
	_ = labels.Freeze()
	ro(o, "labels", labels)
	_ = o.Freeze()
	return o
}

// --- atob, btoa -------------------------------------------------------

// btoa encodes a string of Latin-1 characters (code units up to 0xFF) as
// base64.
func (r *run) btoa(c goja.FunctionCall) goja.Value {
	if len(c.Arguments) == 0 {
		r.typeError("", "btoa: 1 argument required, but only 0 present")
	}
	s := r.str(c.Argument(0))
	n := s.Length()
	if out := (n + 2) / 3 * 4; out > r.maxStr() || out < 0 {
		r.rangeError("btoa: the result would be " + strconv.Itoa(out) + " characters, over the string limit of " + strconv.Itoa(r.maxStr()))
	}
	r.alloc(n + (n+2)/3*4)
	src := make([]byte, 0, n)
	at := 0
	r.pieces(s, func(p string) {
		for _, ch := range p {
			if ch > 0xff {
				r.typeError("InvalidCharacterError", "btoa: the string has a character outside Latin-1 (code point "+strconv.Itoa(int(ch))+") at index "+strconv.Itoa(at))
			}
			src = append(src, byte(ch))
			at++
		}
	})
	return r.vm.ToValue(base64.StdEncoding.EncodeToString(src))
}

// atob decodes base64 (forgiving: ASCII whitespace is ignored, padding is
// optional) into a string of Latin-1 characters, one per byte.
func (r *run) atob(c goja.FunctionCall) goja.Value {
	if len(c.Arguments) == 0 {
		r.typeError("", "atob: 1 argument required, but only 0 present")
	}
	s := r.str(c.Argument(0))
	r.alloc(s.Length())
	clean := make([]byte, 0, s.Length())
	r.pieces(s, func(p string) {
		for i := 0; i < len(p); i++ {
			switch ch := p[i]; ch {
			case ' ', '\t', '\n', '\f', '\r':
			default:
				clean = append(clean, ch)
			}
		}
	})
	if len(clean)%4 == 0 {
		if len(clean) > 0 && clean[len(clean)-1] == '=' {
			clean = clean[:len(clean)-1]
			if len(clean) > 0 && clean[len(clean)-1] == '=' {
				clean = clean[:len(clean)-1]
			}
		}
	}
	if len(clean)%4 == 1 {
		r.typeError("InvalidCharacterError", "atob: the string is not correctly encoded (its length is not valid base64)")
	}
	for i, ch := range clean {
		if !(ch >= 'A' && ch <= 'Z' || ch >= 'a' && ch <= 'z' || ch >= '0' && ch <= '9' || ch == '+' || ch == '/') {
			r.typeError("InvalidCharacterError", "atob: the string is not correctly encoded (character "+strconv.Quote(string(rune(ch)))+" at offset "+strconv.Itoa(i)+" of the string without whitespace)")
		}
	}
	out := make([]byte, base64.RawStdEncoding.DecodedLen(len(clean)))
	r.alloc(len(out))
	if _, err := base64.RawStdEncoding.Decode(out, clean); err != nil {
		r.typeError("InvalidCharacterError", "atob: the string is not correctly encoded")
	}
	return r.latin1(out)
}

// latin1 makes the string whose code units are the bytes of b.
func (r *run) latin1(b []byte) goja.Value {
	ascii := true
	for _, c := range b {
		if c >= 0x80 {
			ascii = false
			break
		}
	}
	if ascii {
		return r.vm.ToValue(string(b))
	}
	r.alloc(4 * len(b)) // UTF-8 on the way, then UTF-16
	var sb strings.Builder
	sb.Grow(2 * len(b))
	for _, c := range b {
		sb.WriteRune(rune(c))
	}
	return r.vm.ToValue(sb.String())
}

// --- classes ----------------------------------------------------------

// stdMember is a method or getter of a class's prototype.
type stdMember struct {
	name   string
	length int
	fn     func(goja.FunctionCall) goja.Value
	getter bool
}

// stdClass makes a constructor whose prototype has members. Called
// without new it throws, as web classes do. construct gets the new object
// (made with new.target's prototype).
func (r *run) stdClass(name string, length int, construct func(this *goja.Object, args []goja.Value), members []stdMember) *goja.Object {
	vm := r.vm
	var proto *goja.Object
	ctor := vm.ToValue(func(c goja.ConstructorCall) *goja.Object {
		// goja gives a native constructor called as a function a fresh
		// object too, so that constructs; calling it on an existing object
		// (URL.call(o, ...)) does not.
		if _, taken := r.stdState[c.This]; taken || !inherits(c.This, proto) {
			r.typeError("", "Failed to construct '"+name+"': please use the 'new' operator")
		}
		construct(c.This, c.Arguments)
		return nil
	}).(*goja.Object)
	_ = ctor.DefineDataProperty("name", vm.ToValue(name), goja.FLAG_FALSE, goja.FLAG_TRUE, goja.FLAG_FALSE)
	_ = ctor.DefineDataProperty("length", vm.ToValue(length), goja.FLAG_FALSE, goja.FLAG_TRUE, goja.FLAG_FALSE)
	proto, _ = ctor.Get("prototype").(*goja.Object)
	if proto == nil {
		return ctor
	}
	for _, m := range members {
		fn := r.stdFunc(m.name, m.length, m.fn)
		if m.getter {
			_ = fn.DefineDataProperty("name", vm.ToValue("get "+m.name), goja.FLAG_FALSE, goja.FLAG_TRUE, goja.FLAG_FALSE)
			_ = proto.DefineAccessorProperty(m.name, fn, nil, goja.FLAG_TRUE, goja.FLAG_TRUE)
		} else {
			_ = proto.DefineDataProperty(m.name, fn, goja.FLAG_TRUE, goja.FLAG_TRUE, goja.FLAG_TRUE)
		}
	}
	_ = proto.DefineDataPropertySymbol(goja.SymToStringTag, vm.ToValue(name), goja.FLAG_FALSE, goja.FLAG_TRUE, goja.FLAG_FALSE)
	return ctor
}

// get is o.Get, undefined for an absent property.
func get(o *goja.Object, k string) goja.Value {
	if v := o.Get(k); v != nil {
		return v
	}
	return goja.Undefined()
}

// inherits says whether proto is on o's prototype chain (looked at no
// further than 64 links; the chain cannot run script code).
func inherits(o, proto *goja.Object) bool {
	for p, i := o.Prototype(), 0; p != nil && i < 64; p, i = p.Prototype(), i+1 {
		if p == proto {
			return true
		}
	}
	return false
}

// stateBytes is what one of the library's objects is charged.
const stateBytes = 512

// stdState is the Go state of the library's objects, by object (a brand:
// a method called on anything else throws).
//
// The map keeps its objects alive for the rest of the run (goja has no
// place for Go state on an ordinary object), so each is charged
// stateBytes, about what an object, its entry and its state hold: a loop
// making TextEncoders ends at the memory budget, not in the host's heap.
func (r *run) setState(o *goja.Object, s any) {
	r.alloc(stateBytes)
	if r.stdState == nil {
		r.stdState = map[*goja.Object]any{}
	}
	r.stdState[o] = s
}

func state[T any](r *run, v goja.Value, class, member string) T {
	o, _ := v.(*goja.Object)
	s, ok := r.stdState[o].(T)
	if !ok {
		r.typeError("", "'"+member+"' called on an object that is not a "+class)
	}
	return s
}

// getter returns the member for a getter.
func getter(name string, fn func(this goja.Value) goja.Value) stdMember {
	return stdMember{name: name, getter: true, fn: func(c goja.FunctionCall) goja.Value { return fn(c.This) }}
}

// --- TextEncoder, TextDecoder -------------------------------------------

type textEncoder struct{}

type textDecoder struct{ fatal, ignoreBOM bool }

func (r *run) textEncoderClass() goja.Value {
	return r.stdClass("TextEncoder", 0, func(this *goja.Object, _ []goja.Value) {
		r.setState(this, &textEncoder{})
	}, []stdMember{
		getter("encoding", func(this goja.Value) goja.Value {
			state[*textEncoder](r, this, "TextEncoder", "encoding")
			return r.vm.ToValue("utf-8")
		}),
		{name: "encode", length: 0, fn: func(c goja.FunctionCall) goja.Value {
			state[*textEncoder](r, c.This, "TextEncoder", "encode")
			var out []byte
			if v := c.Argument(0); !goja.IsUndefined(v) {
				s := r.str(v)
				r.pieces(s, func(p string) {
					r.alloc(len(p))
					if len(out)+len(p) > r.vm.Limits().MaxBufferLen {
						r.rangeError("TextEncoder.encode: the result would be over the buffer limit of " + strconv.Itoa(r.vm.Limits().MaxBufferLen) + " bytes")
					}
					out = append(out, p...)
				})
			}
			return r.vm.NewUint8Array(out)
		}},
	})
}

// utf8Labels are the labels of the one encoding TextDecoder knows.
var utf8Labels = []string{"utf-8", "utf8", "unicode-1-1-utf-8", "unicode11utf8", "unicode20utf8", "x-unicode20utf8"}

func (r *run) textDecoderClass() goja.Value {
	return r.stdClass("TextDecoder", 0, func(this *goja.Object, args []goja.Value) {
		d := &textDecoder{}
		if len(args) > 0 && !goja.IsUndefined(args[0]) {
			label := strings.ToLower(strings.TrimSpace(r.str(args[0]).String()))
			if !slices.Contains(utf8Labels, label) {
				r.rangeError("TextDecoder: the encoding " + strconv.Quote(label) + " is not supported (only utf-8)")
			}
		}
		if len(args) > 1 {
			if o, ok := args[1].(*goja.Object); ok {
				d.fatal = get(o, "fatal").ToBoolean()
				d.ignoreBOM = get(o, "ignoreBOM").ToBoolean()
			}
		}
		r.setState(this, d)
	}, []stdMember{
		getter("encoding", func(this goja.Value) goja.Value {
			state[*textDecoder](r, this, "TextDecoder", "encoding")
			return r.vm.ToValue("utf-8")
		}),
		getter("fatal", func(this goja.Value) goja.Value {
			return r.vm.ToValue(state[*textDecoder](r, this, "TextDecoder", "fatal").fatal)
		}),
		getter("ignoreBOM", func(this goja.Value) goja.Value {
			return r.vm.ToValue(state[*textDecoder](r, this, "TextDecoder", "ignoreBOM").ignoreBOM)
		}),
		{name: "decode", length: 0, fn: func(c goja.FunctionCall) goja.Value {
			d := state[*textDecoder](r, c.This, "TextDecoder", "decode")
			if o, ok := c.Argument(1).(*goja.Object); ok && get(o, "stream").ToBoolean() {
				r.typeError("", "TextDecoder.decode: the stream option is not supported")
			}
			if goja.IsUndefined(c.Argument(0)) {
				return r.vm.ToValue("")
			}
			return r.decodeUTF8(r.bufferBytes(c.Argument(0), "TextDecoder.decode"), d)
		}},
	})
}

// bufferBytes returns the bytes of an ArrayBuffer, a Uint8Array or a
// DataView (not copied: nothing runs script code while they are used).
func (r *run) bufferBytes(v goja.Value, what string) []byte {
	if o, ok := v.(*goja.Object); ok {
		switch o.ExportType() {
		case typeBuffer:
			return o.Export().(goja.ArrayBuffer).Bytes()
		case typeBytes:
			b, _ := o.Export().([]byte)
			return b
		}
	}
	r.typeError("", what+": the argument is not an ArrayBuffer, Uint8Array or DataView")
	return nil
}

// decodeUTF8 decodes b as the WHATWG UTF-8 decoder does: a leading BOM is
// dropped unless ignoreBOM, and each maximal invalid subsequence becomes
// one U+FFFD (or, with fatal, a TypeError).
func (r *run) decodeUTF8(b []byte, d *textDecoder) goja.Value {
	if !d.ignoreBOM && len(b) >= 3 && b[0] == 0xef && b[1] == 0xbb && b[2] == 0xbf {
		b = b[3:]
	}
	if len(b) > r.maxStr() {
		r.rangeError("TextDecoder.decode: " + strconv.Itoa(len(b)) + " bytes is over the string limit of " + strconv.Itoa(r.maxStr()) + " characters")
	}
	var sb strings.Builder
	r.alloc(len(b))
	sb.Grow(len(b))
	ascii := true
	for start := 0; start < len(b); start += stdChunk {
		r.work(stdChunk)
		end := min(start+stdChunk, len(b))
		for i := start; i < end; {
			c := b[i]
			if c < 0x80 {
				sb.WriteByte(c)
				i++
				continue
			}
			ascii = false
			ch, size := utf8.DecodeRune(b[i:])
			if ch != utf8.RuneError || size > 1 {
				sb.Write(b[i : i+size])
				i += size
				continue
			}
			if d.fatal {
				r.typeError("", "TextDecoder.decode: the data is not valid utf-8 (at byte "+strconv.Itoa(i)+")")
			}
			sb.WriteString("\uFFFD")
			i += invalidPrefix(b[i:])
		}
	}
	if !ascii {
		r.alloc(2 * sb.Len()) // the runtime's UTF-16 copy
	}
	return r.vm.ToValue(sb.String())
}

// invalidPrefix is the length of the maximal subpart of an ill-formed
// UTF-8 sequence at the start of b (at least 1): the bytes that began a
// valid sequence before it broke.
func invalidPrefix(b []byte) int {
	lo, hi := byte(0x80), byte(0xbf)
	n := 0
	switch c := b[0]; {
	case c >= 0xc2 && c <= 0xdf:
		n = 2
	case c == 0xe0:
		n, lo = 3, 0xa0
	case c == 0xed:
		n, hi = 3, 0x9f
	case c >= 0xe1 && c <= 0xef:
		n = 3
	case c == 0xf0:
		n, lo = 4, 0x90
	case c == 0xf4:
		n, hi = 4, 0x8f
	case c >= 0xf1 && c <= 0xf3:
		n = 4
	default:
		return 1
	}
	k := 1
	for k < n && k < len(b) {
		c := b[k]
		if k == 1 && (c < lo || c > hi) || k > 1 && (c < 0x80 || c > 0xbf) {
			break
		}
		k++
	}
	return k
}

// --- URL, URLSearchParams ----------------------------------------------

// urlState is a URL object: immutable (its setters are not provided).
type urlState struct {
	u      *urlx.URL
	params *goja.Object // searchParams, made on first use
}

// searchParams is a URLSearchParams object.
type searchParams struct {
	pairs [][2]string
}

// parseURLArg parses the URL constructor's arguments.
func (r *run) parseURLArg(args []goja.Value) (*urlx.URL, error) {
	if len(args) == 0 {
		return nil, errors.New("url: 1 argument required, but only 0 present")
	}
	ref, err := r.urlString(args[0])
	if err != nil {
		return nil, err
	}
	if len(args) < 2 || goja.IsUndefined(args[1]) {
		return urlx.Parse(ref)
	}
	b, err := r.urlString(args[1])
	if err != nil {
		return nil, err
	}
	base, err := urlx.Parse(b)
	if err != nil {
		return nil, errors.New("base " + err.Error())
	}
	return urlx.Resolve(ref, base)
}

// urlString converts a URL argument, refusing one over urlx.MaxLen before
// converting it.
func (r *run) urlString(v goja.Value) (string, error) {
	if o, ok := v.(*goja.Object); ok {
		if s, isURL := r.stdState[o].(*urlState); isURL {
			return s.u.String(), nil
		}
	}
	s := r.str(v)
	if s.Length() > urlx.MaxLen {
		return "", errors.New("url: longer than " + strconv.Itoa(urlx.MaxLen) + " bytes")
	}
	r.work(s.Length())
	return s.String(), nil
}

func (r *run) urlClass() goja.Value {
	vm := r.vm
	str := func(f func(u *urlx.URL) string) func(goja.Value) goja.Value {
		return func(this goja.Value) goja.Value {
			return vm.ToValue(f(state[*urlState](r, this, "URL", "URL getter").u))
		}
	}
	href := func(c goja.FunctionCall) goja.Value {
		return vm.ToValue(state[*urlState](r, c.This, "URL", "toString").u.String())
	}
	ctor := r.stdClass("URL", 1, func(this *goja.Object, args []goja.Value) {
		u, err := r.parseURLArg(args)
		if err != nil {
			r.typeError("", "Invalid URL: "+err.Error())
		}
		r.alloc(4 * len(u.String()))
		r.setState(this, &urlState{u: u})
	}, []stdMember{
		getter("href", str(func(u *urlx.URL) string { return u.String() })),
		getter("origin", str(func(u *urlx.URL) string { return u.Origin() })),
		getter("protocol", str(func(u *urlx.URL) string { return u.Scheme + ":" })),
		getter("host", str(func(u *urlx.URL) string { return u.HostPort() })),
		getter("hostname", str(func(u *urlx.URL) string { return u.Hostname() })),
		getter("port", str(func(u *urlx.URL) string { return u.PortString() })),
		getter("pathname", str(func(u *urlx.URL) string { return u.Path })),
		getter("search", str(func(u *urlx.URL) string {
			if u.RawQuery == "" {
				return ""
			}
			return "?" + u.RawQuery
		})),
		getter("hash", str(func(u *urlx.URL) string {
			if u.Fragment == "" {
				return ""
			}
			return "#" + u.Fragment
		})),
		getter("searchParams", func(this goja.Value) goja.Value {
			s := state[*urlState](r, this, "URL", "searchParams")
			if s.params == nil {
				s.params = r.newSearchParams(slices.Clone(s.u.Params))
			}
			return s.params
		}),
		{name: "toString", fn: href},
		{name: "toJSON", fn: href},
	})
	_ = ctor.DefineDataProperty("canParse", r.stdFunc("canParse", 1, func(c goja.FunctionCall) goja.Value {
		_, err := r.parseURLArg(c.Arguments)
		return vm.ToValue(err == nil)
	}), goja.FLAG_TRUE, goja.FLAG_TRUE, goja.FLAG_TRUE)
	return ctor
}

// newSearchParams makes a URLSearchParams holding pairs.
func (r *run) newSearchParams(pairs [][2]string) *goja.Object {
	// The library's own class, whatever the script did to the global.
	proto, _ := r.searchParamsClass().Get("prototype").(*goja.Object)
	o := r.vm.CreateObject(proto)
	r.setState(o, &searchParams{pairs: pairs})
	return o
}

func (r *run) searchParamsClass() *goja.Object {
	if r.spCtor != nil {
		return r.spCtor
	}
	vm := r.vm
	sp := func(v goja.Value, member string) *searchParams {
		return state[*searchParams](r, v, "URLSearchParams", member)
	}
	arg := func(c goja.FunctionCall, i int, member string) string {
		if i >= len(c.Arguments) {
			r.typeError("", "URLSearchParams."+member+": "+strconv.Itoa(i+1)+" argument(s) required")
		}
		s := r.str(c.Arguments[i])
		if s.Length() > r.maxStr()/4 {
			r.rangeError("URLSearchParams." + member + ": argument too long")
		}
		r.work(s.Length())
		r.alloc(2 * s.Length())
		return s.String()
	}
	iter := func(kind string) func(goja.FunctionCall) goja.Value {
		return func(c goja.FunctionCall) goja.Value {
			p := sp(c.This, kind)
			i := 0
			it := vm.NewObject()
			next := r.stdFunc("next", 0, func(goja.FunctionCall) goja.Value {
				res := vm.NewObject()
				if i >= len(p.pairs) {
					_ = res.DefineDataProperty("value", goja.Undefined(), goja.FLAG_TRUE, goja.FLAG_TRUE, goja.FLAG_TRUE)
					_ = res.DefineDataProperty("done", vm.ToValue(true), goja.FLAG_TRUE, goja.FLAG_TRUE, goja.FLAG_TRUE)
					return res
				}
				kv := p.pairs[i]
				i++
				var v goja.Value
				switch kind {
				case "keys":
					v = vm.ToValue(kv[0])
				case "values":
					v = vm.ToValue(kv[1])
				default:
					v = vm.NewArray(kv[0], kv[1])
				}
				_ = res.DefineDataProperty("value", v, goja.FLAG_TRUE, goja.FLAG_TRUE, goja.FLAG_TRUE)
				_ = res.DefineDataProperty("done", vm.ToValue(false), goja.FLAG_TRUE, goja.FLAG_TRUE, goja.FLAG_TRUE)
				return res
			})
			_ = it.DefineDataProperty("next", next, goja.FLAG_TRUE, goja.FLAG_TRUE, goja.FLAG_FALSE)
			_ = it.DefineDataPropertySymbol(goja.SymIterator, r.stdFunc("[Symbol.iterator]", 0, func(goja.FunctionCall) goja.Value { return it }),
				goja.FLAG_TRUE, goja.FLAG_TRUE, goja.FLAG_FALSE)
			return it
		}
	}
	entries := iter("entries")
	ctor := r.stdClass("URLSearchParams", 0, func(this *goja.Object, args []goja.Value) {
		p := &searchParams{}
		if len(args) > 0 {
			p.pairs = r.searchParamsInit(args[0])
		}
		r.setState(this, p)
	}, []stdMember{
		{name: "append", length: 2, fn: func(c goja.FunctionCall) goja.Value {
			p := sp(c.This, "append")
			k, v := arg(c, 0, "append"), arg(c, 1, "append")
			p.pairs = append(p.pairs, [2]string{k, v})
			return goja.Undefined()
		}},
		{name: "delete", length: 1, fn: func(c goja.FunctionCall) goja.Value {
			p := sp(c.This, "delete")
			k := arg(c, 0, "delete")
			r.work(len(p.pairs))
			p.pairs = slices.DeleteFunc(p.pairs, func(kv [2]string) bool { return kv[0] == k })
			return goja.Undefined()
		}},
		{name: "get", length: 1, fn: func(c goja.FunctionCall) goja.Value {
			p := sp(c.This, "get")
			k := arg(c, 0, "get")
			r.work(len(p.pairs))
			for _, kv := range p.pairs {
				if kv[0] == k {
					return vm.ToValue(kv[1])
				}
			}
			return goja.Null()
		}},
		{name: "getAll", length: 1, fn: func(c goja.FunctionCall) goja.Value {
			p := sp(c.This, "getAll")
			k := arg(c, 0, "getAll")
			r.work(len(p.pairs))
			var vs []any
			for _, kv := range p.pairs {
				if kv[0] == k {
					vs = append(vs, kv[1])
				}
			}
			return vm.NewArray(vs...)
		}},
		{name: "has", length: 1, fn: func(c goja.FunctionCall) goja.Value {
			p := sp(c.This, "has")
			k := arg(c, 0, "has")
			r.work(len(p.pairs))
			return vm.ToValue(slices.ContainsFunc(p.pairs, func(kv [2]string) bool { return kv[0] == k }))
		}},
		{name: "set", length: 2, fn: func(c goja.FunctionCall) goja.Value {
			p := sp(c.This, "set")
			k, v := arg(c, 0, "set"), arg(c, 1, "set")
			r.work(len(p.pairs))
			i := slices.IndexFunc(p.pairs, func(kv [2]string) bool { return kv[0] == k })
			if i < 0 {
				p.pairs = append(p.pairs, [2]string{k, v})
				return goja.Undefined()
			}
			p.pairs[i][1] = v
			p.pairs = append(p.pairs[:i+1], slices.DeleteFunc(p.pairs[i+1:], func(kv [2]string) bool { return kv[0] == k })...)
			return goja.Undefined()
		}},
		{name: "sort", fn: func(c goja.FunctionCall) goja.Value {
			p := sp(c.This, "sort")
			r.work(len(p.pairs) * 16)
			slices.SortStableFunc(p.pairs, func(a, b [2]string) int { return compareUTF16(a[0], b[0]) })
			return goja.Undefined()
		}},
		{name: "toString", fn: func(c goja.FunctionCall) goja.Value {
			p := sp(c.This, "toString")
			n := 0
			for _, kv := range p.pairs {
				n += len(kv[0]) + len(kv[1]) + 2
			}
			if 3*n > r.maxStr() {
				r.rangeError("URLSearchParams.toString: the result would be over the string limit")
			}
			r.work(n)
			r.alloc(3 * n)
			return vm.ToValue(urlx.EncodeQuery(p.pairs))
		}},
		{name: "forEach", length: 1, fn: func(c goja.FunctionCall) goja.Value {
			p := sp(c.This, "forEach")
			fn, ok := goja.AssertFunction(c.Argument(0))
			if !ok {
				r.typeError("", "URLSearchParams.forEach: the callback is not a function")
			}
			for i := 0; i < len(p.pairs); i++ {
				kv := p.pairs[i]
				if _, err := fn(c.Argument(1), vm.ToValue(kv[1]), vm.ToValue(kv[0]), c.This); err != nil {
					if r.w.Cause() != nil {
						r.halt()
					}
					panic(err)
				}
			}
			return goja.Undefined()
		}},
		{name: "entries", fn: entries},
		{name: "keys", fn: iter("keys")},
		{name: "values", fn: iter("values")},
		getter("size", func(this goja.Value) goja.Value { return vm.ToValue(len(sp(this, "size").pairs)) }),
	})
	if proto, ok := ctor.Get("prototype").(*goja.Object); ok {
		_ = proto.DefineDataPropertySymbol(goja.SymIterator, proto.Get("entries"), goja.FLAG_TRUE, goja.FLAG_TRUE, goja.FLAG_FALSE)
	}
	r.spCtor = ctor
	return ctor
}

// searchParamsInit reads URLSearchParams's argument: a query string (a
// leading "?" dropped), an array of [name, value] pairs, or an object's
// own enumerable properties.
func (r *run) searchParamsInit(v goja.Value) [][2]string {
	if goja.IsUndefined(v) {
		return nil
	}
	o, isObj := v.(*goja.Object)
	if !isObj || o.ClassName() == "String" {
		s := r.str(v)
		if s.Length() > r.maxStr()/4 {
			r.rangeError("URLSearchParams: the query is too long")
		}
		r.work(s.Length())
		r.alloc(4 * s.Length())
		q := strings.TrimPrefix(s.String(), "?")
		pairs, err := urlx.ParseQuery(q)
		if err != nil {
			r.typeError("", "URLSearchParams: bad query: "+err.Error())
		}
		return pairs
	}
	var pairs [][2]string
	if o.ClassName() == "Array" {
		n := get(o, "length").ToInteger()
		if n > int64(r.vm.Limits().MaxArrayLen) {
			r.rangeError("URLSearchParams: too many pairs")
		}
		for i := int64(0); i < n; i++ {
			r.work(64)
			item, _ := get(o, strconv.FormatInt(i, 10)).(*goja.Object)
			if item == nil || get(item, "length").ToInteger() != 2 {
				r.typeError("", "URLSearchParams: pair "+strconv.FormatInt(i, 10)+" is not a [name, value] pair")
			}
			k, val := r.str(get(item, "0")), r.str(get(item, "1"))
			r.work(k.Length() + val.Length())
			r.alloc(2 * (k.Length() + val.Length()))
			pairs = append(pairs, [2]string{k.String(), val.String()})
		}
		return pairs
	}
	for _, k := range o.Keys() {
		val := r.str(get(o, k))
		r.work(len(k) + val.Length())
		r.alloc(2 * (len(k) + val.Length()))
		pairs = append(pairs, [2]string{k, val.String()})
	}
	return pairs
}

// compareUTF16 orders strings by UTF-16 code units, as URLSearchParams's
// sort does.
func compareUTF16(a, b string) int {
	return slices.Compare(utf16.Encode([]rune(a)), utf16.Encode([]rune(b)))
}
