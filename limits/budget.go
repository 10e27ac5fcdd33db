package limits

import (
	"fmt"
	"time"
)

// Budget holds the numbers a run may use. A zero field means "use the
// default", never "unlimited": call Resolve to get the numbers in force.
//
// A Budget is a plain value; copy it freely.
type Budget struct {
	Steps      int64         // script steps: VM instructions (JS and Lua) and iterations of built-in loops over script data (JS)
	Memory     int64         // bytes the script may allocate through metered built-ins and conversions
	Timeout    time.Duration // wall time of the run
	CPU        time.Duration // CPU time of the goroutine running the script
	HostCalls  int64         // number of host function calls
	Output     int64         // bytes of the run's result, as JSON
	Logs       int64         // bytes written to the run's log (console.*, print)
	StackDepth int64         // call depth of the script
	Source     int64         // bytes of script source
	Input      int64         // bytes of the run's input, as JSON
}

// Field names of Budget as they appear in errors, the CLI and policies
// (Field.Name; Fields describes each).
const (
	Steps      = "steps"
	Memory     = "memory"
	Timeout    = "timeout"
	CPU        = "cpu"
	HostCalls  = "hostCalls"
	Output     = "output"
	Logs       = "logs"
	StackDepth = "stackDepth"
	Source     = "source"
	Input      = "input"
)

// Default returns the budget used for every field a run leaves at zero
// (Field.Default of each field).
func Default() Budget {
	var b Budget
	for _, f := range fields {
		f.Set(&b, f.Default)
	}
	return b
}

// MaxStackDepth is the highest StackDepth a run may ask for. Recursion through
// built-ins uses the Go stack, so the script's depth stays bounded.
const MaxStackDepth = 2000

// Resolve returns the budget in force for a run: start from def, let every
// non-zero field of run replace the default, then clamp each field to the
// matching non-zero field of ceiling (a policy's limits; the tighter wins),
// and to the field's Max. Negative fields are rejected.
func Resolve(def, run, ceiling Budget) (Budget, error) {
	if err := run.Validate("budget"); err != nil {
		return Budget{}, err
	}
	if err := ceiling.Validate("ceiling"); err != nil {
		return Budget{}, err
	}
	out := def
	for _, f := range fields {
		v := f.Get(out)
		if r := f.Get(run); r > 0 {
			v = r
		}
		if c := f.Get(ceiling); c > 0 && v > c {
			v = c
		}
		if f.Max > 0 && v > f.Max {
			v = f.Max
		}
		f.Set(&out, v)
	}
	return out, nil
}

// Validate returns an error naming the first negative field of b; what
// says whose budget it is ("budget", "limits").
func (b Budget) Validate(what string) error {
	for _, f := range fields {
		if v := f.Get(b); v < 0 {
			return fmt.Errorf("%s: %s must not be negative, got %s", what, f.Name, f.Format(v))
		}
	}
	return nil
}

// Value returns the budget's value for the named field, formatted for humans
// ("2s", "1048576"); "" for an unknown name.
func (b Budget) Value(name string) string {
	f, ok := FieldNamed(name)
	if !ok {
		return ""
	}
	return f.Format(f.Get(b))
}
