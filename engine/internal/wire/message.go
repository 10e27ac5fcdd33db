package wire

import (
	"maps"
	"slices"
	"time"

	"github.com/scriptrun/scriptrun/limits"
	"github.com/scriptrun/scriptrun/loc"
)

// Hello is the worker's first frame: who it is and which containment
// layers are in force (Layers) or missing, with the reason (Missing:
// "name: why").
type Hello struct {
	PID     int64
	Layers  []string
	Missing []string
}

// Param, Func and Module describe the host object a script sees (names and
// declared params only: the functions live in the parent).
type Param struct {
	Name     string
	Type     int64
	Optional bool
}

// Func is one host function's shape.
type Func struct {
	Name   string
	Params []Param
}

// Module is one host module's shape.
type Module struct {
	Name  string
	Funcs []Func
}

// Start asks the worker to run one script.
type Start struct {
	Run                     uint64 // the run's number on this worker; Stop names it
	Name, Lang, SHA, Source string
	Input                   any
	Modules                 []Module
	Budget                  limits.Budget
	Seed                    uint64
	// Clock: the script's clock is the parent's (each read is a Clock
	// frame answered by a Reply holding Unix nanoseconds); false: the
	// worker's real time.
	Clock bool
	// Tenant and Labels are the script's identity (engine.ScriptInfo;
	// Name, Lang and SHA are the rest of it).
	Tenant string
	Labels map[string]string
}

// Call is a host call from the script. Steps is the run's step count when
// the call was made (policies see usage.steps).
type Call struct {
	Capability string
	Args       []any
	Steps      int64
}

// Clock asks for the script's clock.
type Clock struct{}

// CallError is a failed host call, with enough fields to rebuild the same
// error type in the worker.
type CallError struct {
	Kind       string // "arg", "host", "denied", "limit", "canceled", "internal"
	Capability string
	Param      string
	Rule       string
	Message    string
	Limit      string // for "limit": the Budget field
	Value      string // for "limit": its value
	Catchable  bool   // for "denied"
	Deadline   bool   // for "canceled": the caller's deadline
}

// Reply answers a Call or Clock: Value, or Err.
type Reply struct {
	Value any
	Err   *CallError
}

// Log is one line of the script's log.
type Log struct {
	Level, Message string
}

// Stop tells the worker the run must stop: the parent's own limit (Kind
// "limit", with Limit and Value) or the caller's cancel (Kind "canceled").
type Stop struct {
	Run                uint64 // the Start it is for; a stop for another run is ignored
	Kind, Limit, Value string
	Deadline           bool
}

// ResultError is a failed run, field for field engine.Error without its
// Go cause. Pos and Stack cross as their fields, never as rendered text.
type ResultError struct {
	Kind, Limit, Capability, Rule, Message string
	Pos                                    loc.Pos
	Stack                                  []loc.Frame
	Cause                                  string // for KindInternal: the cause's first line, for the host's log
}

// Result ends a run: Value or Err, what the worker measured, and its heap
// after the run (the parent recycles workers whose heap grows).
type Result struct {
	Value  any
	Err    *ResultError
	Steps  int64
	Memory int64
	CPU    time.Duration
	Heap   uint64
}

// Type returns the frame type of each message.
func (*Hello) Type() Type  { return THello }
func (*Start) Type() Type  { return TStart }
func (*Call) Type() Type   { return TCall }
func (*Clock) Type() Type  { return TClock }
func (*Reply) Type() Type  { return TReply }
func (*Log) Type() Type    { return TLog }
func (*Stop) Type() Type   { return TStop }
func (*Result) Type() Type { return TResult }

func (m *Hello) encode(e *Encoder) {
	e.varint(m.PID)
	e.strs(m.Layers)
	e.strs(m.Missing)
}

func (m *Start) encode(e *Encoder) {
	e.uvarint(m.Run)
	e.str(m.Name)
	e.str(m.Lang)
	e.str(m.SHA)
	e.str(m.Source)
	e.value(m.Input, 0)
	e.uvarint(uint64(len(m.Modules)))
	for _, mod := range m.Modules {
		e.str(mod.Name)
		e.uvarint(uint64(len(mod.Funcs)))
		for _, f := range mod.Funcs {
			e.str(f.Name)
			e.uvarint(uint64(len(f.Params)))
			for _, p := range f.Params {
				e.str(p.Name)
				e.varint(p.Type)
				e.boolean(p.Optional)
			}
		}
	}
	for _, f := range limits.Fields() { // in Budget's order
		e.varint(f.Get(m.Budget))
	}
	e.uvarint(m.Seed)
	e.boolean(m.Clock)
	e.str(m.Tenant)
	kv := make([]string, 0, 2*len(m.Labels))
	for _, k := range slices.Sorted(maps.Keys(m.Labels)) {
		kv = append(kv, k, m.Labels[k])
	}
	e.strs(kv)
}

func (m *Call) encode(e *Encoder) {
	e.str(m.Capability)
	e.value(m.Args, 0)
	e.varint(m.Steps)
}

func (m *Clock) encode(*Encoder) {}

func (m *Reply) encode(e *Encoder) {
	if m.Err == nil {
		e.boolean(false)
		e.value(m.Value, 0)
		return
	}
	e.boolean(true)
	c := m.Err
	for _, s := range []string{c.Kind, c.Capability, c.Param, c.Rule, c.Message, c.Limit, c.Value} {
		e.str(s)
	}
	e.boolean(c.Catchable)
	e.boolean(c.Deadline)
}

func (m *Log) encode(e *Encoder) {
	e.str(m.Level)
	e.str(m.Message)
}

func (m *Stop) encode(e *Encoder) {
	e.uvarint(m.Run)
	e.str(m.Kind)
	e.str(m.Limit)
	e.str(m.Value)
	e.boolean(m.Deadline)
}

func (m *Result) encode(e *Encoder) {
	if m.Err == nil {
		e.boolean(false)
		e.value(m.Value, 0)
	} else {
		e.boolean(true)
		r := m.Err
		for _, s := range []string{r.Kind, r.Limit, r.Capability, r.Rule, r.Message} {
			e.str(s)
		}
		e.pos(r.Pos)
		e.frames(r.Stack)
		e.str(r.Cause)
	}
	e.varint(m.Steps)
	e.varint(m.Memory)
	e.varint(int64(m.CPU))
	e.uvarint(m.Heap)
}

// Decode decodes the payload of a frame of type t. The message holds no
// reference to payload.
func Decode(t Type, payload []byte) (Message, error) {
	d := &Decoder{b: payload}
	var m Message
	switch t {
	case THello:
		h := &Hello{PID: d.varint(), Layers: d.strs(), Missing: d.strs()}
		m = h
	case TStart:
		s := &Start{Run: d.uvarint(), Name: d.str(), Lang: d.str(), SHA: d.str(), Source: d.str(), Input: d.value(0)}
		if n := d.length(2); n > 0 {
			s.Modules = make([]Module, n)
			for i := range s.Modules {
				mod := &s.Modules[i]
				mod.Name = d.str()
				if n := d.length(2); n > 0 {
					mod.Funcs = make([]Func, n)
					for j := range mod.Funcs {
						f := &mod.Funcs[j]
						f.Name = d.str()
						if n := d.length(3); n > 0 {
							f.Params = make([]Param, n)
							for k := range f.Params {
								f.Params[k] = Param{Name: d.str(), Type: d.varint(), Optional: d.boolean()}
							}
						}
					}
				}
			}
		}
		for _, f := range limits.Fields() {
			f.Set(&s.Budget, d.varint())
		}
		s.Seed = d.uvarint()
		s.Clock = d.boolean()
		s.Tenant = d.str()
		if kv := d.strs(); len(kv) > 0 {
			if len(kv)%2 != 0 {
				d.fail("labels: %d strings, want key/value pairs", len(kv))
			}
			s.Labels = make(map[string]string, len(kv)/2)
			for i := 0; i+1 < len(kv); i += 2 {
				if _, dup := s.Labels[kv[i]]; dup {
					d.fail("labels: key %q twice", kv[i])
				}
				s.Labels[kv[i]] = kv[i+1]
			}
		}
		m = s
	case TCall:
		c := &Call{Capability: d.str()}
		args := d.value(0)
		if l, ok := args.([]any); ok || args == nil {
			c.Args = l
		} else {
			d.fail("call args are not a list")
		}
		c.Steps = d.varint()
		m = c
	case TClock:
		m = &Clock{}
	case TReply:
		r := &Reply{}
		if d.boolean() {
			r.Err = &CallError{Kind: d.str(), Capability: d.str(), Param: d.str(), Rule: d.str(),
				Message: d.str(), Limit: d.str(), Value: d.str(), Catchable: d.boolean(), Deadline: d.boolean()}
		} else {
			r.Value = d.value(0)
		}
		m = r
	case TLog:
		m = &Log{Level: d.str(), Message: d.str()}
	case TStop:
		m = &Stop{Run: d.uvarint(), Kind: d.str(), Limit: d.str(), Value: d.str(), Deadline: d.boolean()}
	case TResult:
		r := &Result{}
		if d.boolean() {
			r.Err = &ResultError{Kind: d.str(), Limit: d.str(), Capability: d.str(), Rule: d.str(),
				Message: d.str(), Pos: d.pos(), Stack: d.frames(), Cause: d.str()}
		} else {
			r.Value = d.value(0)
		}
		r.Steps, r.Memory, r.CPU, r.Heap = d.varint(), d.varint(), time.Duration(d.varint()), d.uvarint()
		m = r
	default:
		return nil, frameErr("unknown frame type %d", byte(t))
	}
	if err := d.end(); err != nil {
		return nil, err
	}
	return m, nil
}
