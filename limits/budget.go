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

// Field names of Budget as they appear in errors, the CLI and policies.
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

// Default returns the budget used for every field a run leaves at zero.
func Default() Budget {
	return Budget{
		Steps:      100_000_000,
		Memory:     64 << 20,
		Timeout:    2 * time.Second,
		CPU:        time.Second,
		HostCalls:  100,
		Output:     1 << 20,
		Logs:       64 << 10,
		StackDepth: 1000,
		Source:     1 << 20,
		Input:      1 << 20,
	}
}

// MaxStackDepth is the highest StackDepth a run may ask for. Recursion through
// built-ins uses the Go stack, so the script's depth stays bounded.
const MaxStackDepth = 2000

// Resolve returns the budget in force for a run: start from def, let every
// non-zero field of run replace the default, then clamp each field to the
// matching non-zero field of ceiling (a policy's limits; the tighter wins).
// Negative fields are rejected.
func Resolve(def, run, ceiling Budget) (Budget, error) {
	if err := run.validate("budget"); err != nil {
		return Budget{}, err
	}
	if err := ceiling.validate("ceiling"); err != nil {
		return Budget{}, err
	}
	out := def
	pick := func(dst *int64, r, c int64) {
		if r > 0 {
			*dst = r
		}
		if c > 0 && *dst > c {
			*dst = c
		}
	}
	pickD := func(dst *time.Duration, r, c time.Duration) {
		if r > 0 {
			*dst = r
		}
		if c > 0 && *dst > c {
			*dst = c
		}
	}
	pick(&out.Steps, run.Steps, ceiling.Steps)
	pick(&out.Memory, run.Memory, ceiling.Memory)
	pickD(&out.Timeout, run.Timeout, ceiling.Timeout)
	pickD(&out.CPU, run.CPU, ceiling.CPU)
	pick(&out.HostCalls, run.HostCalls, ceiling.HostCalls)
	pick(&out.Output, run.Output, ceiling.Output)
	pick(&out.Logs, run.Logs, ceiling.Logs)
	pick(&out.StackDepth, run.StackDepth, ceiling.StackDepth)
	pick(&out.Source, run.Source, ceiling.Source)
	pick(&out.Input, run.Input, ceiling.Input)
	if out.StackDepth > MaxStackDepth {
		out.StackDepth = MaxStackDepth
	}
	return out, nil
}

func (b Budget) validate(what string) error {
	for _, f := range b.fields() {
		if f.v < 0 {
			return fmt.Errorf("%s: %s must not be negative, got %d", what, f.name, f.v)
		}
	}
	return nil
}

type field struct {
	name string
	v    int64
}

func (b Budget) fields() []field {
	return []field{
		{Steps, b.Steps}, {Memory, b.Memory}, {Timeout, int64(b.Timeout)}, {CPU, int64(b.CPU)},
		{HostCalls, b.HostCalls}, {Output, b.Output}, {Logs, b.Logs}, {StackDepth, b.StackDepth},
		{Source, b.Source}, {Input, b.Input},
	}
}

// Value returns the budget's value for the named field, formatted for humans
// ("2s", "1048576"); "" for an unknown name.
func (b Budget) Value(name string) string {
	switch name {
	case Timeout:
		return b.Timeout.String()
	case CPU:
		return b.CPU.String()
	}
	for _, f := range b.fields() {
		if f.name == name {
			return fmt.Sprint(f.v)
		}
	}
	return ""
}
