package limits_test

import (
	"reflect"
	"testing"
	"time"

	"github.com/scriptrun/scriptrun/limits"
)

// The table describes every field of Budget once, each field by its own
// names, and its defaults are Default's.
func TestFields(t *testing.T) {
	fields := limits.Fields()
	if n := reflect.TypeOf(limits.Budget{}).NumField(); len(fields) != n {
		t.Fatalf("%d fields described, Budget has %d", len(fields), n)
	}
	names, keys, flags := map[string]bool{}, map[string]bool{}, map[string]bool{}
	for i, f := range fields {
		if names[f.Name] || flags[f.Flag] || f.Key != "" && keys[f.Key] {
			t.Errorf("%s: name, key or flag described twice", f.Name)
		}
		names[f.Name], keys[f.Key], flags[f.Flag] = true, true, true
		// Set reaches Budget's i-th field and no other.
		var b limits.Budget
		f.Set(&b, 7)
		v := reflect.ValueOf(b)
		for j := 0; j < v.NumField(); j++ {
			if got := v.Field(j).Int(); (got == 7) != (i == j) {
				t.Errorf("%s: Set(7) gave field %s %d", f.Name, v.Type().Field(j).Name, got)
			}
		}
		if f.Get(b) != 7 {
			t.Errorf("%s: Get after Set(7) = %d", f.Name, f.Get(b))
		}
		if got := f.Get(limits.Default()); got != f.Default {
			t.Errorf("%s: Default() has %d, the table %d", f.Name, got, f.Default)
		}
		if isDur := v.Field(i).Type() == reflect.TypeOf(time.Duration(0)); isDur != (f.Kind == limits.Duration) {
			t.Errorf("%s: kind %v for a field of type %v", f.Name, f.Kind, v.Field(i).Type())
		}
		if f.Doc == "" || f.Flag == "" {
			t.Errorf("%s: no doc or no flag", f.Name)
		}
		if got, ok := limits.FieldNamed(f.Name); !ok || got.Name != f.Name {
			t.Errorf("FieldNamed(%q) = %v, %v", f.Name, got.Name, ok)
		}
	}
	if _, ok := limits.FieldNamed("nope"); ok {
		t.Errorf("FieldNamed(nope) found a field")
	}
}

func TestFieldParse(t *testing.T) {
	steps, _ := limits.FieldNamed(limits.Steps)
	memory, _ := limits.FieldNamed(limits.Memory)
	timeout, _ := limits.FieldNamed(limits.Timeout)
	depth, _ := limits.FieldNamed(limits.StackDepth)
	tests := []struct {
		f    limits.Field
		in   string
		want int64
		err  string
	}{
		{steps, "100000", 100000, ""},
		{steps, " 100_000 ", 100000, ""},
		{steps, "010", 10, ""},
		{steps, "0x10", 16, ""},
		{steps, "0", 0, ""},
		{steps, "-1", 0, "want a non-negative integer"},
		{steps, "1__0", 0, "want a non-negative integer"},
		{steps, "_1", 0, "want a non-negative integer"},
		{steps, "1e6", 0, "want a non-negative integer"},
		{steps, "", 0, "want a non-negative integer"},
		{memory, "64KiB", 64 << 10, ""},
		{memory, "1 MB", 1e6, ""},
		{memory, "65536", 65536, ""},
		{memory, "64k", 0, "want a size like 65536, 64KiB or 1MB"},
		{memory, "9999999999GiB", 0, "want a size like 65536, 64KiB or 1MB"},
		{timeout, "500ms", int64(500 * time.Millisecond), ""},
		{timeout, "0", 0, ""},
		{timeout, "-1s", 0, "want a duration like 2s or 500ms"},
		{timeout, "2", 0, "want a duration like 2s or 500ms"},
		{depth, "2000", 2000, ""},
		{depth, "2001", 0, "want at most 2000"},
	}
	for _, tt := range tests {
		got, err := tt.f.Parse(tt.in)
		if got != tt.want || (err == nil) != (tt.err == "") || err != nil && err.Error() != tt.err {
			t.Errorf("%s.Parse(%q) = %d, %v; want %d, %q", tt.f.Name, tt.in, got, err, tt.want, tt.err)
		}
	}
}

func TestFieldHuman(t *testing.T) {
	tests := []struct {
		name string
		v    int64
		want string
	}{
		{limits.Steps, 100_000_000, "100,000,000"},
		{limits.Steps, 1000, "1000"},
		{limits.Steps, 12345, "12,345"},
		{limits.Memory, 64 << 20, "64 MiB"},
		{limits.Memory, 1500, "1500"},
		{limits.Logs, 64 << 10, "64 KiB"},
		{limits.Timeout, int64(2 * time.Second), "2s"},
	}
	for _, tt := range tests {
		f, _ := limits.FieldNamed(tt.name)
		if got := f.Human(tt.v); got != tt.want {
			t.Errorf("%s.Human(%d) = %q, want %q", tt.name, tt.v, got, tt.want)
		}
	}
}
