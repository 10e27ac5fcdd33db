// Package jsontext is the bounded text buffer both backends describe a
// thrown value in (`throw {code: 42}`, `error({code = 42})`): it keeps at
// most Max bytes and then marks itself full, so describing a value with a
// million entries costs no more than describing a small one.
package jsontext

import "strings"

// Text is a bounded buffer. The zero value is empty; set Max first.
type Text struct {
	Max  int  // bytes kept
	Full bool // Max was reached: later writes are dropped
	b    strings.Builder
}

// Write appends s, or as much of it as fits, and marks the text full when
// it does not.
func (t *Text) Write(s string) {
	if t.Full {
		return
	}
	if room := t.Max - t.b.Len(); len(s) > room {
		t.b.WriteString(s[:room])
		t.Full = true
		return
	}
	t.b.WriteString(s)
}

// String returns the text; a full one ends with "..." after its last
// whole character.
func (t *Text) String() string {
	s := t.b.String()
	if t.Full {
		s = strings.ToValidUTF8(s, "") + "..."
	}
	return s
}
