package goja

import (
	"errors"
	"strings"
	"testing"
)

// TestJoinSeparatorsOverLimit: a join whose separators alone exceed
// MaxStringLen throws the RangeError at once instead of visiting every hole.
func TestJoinSeparatorsOverLimit(t *testing.T) {
	r := New()
	var charged int64
	r.SetStepMeter(budgetMeter(10000, 4096, &charged))
	_, err := r.RunString(`Array(2**28).join("abcd")`)
	var ex *Exception
	if !errors.As(err, &ex) || !strings.Contains(ex.Error(), "RangeError: Invalid string length") {
		t.Fatalf("got %v, want the RangeError", err)
	}
	r = New()
	r.SetLimits(Limits{MaxStringLen: 10})
	v, err := r.RunString(`[1, 2, 3].join("--") + "|" + Array(11).join("")`)
	if err != nil || v.String() != "1--2--3|" {
		t.Errorf("joins under the limit: %v %v", v, err)
	}
	if _, err := r.RunString(`Array(7).join("--")`); !errors.As(err, &ex) {
		t.Errorf("12 separator units over a limit of 10: got %v, want a RangeError", err)
	}
}
