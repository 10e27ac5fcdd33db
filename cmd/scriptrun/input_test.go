package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// An input file over the input budget is refused by its size, before it
// is read or parsed: a 58 MB sparse file whose zeros are not even JSON gets
// the input limit error (exit 3) naming its exact size, which only stat
// knows (the reader stops after budget+1 bytes). From a pipe, the bounded
// reader refuses it after budget+1 bytes.
func TestRunInputBudget(t *testing.T) {
	t.Parallel()
	dir := write(t, map[string]string{"one.js": "return input"})
	big := filepath.Join(dir, "big.json")
	f, err := os.Create(big)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(58 << 20); err != nil {
		t.Fatal(err)
	}
	f.Close()
	script := filepath.Join(dir, "one.js")
	pipe := strings.Repeat(" ", 2<<20) + "1"
	for _, tt := range []struct {
		stdin string
		args  []string
		msg   string
	}{
		{"", []string{"--input", big}, "input: " + big + " holds 60817408 bytes, over the input budget (1048576)"},
		{pipe, []string{"--input", "-"}, "input: <stdin> holds more than 1048576 bytes, over the input budget (1048576)"},
	} {
		code, stdout, stderr := cli(t, tt.stdin, append(append([]string{"run"}, tt.args...), script)...)
		r := decode(t, stdout)
		if code != 3 || r.Error.Kind != "limit" || r.Error.Limit != "input" || r.Error.Message != tt.msg {
			t.Errorf("run %q: exit %d, error %+v\nstderr: %s\nwant 3, limit input, %q", tt.args, code, r.Error, stderr, tt.msg)
		}
	}
}
