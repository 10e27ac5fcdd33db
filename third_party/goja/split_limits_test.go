package goja

import (
	"errors"
	"testing"
)

// TestSplitChargesItsResult: the array split builds is checked against
// MaxArrayLen and charged to the memory meter as it grows, for string and
// RegExp separators alike.
func TestSplitChargesItsResult(t *testing.T) {
	errMeter := errors.New("over budget")
	for _, src := range []string{
		`s.split("")`,
		`s.split("x")`,
		`s.split(/x/)`,
		`s.split(/(?=x)/)`,
	} {
		t.Run(src, func(t *testing.T) {
			r := New()
			if _, err := r.RunString(`var s = "x".repeat(1e6)`); err != nil {
				t.Fatal(err)
			}
			var used int64
			r.SetMemoryMeter(func(n int64) error {
				if used += n; used > 1<<20 {
					return errMeter
				}
				return nil
			})
			_, err := r.RunString(src)
			if !errors.Is(err, errMeter) {
				t.Errorf("got %v, want the meter's error", err)
			}
		})
	}
	r := New()
	r.SetLimits(Limits{MaxArrayLen: 1000})
	_, err := r.RunString(`"x".repeat(2000).split("")`)
	var ex *Exception
	if !errors.As(err, &ex) {
		t.Fatalf("got %v, want a RangeError", err)
	}
	v, err := r.RunString(`"a,b,c".split(",").join("") + "a1b".split(/\d/).length`)
	if err != nil || v.String() != "abc2" {
		t.Errorf("ordinary split: %v %v", v, err)
	}
}

// TestMatchListsCharged: the list of matches a global replace or match
// collects over a long string is charged to the memory meter.
func TestMatchListsCharged(t *testing.T) {
	errMeter := errors.New("over budget")
	for _, src := range []string{
		`s.replace(/x/g, "y")`,
		`s.match(/x/g)`,
		`s.replace(/(?<=x)x/g, "y")`,
	} {
		t.Run(src, func(t *testing.T) {
			r := New()
			if _, err := r.RunString(`var s = "x".repeat(1e6)`); err != nil {
				t.Fatal(err)
			}
			var used int64
			r.SetMemoryMeter(func(n int64) error {
				if used += n; used > 8<<20 {
					return errMeter
				}
				return nil
			})
			_, err := r.RunString(src)
			if !errors.Is(err, errMeter) {
				t.Errorf("got %v, want the meter's error", err)
			}
		})
	}
}
