package bridge

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"sort"
)

// Type is the declared type of a parameter.
type Type int

// Parameter types. Bytes accepts bytes or a string (its UTF-8 bytes); Number
// accepts any number; Int only whole numbers.
const (
	Any Type = iota
	Bool
	Int
	Number
	String
	Bytes
	List
	Map
)

var typeNames = [...]string{"any", "bool", "int", "number", "string", "bytes", "list", "map"}

func (t Type) String() string {
	if int(t) < len(typeNames) {
		return typeNames[t]
	}
	return "type(" + fmt.Sprint(int(t)) + ")"
}

// Param declares one parameter of a host function.
type Param struct {
	Name     string `json:"name"`
	Type     Type   `json:"type"`
	Optional bool   `json:"optional,omitempty"` // an optional param may be omitted or null
	Doc      string `json:"doc,omitempty"`
	// Secret marks a value that must not be written anywhere a person
	// reads it later (a token, a password): audit logs that log arguments
	// and recordings show it redacted.
	Secret bool `json:"secret,omitempty"`
}

// Func is one host function. Impl gets the run's ctx (with its deadline) and
// the arguments, already validated and copied, keyed by param name (omitted
// optional params are absent). It returns a value in the model (see Copy) or
// an error, which the script sees as a host error.
type Func struct {
	Name   string
	Params []Param
	Doc    string
	Impl   func(ctx context.Context, args Args) (any, error)
	// PolicyArgs, when set, gives the args the gate (the policy's `args`)
	// and the audit log see instead of the call's own, so a module shows
	// the policy what it decides on and nothing else (bridge/http: url,
	// method, header names and body size, never header values). It gets
	// the validated args and returns values in the model; an error stops
	// the call before the gate as an *ArgError with the error's text.
	PolicyArgs func(args Args) (Args, error)
}

// Args are the validated arguments of one call.
type Args map[string]any

// String returns the named string argument ("" if absent).
func (a Args) String(name string) string { s, _ := a[name].(string); return s }

// Int returns the named int argument (0 if absent).
func (a Args) Int(name string) int64 { i, _ := a[name].(int64); return i }

// Bytes returns the named bytes argument (nil if absent).
func (a Args) Bytes(name string) []byte { b, _ := a[name].([]byte); return b }

// Module is a named set of host functions. Capability names are
// "module.function".
type Module struct {
	Name  string
	Doc   string
	Funcs []*Func
}

var nameRE = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)

// Registry is the immutable set of modules a host exposes. Safe for
// concurrent use.
type Registry struct {
	modules []*Module
	funcs   map[string]*Func
}

// NewRegistry validates the modules (names, unique functions, params) and
// returns a registry. The registry keeps copies of the modules, their
// functions and params: changing a Module or Func afterwards changes
// nothing in it.
func NewRegistry(mods ...*Module) (*Registry, error) {
	r := &Registry{funcs: map[string]*Func{}}
	seen := map[string]bool{}
	for _, m := range mods {
		if m == nil {
			return nil, fmt.Errorf("bridge: nil module")
		}
		if !nameRE.MatchString(m.Name) {
			return nil, fmt.Errorf("bridge: module name %q must match %s", m.Name, nameRE)
		}
		if seen[m.Name] {
			return nil, fmt.Errorf("bridge: module %q registered twice", m.Name)
		}
		seen[m.Name] = true
		mc := &Module{Name: m.Name, Doc: m.Doc, Funcs: make([]*Func, 0, len(m.Funcs))}
		for _, f := range m.Funcs {
			if f == nil || f.Impl == nil {
				return nil, fmt.Errorf("bridge: module %q has a function without an implementation", m.Name)
			}
			if !nameRE.MatchString(f.Name) {
				return nil, fmt.Errorf("bridge: function name %q in module %q must match %s", f.Name, m.Name, nameRE)
			}
			cap := m.Name + "." + f.Name
			if r.funcs[cap] != nil {
				return nil, fmt.Errorf("bridge: function %s registered twice", cap)
			}
			optional := false
			pnames := map[string]bool{}
			for _, p := range f.Params {
				if !nameRE.MatchString(p.Name) || pnames[p.Name] {
					return nil, fmt.Errorf("bridge: %s: bad or repeated param name %q", cap, p.Name)
				}
				pnames[p.Name] = true
				if optional && !p.Optional {
					return nil, fmt.Errorf("bridge: %s: required param %q after an optional one", cap, p.Name)
				}
				optional = optional || p.Optional
			}
			fc := cloneFunc(f)
			r.funcs[cap] = fc
			mc.Funcs = append(mc.Funcs, fc)
		}
		r.modules = append(r.modules, mc)
	}
	sort.Slice(r.modules, func(i, j int) bool { return r.modules[i].Name < r.modules[j].Name })
	return r, nil
}

// cloneFunc copies f and its params (every other field is a value or a
// func, copied whole).
func cloneFunc(f *Func) *Func {
	fc := *f
	fc.Params = slices.Clone(f.Params)
	return &fc
}

// Modules returns copies of the registered modules, sorted by name.
func (r *Registry) Modules() []*Module {
	out := make([]*Module, len(r.modules))
	for i, m := range r.modules {
		mc := &Module{Name: m.Name, Doc: m.Doc, Funcs: make([]*Func, len(m.Funcs))}
		for j, f := range m.Funcs {
			mc.Funcs[j] = cloneFunc(f)
		}
		out[i] = mc
	}
	return out
}

// ModuleSpec is the shape of a module as a script sees it: names and
// declared params, no implementation. Backends build the script's `host`
// object from specs, so the same backend code runs in a worker process whose
// modules live in the parent. It is plain data (JSON-serialisable).
type ModuleSpec struct {
	Name  string     `json:"name"`
	Funcs []FuncSpec `json:"funcs"`
}

// FuncSpec is the shape of one host function.
type FuncSpec struct {
	Name   string  `json:"name"`
	Params []Param `json:"params,omitempty"`
}

// Specs returns the shapes of the registered modules, sorted by name. The
// result is a fresh copy.
func (r *Registry) Specs() []ModuleSpec {
	out := make([]ModuleSpec, len(r.modules))
	for i, m := range r.modules {
		out[i] = ModuleSpec{Name: m.Name, Funcs: make([]FuncSpec, len(m.Funcs))}
		for j, f := range m.Funcs {
			out[i].Funcs[j] = FuncSpec{Name: f.Name, Params: append([]Param(nil), f.Params...)}
		}
	}
	return out
}

// Lookup returns the function for a capability name, or nil.
func (r *Registry) Lookup(capability string) *Func { return r.funcs[capability] }
