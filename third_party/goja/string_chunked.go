package goja

import (
	"bytes"
	"unicode/utf8"

	"golang.org/x/text/cases"
	"golang.org/x/text/language"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
)

// Some string built-ins hand the whole string to one Go call that does
// tens to hundreds of nanoseconds of work a character: Unicode
// normalization (normalize, and localeCompare before it collates) and case
// mapping (toUpperCase, toLowerCase and their locale forms). Nothing polls
// the interrupt inside such a call, so on a string of millions of
// characters it would run for seconds after a timeout. For strings of
// chunkedStringMin bytes or more these built-ins run the same
// transformation through transformString below, a copy of
// golang.org/x/text/transform.String (which Caser.String is) that charges
// each Transform call a step per input byte, which polls the interrupt,
// and charges its buffers to the memory meter as they grow (NFKD and
// upper-casing make some strings several times longer). transform.String
// feeds the transformer 128 bytes at a time, so a poll comes every few
// microseconds, and the copy makes the same calls in the same order, so the
// result is the same byte for byte, including where the transformer's
// output depends on where its input was cut (the root lower caser forgets,
// at each call, that it is inside a word, which changes how it lowers a
// final sigma; upstream does the same).

// chunkedStringMin is the shortest input (in bytes) that takes the chunked
// path; shorter strings take the upstream one-call path.
var chunkedStringMin = 4096

// tickN charges n steps at once, as n calls of tick would, polling the
// interrupt at every slice of steps it crosses.
func (r *Runtime) tickN(n int) {
	vm := r.vm
	for int64(n) > vm.stepsLeft {
		if vm.stepsLeft > 0 {
			n -= int(vm.stepsLeft)
			vm.stepsLeft = 0
		}
		vm.tickSlow()
	}
	vm.stepsLeft -= int64(n)
}

// growBytes is transform's grow, charged to the memory meter and bounded
// by what a string within MaxStringLen can take in UTF-8.
func (r *Runtime) growBytes(b []byte, n int) []byte {
	m := len(b)
	if m <= 32 {
		m = 64
	} else if m <= 256 {
		m *= 2
	} else {
		m += m >> 1
	}
	r.checkUTF8Len(m)
	buf := make([]byte, m)
	copy(buf, b[:n])
	return buf
}

// checkUTF8Len throws a RangeError when n bytes of UTF-8 cannot be a string
// within MaxStringLen (three bytes a code unit at most), and charges them.
func (r *Runtime) checkUTF8Len(n int) {
	if lim := r.guards.limits().MaxStringLen; n/3 > lim {
		r.checkStringLen(int64(n/3), 2)
	}
	r.charge(int64(n))
}

// transformString is transform.String(t, s) from golang.org/x/text
// v0.22.0 (Copyright 2013 The Go Authors; BSD-style licence, in that
// module's LICENSE file), its comments shortened, with the Transform calls
// charged as steps and the buffers charged as memory.
func (r *Runtime) transformString(t transform.Transformer, s string) (string, error) {
	const initialBufSize = 128
	t.Reset()
	if s == "" {
		if _, _, err := t.Transform(nil, nil, true); err == nil {
			return "", nil
		}
	}

	buf := [2 * initialBufSize]byte{}
	dst := buf[:initialBufSize:initialBufSize]
	src := buf[initialBufSize : 2*initialBufSize]

	var err error
	nDst, nSrc := 0, 0
	pDst, pSrc := 0, 0
	pPrefix := 0
	for {
		n := copy(src, s[pSrc:])
		r.tickN(n)
		nDst, nSrc, err = t.Transform(dst, src[:n], pSrc+n == len(s))
		pDst += nDst
		pSrc += nSrc

		if !bytes.Equal(dst[:nDst], src[:nSrc]) {
			break
		}
		pPrefix = pSrc
		if err == transform.ErrShortDst {
			break
		} else if err == transform.ErrShortSrc {
			if nSrc == 0 {
				break
			}
		} else if err != nil || pPrefix == len(s) {
			return s[:pPrefix], err
		}
	}

	if pPrefix != 0 {
		newDst := dst
		if pDst > len(newDst) {
			r.checkUTF8Len(len(s) + nDst - nSrc)
			newDst = make([]byte, len(s)+nDst-nSrc)
		}
		copy(newDst[pPrefix:pDst], dst[:nDst])
		copy(newDst[:pPrefix], s[:pPrefix])
		dst = newDst
	}

	if (err == nil && pSrc == len(s)) ||
		(err != nil && err != transform.ErrShortDst && err != transform.ErrShortSrc) {
		return string(dst[:pDst]), err
	}

	for {
		n := copy(src, s[pSrc:])
		r.tickN(n)
		atEOF := pSrc+n == len(s)
		nDst, nSrc, err := t.Transform(dst[pDst:], src[:n], atEOF)
		pDst += nDst
		pSrc += nSrc

		if err == transform.ErrShortDst {
			if nDst == 0 {
				dst = r.growBytes(dst, pDst)
			}
		} else if err == transform.ErrShortSrc {
			if atEOF {
				return string(dst[:pDst]), err
			}
			if nSrc == 0 {
				src = r.growBytes(src, 0)
			}
		} else if err != nil || pSrc == len(s) {
			return string(dst[:pDst]), err
		}
	}
}

// transformValue is transformString as a String value: the string is
// charged at two bytes a code unit as it is converted.
func (r *Runtime) transformValue(t transform.Transformer, s string) String {
	out, _ := r.transformString(t, s)
	n, width := utf16Len(out)
	r.checkStringLen(n, width)
	return newStringValue(out)
}

// utf16Len is the length in UTF-16 code units of the UTF-8 string s, and
// the width of a code unit in the String it makes (1 when s is ASCII).
func utf16Len(s string) (n int64, width int64) {
	width = 1
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c < utf8.RuneSelf:
			n++
		case c >= 0xf0:
			n += 2
			width = 2
		case c >= 0xc0:
			n++
			width = 2
		}
	}
	return n, width
}

// longUnicode returns s as UTF-8 when it is not ASCII and long enough for
// the chunked path. (ASCII strings are mapped by the strings package at a
// few nanoseconds a character.)
func longUnicode(s String) (string, bool) {
	switch s := s.(type) {
	case unicodeString:
		if s.Length() >= chunkedStringMin/3 {
			if u := s.String(); len(u) >= chunkedStringMin {
				return u, true
			}
		}
	case *importedString:
		s.ensureScanned()
		if s.u != nil && len(s.s) >= chunkedStringMin {
			return s.s, true
		}
	}
	return "", false
}

// toUpperChunked is unicodeString.toUpper of a long string, polled.
func (r *Runtime) toUpperChunked(s string) String {
	return r.transformValue(cases.Upper(language.Und), s)
}

// toLowerChunked is unicodeString.toLower of a long string, polled.
func (r *Runtime) toLowerChunked(s string) String {
	lower, _ := r.transformString(cases.Lower(language.Und), s)
	n, _ := utf16Len(lower)
	r.checkStringLen(n, 2)
	r.charge(4 * n) // the runes toLowerFixup works on
	runes := []rune(lower)
	return toLowerFixup(runes)
}

// localeCompareLong is localeCompare of long strings: each is bounded by
// MaxCollateLen, normalized chunk by chunk, and the collation is charged a
// step a byte before it runs (it is one call, which the bound keeps to
// milliseconds).
func (r *Runtime) localeCompareLong(this, that String) Value {
	r.checkCollateLen(this)
	r.checkCollateLen(that)
	a, _ := r.transformString(norm.NFD, this.String())
	b, _ := r.transformString(norm.NFD, that.String())
	r.tickN(len(a) + len(b))
	return intToValue(int64(r.collator().CompareString(a, b)))
}
