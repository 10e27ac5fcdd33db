package recording_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/scriptrun/scriptrun/engine"
	"github.com/scriptrun/scriptrun/limits"
	"github.com/scriptrun/scriptrun/recording"
)

// good is a small valid recording made by a real run.
func good(t *testing.T) []byte {
	t.Helper()
	w := newWorld(t, nil, engine.InProcess)
	src := `host.kv.set("a", input.x); return host.kv.get("a")`
	s := compile(t, w, "g.js", src)
	rec, _, err := record(t, w, s, src, mustPolicy(t, allPolicy), map[string]any{"x": []byte{1, 2}}, engine.RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := recording.Write(&buf, rec); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// Bad recordings are errors that say what is wrong and where.
func TestReadErrors(t *testing.T) {
	data := good(t)
	if _, err := recording.Read(bytes.NewReader(data)); err != nil {
		t.Fatalf("the good recording: %v", err)
	}
	sub := func(old, new string) []byte {
		if !bytes.Contains(data, []byte(old)) {
			t.Fatalf("no %q in the recording", old)
		}
		return bytes.Replace(data, []byte(old), []byte(new), 1)
	}
	deep := `{"version": 1, "input": ` + strings.Repeat("[", 100) + strings.Repeat("]", 100) + `}`
	veryDeep := strings.Repeat("[", 20000) + strings.Repeat("]", 20000)
	for _, c := range []struct {
		name string
		data []byte
		max  int64
		want string
	}{
		{"truncated", data[:len(data)/2], 0, "truncated: the JSON ends early"},
		{"empty", nil, 0, "truncated"},
		{"not json", []byte("version: 1\n"), 0, "recording:1:1: invalid character"},
		{"no version", []byte(`{"script": {}}`), 0, "version: missing: not a scriptrun recording"},
		{"version", sub(`"version": 1`, `"version": 7`), 0, "version: version 7; this scriptrun reads version 1"},
		{"version type", sub(`"version": 1`, `"version": "1"`), 0, `recording:2:`},
		{"unknown field", sub(`"version": 1,`, `"version": 1, "extra": 2,`), 0, `unknown field "extra"`},
		{"huge", data, 100, "larger than 100 bytes"},
		{"deep value", []byte(deep), 0, "input" + strings.Repeat("[0]", 66) + ": value nested deeper than 65 levels"},
		{"very deep", []byte(`{"version": 1, "input": ` + veryDeep + `}`), 0, "exceeded max depth"},
		{"bad bytes", sub(`"$bytes": "AQI="`, `"$bytes": 5`), 0, "input.x: $bytes wants a base64 string"},
		{"dollar key", sub(`"$bytes": "AQI="`, `"$bytes": "AQI=", "y": 1`), 0, `key "$bytes": a map with keys starting with $`},
		{"big int", sub(`"x": {`, `"big": 9007199254740993, "x": {`), 0, "input.big: integer 9007199254740993 is outside the value model"},
		{"redacted result", sub(`"result": null`, `"result": {"$redacted": true}`), 0, "calls[0].result: only a host call's argument may be redacted"},
		{"outcome", sub(`"ok": true`, `"ok": false`), 0, "outcome: wants ok: true, or an error"},
		{"sha", sub(`"sha256": "`, `"sha256": "x`), 0, "script: wants name, lang and a sha256"},
		{"outcome value", sub(`"outcome": "allow"`, `"outcome": "maybe"`), 0, `calls[0].outcome: "maybe": want allow`},
		{"nested checks", sub(`"outcome": "allow"`, `"outcome": "allow", "checks": [{"capability": "a.b", "args": {}, "outcome": "allow", "checks": [{"capability": "a.b", "args": {}, "outcome": "allow"}]}]`), 0, "calls[0].checks[0].checks: a further use has no further uses"},
		{"budget", sub(`"steps": `, `"steps": -`), 0, "budget: steps must not be negative"},
		{"trailing", append(append([]byte{}, data...), "{}"...), 0, "invalid character '{' after top-level value"},
	} {
		t.Run(c.name, func(t *testing.T) {
			max := c.max
			if max == 0 {
				max = recording.DefaultMaxSize
			}
			_, err := recording.ReadLimit(bytes.NewReader(c.data), max)
			var fe *recording.FileError
			if !errors.As(err, &fe) || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %v; want a FileError containing %q", err, c.want)
			}
		})
	}
}

// A value survives the file: bytes, strings that are not UTF-8, maps with
// "$" keys, floats, big and negative numbers.
func TestValueRoundTrip(t *testing.T) {
	v := map[string]any{
		"b": []byte{0, 255}, "s": "\xff\xfe", "$m": map[string]any{"$bytes": "not bytes"},
		"f": 0.1, "big": 1e300, "neg": int64(-5), "max": int64(1 << 53), "l": []any{nil, true, "x"},
	}
	b, err := recording.Value{V: v}.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	doc := `{"version":1,"script":{"name":"a.js","lang":"js","sha256":"` + strings.Repeat("0", 64) + `"},"input":` + string(b) +
		`,"identity":{},"budget":{"steps":0,"memory":0,"timeout":"0s","cpu":"0s","hostCalls":0,"output":0,"logs":0,"stackDepth":0,"source":0,"input":0},` +
		`"seed":"1","start":"2000-01-01T00:00:00Z","clock":[],"calls":[],"logs":[],"outcome":{"ok":true},"usage":{}}`
	rec, err := recording.Read(strings.NewReader(doc))
	if err != nil {
		t.Fatalf("%v\n%s", err, doc)
	}
	if !equalJSON(t, rec.Input.V, v) {
		t.Errorf("input came back as %#v; want %#v", rec.Input.V, v)
	}
	got, _ := rec.Input.MarshalJSON()
	if !bytes.Equal(got, b) {
		t.Errorf("written again: %s; want %s", got, b)
	}
}

// A recording is bounded: a script that reads the clock or calls the host
// without end costs the recorder at most MaxBytes; the recording says it
// is incomplete, keeps the outcome, and does not replay.
func TestRecorderBound(t *testing.T) {
	w := newWorld(t, nil, engine.InProcess)
	src := `let n = 0; for (let i = 0; i < 100000; i++) n += Date.now() > 0 ? 1 : 0; for (let i = 0; i < 1000; i++) host.kv.get("k"); return n`
	s := compile(t, w, "loop.js", src)
	r, err := recording.NewRecorder(recording.Options{Registry: w.reg, MaxBytes: 64 << 10})
	if err != nil {
		t.Fatal(err)
	}
	res, err := w.host.Run(context.Background(), s, engine.RunOptions{Policy: mustPolicy(t, allPolicy), Observer: r, Now: r.Clock(nil),
		Budget: limits.Budget{HostCalls: 2000}})
	if err != nil || res.Value != int64(100000) {
		t.Fatalf("run: %v %v", res.Value, err)
	}
	rec, err := r.Recording()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(rec.Incomplete, "over 65536 bytes") || len(rec.Clock) > 1100 || !rec.Outcome.OK {
		t.Errorf("incomplete %q, %d clock reads, outcome %+v", rec.Incomplete, len(rec.Clock), rec.Outcome)
	}
	if _, err := recording.Replay(context.Background(), w.host, s, nil, rec, recording.ReplayOptions{Registry: w.reg}); err == nil || !strings.Contains(err.Error(), "incomplete") {
		t.Errorf("replay of an incomplete recording: %v", err)
	}
}

// A replayed script that makes a million calls against a recording of a
// few stops at the first one the recording lacks; one within its budget
// that keeps calling is stopped by the budget, as recorded.
func TestReplayManyCalls(t *testing.T) {
	w := newWorld(t, nil, engine.InProcess)
	pol := mustPolicy(t, allPolicy)
	src := `for (let i = 0; i < 3; i++) host.kv.get("k"); return 1`
	s := compile(t, w, "few.js", src)
	rec, _, err := record(t, w, s, src, pol, nil, engine.RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	many := compile(t, w, "few.js", `for (let i = 0; i < 1000000; i++) host.kv.get("k"); return 1`)
	rec.Budget.HostCalls = 2000000
	rep := replay(t, w, many, pol, rec)
	if rep.Divergence == nil || rep.Divergence.What != "extra-call" || rep.Divergence.Call != 3 || rep.Result.Usage.HostCalls != 4 {
		t.Errorf("divergence %v, usage %+v; want an extra call #3 after 4 calls", rep.Divergence, rep.Result.Usage)
	}

	// Recorded: the host-call budget stops the script; replayed: the same.
	src = `for (let i = 0; ; i++) host.kv.get("k")`
	s = compile(t, w, "budget.js", src)
	rec, _, err = record(t, w, s, src, pol, nil, engine.RunOptions{Budget: limits.Budget{HostCalls: 1000}})
	if err == nil || rec.Outcome.Error.Limit != "hostCalls" || len(rec.Calls) != 1001 {
		t.Fatalf("recorded %v, %d calls", err, len(rec.Calls))
	}
	if rep := replay(t, w, s, pol, rec); !rep.Match() {
		t.Errorf("replay: %v", rep.Divergence)
	}
	// A recording of a module this host lacks cannot be replayed here.
	other := *rec
	other.Calls = append([]recording.Call{{Capability: "acme.lookup", Outcome: "allow"}}, rec.Calls...)
	if _, err := recording.Replay(context.Background(), w.host, s, pol, &other, recording.ReplayOptions{Registry: w.reg}); err == nil || !strings.Contains(err.Error(), "calls[0] is acme.lookup, which this host's modules do not provide") {
		t.Errorf("unknown module: %v", err)
	}
	// A host replaying recordings it did not make caps their budget.
	rep, err = recording.Replay(context.Background(), w.host, s, pol, rec, recording.ReplayOptions{Registry: w.reg, Ceiling: limits.Budget{HostCalls: 10}})
	if err != nil || rep.Result.Usage.HostCalls > 11 || len(rep.Notes) != 1 || rep.Notes[0] != "the recorded budget is capped: hostCalls 10 (recorded 1000)" || rep.Match() {
		t.Errorf("capped replay: %v, usage %+v, notes %q, divergence %v", err, rep.Result.Usage, rep.Notes, rep.Divergence)
	}
}

// FuzzRead: a recording is input; Read never panics, and what it accepts
// it writes and reads back the same.
func FuzzRead(f *testing.F) {
	f.Add([]byte(`{"version":1,"script":{"name":"a.js","lang":"js","sha256":"` + strings.Repeat("0", 64) + `"},"input":{"$bytes":"AA=="},"identity":{},"budget":{"steps":0,"memory":0,"timeout":"0s","cpu":"0s","hostCalls":0,"output":0,"logs":0,"stackDepth":0,"source":0,"input":0},"seed":"1","start":"2000-01-01T00:00:00Z","clock":[{"call":0,"t":"2000-01-01T00:00:00Z"}],"calls":[{"capability":"kv.get","args":{"key":{"$redacted":true}},"outcome":"allow","result":{"$map":{"$x":1.5}}}],"logs":[],"outcome":{"ok":true},"usage":{}}`))
	f.Add([]byte(`{"version":1}`))
	f.Add([]byte(`[[[[`))
	f.Fuzz(func(t *testing.T, data []byte) {
		rec, err := recording.ReadLimit(bytes.NewReader(data), 1<<20)
		if err != nil {
			return
		}
		var buf bytes.Buffer
		if err := recording.Write(&buf, rec); err != nil {
			t.Fatalf("Write of what Read accepted: %v", err)
		}
		if _, err := recording.Read(&buf); err != nil {
			t.Fatalf("Read of what Write wrote: %v\n%s", err, buf.String())
		}
	})
}
