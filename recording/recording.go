package recording

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/scriptrun/scriptrun/limits"
)

// Version is the recording format this package writes and reads. A file of
// another version is refused (Read says which it has).
const Version = 1

// DefaultMaxSize bounds the file Read accepts and the recording a Recorder
// keeps (Options.MaxBytes): 64 MiB.
const DefaultMaxSize = 64 << 20

// Recording is one run as it happened: who ran what with which input,
// budget, seed and clock, every host call with its decision and what the
// script got back, and the outcome. It is plain data; Write and Read give
// its JSON form (see the package documentation).
type Recording struct {
	Version  int       `json:"version"`
	Script   Script    `json:"script"`
	Policy   *Policy   `json:"policy,omitempty"`
	Identity Identity  `json:"identity"`
	Input    Value     `json:"input"`
	Budget   Budget    `json:"budget"`
	Seed     uint64    `json:"seed,string"` // a string: JSON tools lose integers past 2^53
	Start    time.Time `json:"start"`       // wall clock when the run started
	// Clock is every read of the run's clock (the script's Date, the
	// policy's now, host functions' bridge.Run.Now), in order.
	Clock []Tick `json:"clock"`
	// Calls are the host calls that reached the policy, in order.
	Calls   []Call       `json:"calls"`
	Logs    []Log        `json:"logs"`
	Outcome Outcome      `json:"outcome"`
	Usage   limits.Usage `json:"usage"`
	// Incomplete says why the recorder stopped recording part of the run
	// (over Options.MaxBytes, an input outside the model). An incomplete
	// recording is for reading; Replay refuses it.
	Incomplete string `json:"incomplete,omitempty"`
}

// Script is the recorded script.
type Script struct {
	Name   string `json:"name"`
	Lang   string `json:"lang"`
	SHA256 string `json:"sha256"`
	// Source is the script's code when the recorder was given it: a
	// recording that holds it replays on its own, after the script has
	// changed or on another machine.
	Source *string `json:"source,omitempty"`
}

// Policy is the policy the run had.
type Policy struct {
	Name   string  `json:"name"`
	SHA256 string  `json:"sha256,omitempty"` // of Source, when given
	Source *string `json:"source,omitempty"` // the policy file as given to the recorder
}

// Identity is the script's tenant and labels.
type Identity struct {
	Tenant string            `json:"tenant,omitempty"`
	Labels map[string]string `json:"labels,omitempty"`
}

// Budget is the budget in force: an object keyed by the limits.Fields
// names ("steps", "hostCalls"), a duration field as a Go duration string
// ("2s"), the others as integers.
type Budget limits.Budget

func budgetOf(b limits.Budget) Budget { return Budget(b) }

// Limits returns b as a limits.Budget.
func (b Budget) Limits() limits.Budget { return limits.Budget(b) }

// MarshalJSON writes every field, in the order of limits.Fields.
func (b Budget) MarshalJSON() ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteByte('{')
	for i, f := range limits.Fields() {
		if i > 0 {
			buf.WriteByte(',')
		}
		buf.WriteString(strconv.Quote(f.Name) + ":")
		v := f.Get(limits.Budget(b))
		if f.Kind == limits.Duration {
			buf.WriteString(strconv.Quote(f.Format(v)))
		} else {
			buf.WriteString(strconv.FormatInt(v, 10))
		}
	}
	buf.WriteByte('}')
	return buf.Bytes(), nil
}

// UnmarshalJSON reads the fields it is given (others stay 0: the host's
// default); an unknown name is an error.
func (b *Budget) UnmarshalJSON(data []byte) error {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(data, &m); err != nil {
		return errors.New("budget: want an object of budget fields")
	}
	var out limits.Budget
	for k, raw := range m {
		f, ok := limits.FieldNamed(k)
		if !ok {
			return fmt.Errorf("budget: unknown field %q", k)
		}
		var v int64
		if f.Kind == limits.Duration {
			var s string
			d, err := time.Duration(0), json.Unmarshal(raw, &s)
			if err == nil {
				d, err = time.ParseDuration(s)
			}
			if err != nil {
				return fmt.Errorf("budget.%s: want a duration string such as \"2s\"", k)
			}
			v = int64(d)
		} else if err := json.Unmarshal(raw, &v); err != nil {
			return fmt.Errorf("budget.%s: want an integer", k)
		}
		f.Set(&out, v)
	}
	*b = Budget(out)
	return nil
}

// Tick is one clock read. Call is how many host calls the run had made
// when it was read (so a replay that reads the clock a different number of
// times between two calls still gets each call's own times).
type Tick struct {
	Call int       `json:"call"`
	Time time.Time `json:"t"`
}

// Call is one host call, or one further use a host function asked the
// policy about (in Checks, the uses of the call they belong to).
type Call struct {
	Capability string `json:"capability"`
	// Args are the arguments by param name as the script passed them;
	// params marked bridge.Param.Secret are redacted. For a further use,
	// the args the gate saw.
	Args map[string]Value `json:"args"`
	// PolicyArgs are the args the policy saw, when the function shows it
	// its own view of them (bridge.Func.PolicyArgs).
	PolicyArgs map[string]Value `json:"policyArgs,omitempty"`
	// Outcome is the decision: allow, deny, audit-deny (allowed, the
	// policy would deny) or error (the gate failed: a budget ran out).
	Outcome string `json:"outcome"`
	Rule    string `json:"rule,omitempty"`
	Message string `json:"message,omitempty"` // the deny rule's message
	// Result is what the script got (an allowed call that succeeded).
	Result *Value `json:"result,omitempty"`
	// Error is what the script got instead.
	Error *CallError `json:"error,omitempty"`
	// Checks are the further uses the host function asked about
	// (bridge.Run.Check), in order.
	Checks []Call `json:"checks,omitempty"`
}

// CallError is a host call's failure as the script saw it.
type CallError struct {
	// Kind: host (the function failed), denied, limit, stopped (the run
	// was stopped while the call ran: its cause is the run's outcome), or
	// error (anything else).
	Kind      string `json:"kind"`
	Message   string `json:"message"`
	Cause     string `json:"cause,omitempty"` // why a host function failed (the operator's view)
	Rule      string `json:"rule,omitempty"`
	Limit     string `json:"limit,omitempty"`
	Catchable bool   `json:"catchable,omitempty"`
}

// Log is one line of the run's log.
type Log struct {
	Level   string           `json:"level"`
	Message string           `json:"message"`
	Fields  map[string]Value `json:"fields,omitempty"`
}

// Outcome is how the run ended.
type Outcome struct {
	OK    bool   `json:"ok"`
	Value *Value `json:"value,omitempty"`
	Error *Error `json:"error,omitempty"`
}

// Error is a failed run's error, as `scriptrun run` prints it.
type Error struct {
	Kind       string   `json:"kind"`
	Limit      string   `json:"limit,omitempty"`
	Capability string   `json:"capability,omitempty"`
	Rule       string   `json:"rule,omitempty"`
	Message    string   `json:"message"`
	Pos        string   `json:"pos,omitempty"`
	Stack      []string `json:"stack,omitempty"`
}

// Write writes rec as indented JSON.
func Write(w io.Writer, rec *Recording) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", " ")
	return enc.Encode(rec)
}

// WriteFile writes rec to path atomically: to a temporary file in the
// same directory, synced, then renamed over path. A reader sees the old
// file or the whole new one, never a part.
func WriteFile(path string, rec *Recording) (err error) {
	var buf bytes.Buffer
	if err := Write(&buf, rec); err != nil {
		return fmt.Errorf("recording: %w", err)
	}
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("recording: %w", err)
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if _, err = f.Write(buf.Bytes()); err != nil {
		return fmt.Errorf("recording: %w", err)
	}
	if err = f.Sync(); err != nil {
		return fmt.Errorf("recording: %w", err)
	}
	if err = f.Close(); err != nil {
		return fmt.Errorf("recording: %w", err)
	}
	if err = os.Chmod(f.Name(), 0o644); err != nil {
		return fmt.Errorf("recording: %w", err)
	}
	if err = os.Rename(f.Name(), path); err != nil {
		return fmt.Errorf("recording: %w", err)
	}
	return nil
}

// FileError is a recording that cannot be read: Name (the file, when
// known), the position in it (Line and Col, 1-based, when the JSON is at
// fault) or the Path of the field (calls[3].args.key), and what is wrong.
type FileError struct {
	Name      string
	Line, Col int
	Path      string
	Msg       string
}

func (e *FileError) Error() string {
	s := e.Name
	if s == "" {
		s = "recording"
	}
	if e.Line > 0 {
		s += ":" + strconv.Itoa(e.Line) + ":" + strconv.Itoa(e.Col)
	}
	s += ": "
	if e.Path != "" {
		s += e.Path + ": "
	}
	return s + e.Msg
}

// ReadFile reads the recording at path (see Read).
func ReadFile(path string) (*Recording, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	rec, err := ReadLimit(f, DefaultMaxSize)
	var fe *FileError
	if errors.As(err, &fe) {
		fe.Name = path
	}
	return rec, err
}

// Read reads a recording of at most DefaultMaxSize bytes (see ReadLimit).
func Read(r io.Reader) (*Recording, error) { return ReadLimit(r, DefaultMaxSize) }

// ReadLimit reads a recording of at most max bytes. Everything about it is
// checked: the size (before parsing), the JSON (errors at line:col), the
// version, unknown fields, every value (in the model, nested at most 65
// levels) and the fields a replay relies on. Errors are *FileError.
func ReadLimit(r io.Reader, max int64) (*Recording, error) {
	data, err := io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		return nil, &FileError{Msg: err.Error()}
	}
	if int64(len(data)) > max {
		return nil, &FileError{Msg: fmt.Sprintf("larger than %d bytes", max)}
	}
	var head struct {
		Version *int `json:"version"`
	}
	if err := json.Unmarshal(data, &head); err != nil {
		return nil, jsonError(data, err)
	}
	switch {
	case head.Version == nil:
		return nil, &FileError{Path: "version", Msg: "missing: not a scriptrun recording"}
	case *head.Version != Version:
		return nil, &FileError{Path: "version", Msg: fmt.Sprintf("version %d; this scriptrun reads version %d", *head.Version, Version)}
	}
	d := json.NewDecoder(bytes.NewReader(data))
	d.DisallowUnknownFields()
	rec := &Recording{}
	if err := d.Decode(rec); err != nil {
		return nil, jsonError(data, err)
	}
	if err := rec.decode(); err != nil {
		var pe *pathError
		if errors.As(err, &pe) {
			return nil, &FileError{Path: pe.path, Msg: pe.msg}
		}
		return nil, &FileError{Msg: err.Error()}
	}
	return rec, nil
}

// jsonError places a encoding/json error in data.
func jsonError(data []byte, err error) error {
	var (
		se *json.SyntaxError
		te *json.UnmarshalTypeError
	)
	fe := &FileError{Msg: err.Error()}
	off := int64(-1)
	switch {
	case errors.As(err, &se):
		off = se.Offset
		if off >= int64(len(data)) {
			fe.Msg = "truncated: the JSON ends early"
		} else if off > 0 {
			off-- // Offset is just past the byte at fault
		}
	case errors.As(err, &te):
		off = te.Offset
		fe.Path = te.Field
		fe.Msg = fmt.Sprintf("want %s, got JSON %s", te.Type, te.Value)
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		off = int64(len(data))
		fe.Msg = "truncated: the JSON ends early"
	}
	if off >= 0 {
		fe.Line, fe.Col = lineCol(data, off)
	}
	return fe
}

func lineCol(data []byte, off int64) (int, int) {
	off = min(off, int64(len(data)))
	line, col := 1, 1
	for _, c := range data[:off] {
		if c == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
	}
	return line, col
}

// decode decodes the values Read kept raw and checks what a replay relies on.
func (rec *Recording) decode() error {
	var err error
	dv := func(v *Value, path string) {
		if err != nil || v == nil {
			return
		}
		var d Value
		d, err = decodeValue(v.raw, path)
		*v = d
		if err == nil && d.Redacted && !isArg(path) {
			err = &pathError{path, "only a host call's argument may be redacted"}
		}
	}
	dv(&rec.Input, "input")
	for i := range rec.Calls {
		if cerr := dcall(&rec.Calls[i], "calls["+strconv.Itoa(i)+"]", dv, false); cerr != nil && err == nil {
			err = cerr
		}
	}
	for i := range rec.Logs {
		for k, f := range rec.Logs[i].Fields {
			dv(&f, "logs["+strconv.Itoa(i)+"].fields."+k)
			rec.Logs[i].Fields[k] = f
		}
	}
	if rec.Outcome.OK && rec.Outcome.Value == nil {
		rec.Outcome.Value = &Value{} // "value": null
	}
	dv(rec.Outcome.Value, "outcome.value")
	if err != nil {
		return err
	}
	if rec.Script.Name == "" || rec.Script.Lang == "" || len(rec.Script.SHA256) != 64 {
		return &pathError{"script", "wants name, lang and a sha256 of 64 hex digits"}
	}
	if _, err := limits.Resolve(limits.Budget{}, rec.Budget.Limits(), limits.Budget{}); err != nil {
		return &pathError{"budget", strings.TrimPrefix(err.Error(), "budget: ")}
	}
	if rec.Outcome.OK == (rec.Outcome.Error != nil) {
		return &pathError{"outcome", "wants ok: true, or an error"}
	}
	last := -1
	for i, t := range rec.Clock {
		if t.Call < last || t.Call > len(rec.Calls) {
			return &pathError{"clock[" + strconv.Itoa(i) + "].call", "out of order or past the last call"}
		}
		last = t.Call
	}
	return nil
}

func isArg(path string) bool {
	return bytes.Contains([]byte(path), []byte(".args.")) || bytes.Contains([]byte(path), []byte(".policyArgs."))
}

func dcall(c *Call, path string, dv func(*Value, string), further bool) error {
	switch {
	case c.Capability == "":
		return &pathError{path + ".capability", "missing"}
	case c.Outcome != "allow" && c.Outcome != "deny" && c.Outcome != "audit-deny" && c.Outcome != "error":
		return &pathError{path + ".outcome", fmt.Sprintf("%q: want allow, deny, audit-deny or error", c.Outcome)}
	case further && len(c.Checks) > 0:
		return &pathError{path + ".checks", "a further use has no further uses"}
	case further && c.Result != nil:
		return &pathError{path + ".result", "a further use has no result"}
	case c.Result != nil && c.Error != nil:
		return &pathError{path, "both a result and an error"}
	case c.Error != nil && !callErrorKinds[c.Error.Kind]:
		return &pathError{path + ".error.kind", fmt.Sprintf("%q: want host, denied, limit, stopped or error", c.Error.Kind)}
	}
	for _, m := range [...]struct {
		args map[string]Value
		name string
	}{{c.Args, ".args."}, {c.PolicyArgs, ".policyArgs."}} {
		for k, a := range m.args {
			dv(&a, path+m.name+k)
			m.args[k] = a
		}
	}
	if !further && c.Result == nil && c.Error == nil && (c.Outcome == "allow" || c.Outcome == "audit-deny") {
		c.Result = &Value{} // a null result: "result": null reads as no result
	}
	dv(c.Result, path+".result")
	for i := range c.Checks {
		if err := dcall(&c.Checks[i], path+".checks["+strconv.Itoa(i)+"]", dv, true); err != nil {
			return err
		}
	}
	return nil
}

var callErrorKinds = map[string]bool{"host": true, "denied": true, "limit": true, "stopped": true, "error": true}
