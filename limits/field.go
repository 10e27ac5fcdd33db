package limits

import (
	"errors"
	"math"
	"strconv"
	"strings"
	"time"
)

// Kind is what a budget field counts, which says how it is written.
type Kind int

const (
	// Count is a non-negative integer: 100000, 100_000.
	Count Kind = iota
	// Size is a byte count: 65536, or a number with a unit B, KiB, MiB,
	// GiB (powers of 1024) or KB, MB, GB (powers of 1000): 64KiB, 1MB.
	Size
	// Duration is a non-negative Go duration: 500ms, 2s, 1m30s.
	Duration
)

// String returns "count", "size" or "duration".
func (k Kind) String() string {
	switch k {
	case Count:
		return "count"
	case Size:
		return "size"
	case Duration:
		return "duration"
	}
	return "kind(" + strconv.Itoa(int(k)) + ")"
}

// Placeholder returns how usage texts name a value of the kind: N, SIZE
// or DUR.
func (k Kind) Placeholder() string {
	switch k {
	case Size:
		return "SIZE"
	case Duration:
		return "DUR"
	}
	return "N"
}

// Field describes one field of Budget: the one place its names, its
// syntax, its default and what it counts are written down. Default,
// Resolve, a policy's `limits:` keys, the CLI's flags and the README's
// budget table all derive from Fields.
type Field struct {
	// Name is the field's name in errors (engine.Error.Limit,
	// ExceededError.Limit), the CLI's JSON and the audit log: "hostCalls".
	Name string
	// Key is the field's key under a policy's `limits:` ("hostCalls"), or
	// "" when a policy cannot cap the field (Source: the source budget
	// applies at compile time, before any policy is known).
	Key string
	// Flag is the CLI flag setting the field, without its dashes:
	// "host-calls".
	Flag string
	Kind Kind
	// Default is the value a run gets when nothing sets the field (a
	// Duration in nanoseconds).
	Default int64
	// Max, when positive, is the most a run may have: a larger value is
	// an error where it is written and is lowered to Max by Resolve.
	Max int64
	// Doc says in one line what the field counts.
	Doc string
	// Detail is more about the field, for the README (Markdown); may be "".
	Detail string

	ptr func(*Budget) *int64
}

// Get returns b's value of the field (a Duration in nanoseconds).
func (f Field) Get(b Budget) int64 { return *f.ptr(&b) }

// Set sets b's value of the field to v (a Duration in nanoseconds).
func (f Field) Set(b *Budget, v int64) { *f.ptr(b) = v }

// Parse parses a value of the field as a policy or a flag writes it (see
// Kind), and checks it against Max. The error says what was wanted.
func (f Field) Parse(s string) (int64, error) {
	var v int64
	var ok bool
	switch f.Kind {
	case Count:
		v, ok = parseCount(s)
	case Size:
		v, ok = ParseSize(s)
	case Duration:
		var d time.Duration
		d, ok = parseDuration(s)
		v = int64(d)
	}
	if !ok {
		return 0, errors.New(f.Kind.want())
	}
	if f.Max > 0 && v > f.Max {
		return 0, errors.New("want at most " + f.Format(f.Max))
	}
	return v, nil
}

func (k Kind) want() string {
	switch k {
	case Size:
		return "want a size like 65536, 64KiB or 1MB"
	case Duration:
		return "want a duration like 2s or 500ms"
	}
	return "want a non-negative integer"
}

// Format writes v as Budget.Value does: a Duration as Go prints it
// ("2s"), other kinds as an integer.
func (f Field) Format(v int64) string {
	if f.Kind == Duration {
		return time.Duration(v).String()
	}
	return strconv.FormatInt(v, 10)
}

// Human writes v for people to read: "100,000,000", "64 MiB", "2s".
func (f Field) Human(v int64) string {
	switch f.Kind {
	case Duration:
		return time.Duration(v).String()
	case Size:
		for _, u := range []struct {
			name string
			mult int64
		}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}} {
			if v >= u.mult && v%u.mult == 0 {
				return strconv.FormatInt(v/u.mult, 10) + " " + u.name
			}
		}
	}
	s := strconv.FormatInt(v, 10)
	if len(s) <= 4 {
		return s
	}
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// fields is the table. Its order is Budget's.
var fields = [...]Field{
	{Name: Steps, Key: Steps, Flag: "steps", Kind: Count, Default: 100_000_000,
		Doc: "script steps: VM instructions and iterations of built-in loops over script data",
		Detail: "one per VM instruction in both languages, plus one per element a built-in or library loop visits " +
			"(JS: array, typed-array, string, Object, JSON, iterator, apply-list, sort and regexp match loops; " +
			"Lua: library loops, and one per 64 bytes they copy). A tight loop takes about 100–135 million JS steps " +
			"or 40–60 million Lua steps per CPU second here, so the default is about 1 s of JS " +
			"(the 1 s CPU budget stops a Lua loop first; `--steps` lowers it)",
		ptr: func(b *Budget) *int64 { return &b.Steps }},
	{Name: Memory, Key: Memory, Flag: "memory", Kind: Size, Default: 64 << 20,
		Doc: "bytes the script allocates, charged before the allocation",
		Detail: "in JS every string, dense array, argument list and buffer whose size the script controls " +
			"(patched goja's memory meter); in Lua the metered library functions (see below)",
		ptr: func(b *Budget) *int64 { return &b.Memory }},
	{Name: Timeout, Key: Timeout, Flag: "timeout", Kind: Duration, Default: int64(2 * time.Second),
		Doc: "wall time of the run",
		ptr: func(b *Budget) *int64 { return (*int64)(&b.Timeout) }},
	{Name: CPU, Key: CPU, Flag: "cpu", Kind: Duration, Default: int64(time.Second),
		Doc: "CPU time of the thread running the script",
		ptr: func(b *Budget) *int64 { return (*int64)(&b.CPU) }},
	{Name: HostCalls, Key: HostCalls, Flag: "host-calls", Kind: Count, Default: 100,
		Doc: "host calls, denied ones included",
		ptr: func(b *Budget) *int64 { return &b.HostCalls }},
	{Name: Output, Key: Output, Flag: "output", Kind: Size, Default: 1 << 20,
		Doc: "size of the result (roughly its JSON length); also bounds each host call's arguments",
		ptr: func(b *Budget) *int64 { return &b.Output }},
	{Name: Logs, Key: Logs, Flag: "logs", Kind: Size, Default: 64 << 10,
		Doc: "bytes written to the run's log (console.*, print, the log module)",
		ptr: func(b *Budget) *int64 { return &b.Logs }},
	{Name: StackDepth, Key: StackDepth, Flag: "stack-depth", Kind: Count, Default: 1000, Max: MaxStackDepth,
		Doc:    "call depth of the script",
		Detail: "in JS also how deeply built-ins recurse in Go (a catchable RangeError, the limit when uncaught)",
		ptr:    func(b *Budget) *int64 { return &b.StackDepth }},
	{Name: Source, Flag: "source-size", Kind: Size, Default: 1 << 20,
		Doc:    "bytes of script source",
		Detail: "the host's value applies, at compile time; a policy cannot cap it",
		ptr:    func(b *Budget) *int64 { return &b.Source }},
	{Name: Input, Key: Input, Flag: "input-size", Kind: Size, Default: 1 << 20,
		Doc: "size of the input (roughly its JSON length); also bounds each host function's result",
		Detail: "the CLI holds the `--input` file to it as it is, whitespace included, before parsing it " +
			"(a file by its size, a pipe by a bounded reader)",
		ptr: func(b *Budget) *int64 { return &b.Input }},
}

// Fields returns the descriptions of Budget's fields, in the order Budget
// declares them. The slice is the caller's.
func Fields() []Field { return append([]Field(nil), fields[:]...) }

// FieldNamed returns the field whose Name is name.
func FieldNamed(name string) (Field, bool) {
	for _, f := range fields {
		if f.Name == name {
			return f, true
		}
	}
	return Field{}, false
}

// parseCount parses a non-negative integer: decimal with optional "_"
// between digits (100_000), or 0x, 0o, 0b with Go's syntax. A leading
// zero is decimal: 010 is ten.
func parseCount(s string) (int64, bool) {
	s = strings.TrimSpace(s)
	var v int64
	var err error
	if len(s) > 1 && s[0] == '0' && strings.ContainsRune("xXoObB", rune(s[1])) {
		v, err = strconv.ParseInt(s, 0, 64)
	} else {
		if s == "" || s[0] == '_' || s[len(s)-1] == '_' || strings.Contains(s, "__") {
			return 0, false
		}
		v, err = strconv.ParseInt(strings.ReplaceAll(s, "_", ""), 10, 64)
	}
	return v, err == nil && v >= 0
}

func parseDuration(s string) (time.Duration, bool) {
	d, err := time.ParseDuration(strings.TrimSpace(s))
	return d, err == nil && d >= 0
}

var sizeUnits = []struct {
	suffix string
	mult   int64
}{
	{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30},
	{"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"B", 1},
}

// ParseSize parses a byte count: "65536", "64MiB", "512KB", "1 GiB" (units
// B, KiB, MiB, GiB, KB, MB, GB). Policies and the CLI's size flags write
// sizes so.
func ParseSize(s string) (int64, bool) {
	s = strings.TrimSpace(s)
	mult := int64(1)
	for _, u := range sizeUnits {
		if rest, ok := strings.CutSuffix(s, u.suffix); ok {
			s, mult = strings.TrimSpace(rest), u.mult
			break
		}
	}
	if s == "" || strings.Trim(s, "0123456789") != "" {
		return 0, false
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil || v > math.MaxInt64/mult {
		return 0, false
	}
	return v * mult, true
}
