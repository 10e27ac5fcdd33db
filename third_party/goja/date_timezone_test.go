package goja

import (
	"testing"
	"time"
)

// SetTimeZone decides local time, whatever time.Local is.
func TestSetTimeZone(t *testing.T) {
	old := time.Local
	time.Local = time.FixedZone("host", -5*3600)
	defer func() { time.Local = old }()
	vm := New()
	vm.SetTimeZone(time.UTC)
	vm.SetTimeSource(func() time.Time { return time.Unix(0, 0) })
	v, err := vm.RunString(`
		var d = new Date(0);
		var p = new Date(2000, 0, 1, 12, 30);
		p.setHours(13);
		[d.getHours(), d.getTimezoneOffset(), p.toISOString(), String(d).indexOf("GMT+0000") > 0,
		 new Date("2000-01-01T00:00:00").getTime() === Date.UTC(2000, 0, 1),
		 Date().indexOf("00:00:00 GMT+0000") > 0].join()`)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := v.String(), "0,0,2000-01-01T13:30:00.000Z,true,true,true"; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
	// Without SetTimeZone, time.Local as before.
	v, err = New().RunString(`new Date(0).getHours()`)
	if err != nil {
		t.Fatal(err)
	}
	if v.ToInteger() != 19 {
		t.Errorf("hours in time.Local: %v, want 19", v)
	}
}
