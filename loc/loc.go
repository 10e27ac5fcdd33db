package loc

import "strconv"

// Pos is a position in a script or a policy file. Line and Col are 1-based;
// Col is zero when the language or the error gives no column (Lua runtime
// errors), Line is zero when only the file is known, and the zero Pos means
// the position is unknown.
type Pos struct {
	File      string // the script's name as the host gave it, or the policy file's path
	Line, Col int
}

// String renders p as "file:line:col", or as much of it as is known:
// "file:line" without a column, "file" without a line, "" for the zero Pos.
func (p Pos) String() string {
	if p.Line <= 0 {
		return p.File
	}
	b := make([]byte, 0, len(p.File)+12)
	b = p.append(b)
	return string(b)
}

func (p Pos) append(b []byte) []byte {
	b = append(b, p.File...)
	if p.Line <= 0 {
		return b
	}
	b = append(b, ':')
	b = strconv.AppendInt(b, int64(p.Line), 10)
	if p.Col > 0 {
		b = append(b, ':')
		b = strconv.AppendInt(b, int64(p.Col), 10)
	}
	return b
}

// IsZero reports whether p is the zero Pos (position unknown).
func (p Pos) IsZero() bool { return p == Pos{} }

// Frame is one entry of a script's stack trace (innermost first): a
// function and the position in it, or a marker standing for frames that are
// not listed. At most one of Tail and Omitted is set on a marker.
type Frame struct {
	Func string // the function's name as the language gives it (Lua: "main chunk", "<t.lua:1>"); "<anonymous>" when it has none
	Pos  Pos    // where in the script the frame was; zero on a marker

	// Tail marks the calls that Lua tail calls replaced (Lua keeps no
	// record of them, so their number is unknown).
	Tail bool
	// Omitted, when positive, marks this many frames left out past the
	// end of a trace that was cut short.
	Omitted int
}

// String renders f as "func (file:line:col)", "func" when its position is
// unknown, "(tail call)" or "... N more frames" for a marker.
func (f Frame) String() string {
	switch {
	case f.Tail:
		return "(tail call)"
	case f.Omitted > 0:
		return "... " + strconv.Itoa(f.Omitted) + " more frames"
	case f.Pos.IsZero():
		return f.Func
	}
	b := make([]byte, 0, len(f.Func)+len(f.Pos.File)+16)
	b = append(b, f.Func...)
	b = append(b, " ("...)
	b = f.Pos.append(b)
	b = append(b, ')')
	return string(b)
}

// Strings renders each frame of a trace with Frame.String, or returns nil
// for an empty trace.
func Strings(frames []Frame) []string {
	if len(frames) == 0 {
		return nil
	}
	s := make([]string, len(frames))
	for i, f := range frames {
		s[i] = f.String()
	}
	return s
}
