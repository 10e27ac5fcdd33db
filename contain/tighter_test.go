package contain

import (
	"testing"

	"github.com/scriptrun/scriptrun/limits"
	"github.com/scriptrun/scriptrun/policy"
)

// A tighten rule clamps every budget field it names, the ones policies
// gained from limits.Fields (stackDepth, input) too.
func TestTighterEveryField(t *testing.T) {
	for _, f := range limits.Fields() {
		var l policy.Limits
		f.Set(&l, 5)
		b := tighter(limits.Default(), l)
		if got := f.Get(b); got != 5 {
			t.Errorf("%s: tightened to %d, want 5", f.Name, got)
		}
		if got := tighter(limits.Budget{}, policy.Limits{}); got != (limits.Budget{}) {
			t.Errorf("no limits changed the budget: %+v", got)
		}
	}
}
