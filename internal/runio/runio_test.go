package runio

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/scriptrun/scriptrun/bridge"
	"github.com/scriptrun/scriptrun/engine"
)

func TestEncodeHostCause(t *testing.T) {
	he := &bridge.HostError{Capability: "kv.get", Msg: "host function failed", Err: errors.New("dial tcp 10.0.0.5:5432: refused")}
	err := &engine.Error{Kind: engine.KindHost, Capability: "kv.get", Message: "kv.get: host function failed", Err: he}
	for _, tt := range []struct {
		o    Options
		want string
	}{
		{Options{HostCause: true}, "kv.get: host function failed: dial tcp 10.0.0.5:5432: refused"},
		{Options{}, "kv.get: host function failed"},
	} {
		out, e := Encode(&engine.Result{}, err, tt.o)
		if e == nil || e.Kind != engine.KindHost {
			t.Fatalf("Encode returned %v", e)
		}
		if got := out.(Fail).Error.Message; got != tt.want {
			t.Errorf("%+v: message %q, want %q", tt.o, got, tt.want)
		}
	}
	// Anything that is not an *engine.Error is internal, its cause kept
	// for the operator only.
	out, e := Encode(nil, errors.New("boom\nstack"), Options{})
	data, _ := json.Marshal(out)
	if string(data) != `{"ok":false,"error":{"kind":"internal","message":"internal error"},"usage":{"steps":0,"memoryBytes":0,"cpuMs":0,"wallMs":0,"hostCalls":0,"outputBytes":0,"logBytes":0}}` {
		t.Errorf("internal: %s", data)
	}
	if got := InternalCause(e); got != "boom" {
		t.Errorf("InternalCause = %q, want the first line", got)
	}
}

func TestDecode(t *testing.T) {
	v, err := Decode("in", []byte(`{"a": [1, 1.5, 1e300]}`))
	if err != nil {
		t.Fatal(err)
	}
	l := v.(map[string]any)["a"].([]any)
	if l[0] != int64(1) || l[1] != 1.5 || l[2] != 1e300 {
		t.Errorf("numbers: %#v", l)
	}
	if _, err := Decode("in", []byte("{\n  \"a\": ,\n}")); err == nil || err.Error()[:7] != "in:2:8:" {
		t.Errorf("syntax error: %v, want in:2:8", err)
	}
}
