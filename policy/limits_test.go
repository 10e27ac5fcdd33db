package policy

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/scriptrun/scriptrun/limits"
)

// Every budget field with a policy key is read from `limits:`, in its
// kind's syntax; the others are refused by name.
func TestLimitsKeys(t *testing.T) {
	sample := map[limits.Kind]struct {
		yaml string
		want int64
	}{
		limits.Count:    {"1_000", 1000},
		limits.Size:     {"64KiB", 64 << 10},
		limits.Duration: {"1500ms", int64(1500 * time.Millisecond)},
	}
	keys := 0
	for _, f := range limits.Fields() {
		s := sample[f.Kind]
		src := fmt.Sprintf("name: x\nlimits:\n  %s: %s\n", f.Name, s.yaml)
		p, err := Parse("p.yaml", []byte(src), Options{})
		if f.Key == "" {
			want := "p.yaml:3:3: limits: a policy cannot cap " + f.Name
			if err == nil || err.Error() != want {
				t.Errorf("limits.%s: error %v, want %q", f.Name, err, want)
			}
			continue
		}
		keys++
		if err != nil {
			t.Errorf("limits.%s: %v", f.Key, err)
			continue
		}
		if got := f.Get(p.Limits); got != s.want {
			t.Errorf("limits.%s: %s gave %d, want %d", f.Key, s.yaml, got, s.want)
		}
		var other limits.Budget
		f.Set(&other, s.want)
		if p.Limits != other {
			t.Errorf("limits.%s set other fields too: %+v", f.Key, p.Limits)
		}
	}
	if keys < 9 {
		t.Errorf("only %d policy keys", keys)
	}
	// A count must be a YAML integer; the stack depth has a maximum.
	for src, want := range map[string]string{
		"name: x\nlimits: {steps: '100'}\n":     `p.yaml:2:17: limits.steps: want a non-negative integer, got "100"`,
		"name: x\nlimits: {stackDepth: 5000}\n": `p.yaml:2:22: limits.stackDepth: want at most 2000, got "5000"`,
	} {
		if _, err := Parse("p.yaml", []byte(src), Options{}); err == nil || err.Error() != want {
			t.Errorf("%q: error %v, want %q", src, err, want)
		}
	}
	// A policy built in Go cannot cap the source either.
	if _, err := New(Policy{Name: "x", Limits: Limits{Source: 10}}, Options{}); err == nil || !strings.Contains(err.Error(), "cannot cap source") {
		t.Errorf("New with Limits.Source: %v", err)
	}
}
