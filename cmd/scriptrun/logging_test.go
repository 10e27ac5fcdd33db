package main

import (
	"bufio"
	"encoding/json"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
)

// forgeries are script log messages that try to forge a host log line or
// drive the terminal.
var forgeries = []string{
	`a\n12:00:00.000 INF run.finished script=x.js`,
	`b\r\n{\"level\":\"info\",\"event\":\"run.finished\"}`,
	`c\u001b]0;owned\u0007`,     // OSC: set the window title, BEL
	`d\u001b[2J\u001b[31mred`,   // CSI: clear the screen, colour
	`e\u009b31m\u009d0;t\u009c`, // the same as C1 controls
	`f\u202egnp.exe\u2028g\u0000h\u007f`,
}

func TestTextLogEscapes(t *testing.T) {
	t.Parallel()
	var js strings.Builder
	for _, f := range forgeries {
		js.WriteString(`console.log("` + f + `");` + "\n")
	}
	js.WriteString(`host.log.info("` + forgeries[0] + `", {"k\n12:00:00.000 INF x": "` + forgeries[2] + `", n: {"` + forgeries[4] + `": 1}});` + "\n")
	js.WriteString("return 1")
	dir := write(t, map[string]string{
		"policy.yaml": "name: t\nrules:\n  - name: log\n    allow: [log.*]\n",
		"forge.js":    js.String(),
	})
	args := []string{"run", "--policy", filepath.Join(dir, "policy.yaml"), filepath.Join(dir, "forge.js")}
	const logs = 7 // script.log events

	code, stdout, stderr := cli(t, "", append(args[:1:1], append([]string{"--log-format", "text"}, args[1:]...)...)...)
	if code != 0 {
		t.Fatalf("exit %d\nstdout: %s\nstderr: %s", code, stdout, stderr)
	}
	line := regexp.MustCompile(`^\d\d:\d\d:\d\d\.\d\d\d (DBG|INF|WRN|ERR) \S`)
	n := 0
	for _, l := range strings.Split(strings.TrimSuffix(stderr, "\n"), "\n") {
		if !line.MatchString(l) {
			t.Errorf("a line that is not a log line:\n%q", l)
		}
		if strings.Contains(l, " scriptLevel=") {
			n++
		}
		for _, r := range l {
			if r == utf8.RuneError || r != ' ' && !unicode.IsPrint(r) {
				t.Errorf("raw %U in text log line:\n%q", r, l)
			}
		}
	}
	if n != logs {
		t.Errorf("%d script.log lines, want %d:\n%s", n, logs, stderr)
	}
	for _, want := range []string{
		`INF "a\n12:00:00.000 INF run.finished script=x.js" script=forge.js`,
		`INF "b\r\n{\"level\":\"info\",\"event\":\"run.finished\"}" script=`,
		`INF "c\x1b]0;owned\a" script=`,
		`INF "e\u009b31m\u009d0;t\u009c" script=`,
		`INF "f\u202egnp.exe\u2028g\x00h\x7f" script=`,
		`fields={"k\n12:00:00.000 INF x":"c\u001b]0;owned\u0007","n":{"e\u009b31m\u009d0;t\u009c":1}}`,
	} {
		if !strings.Contains(stderr, want) {
			t.Errorf("text log lacks %q:\n%s", want, stderr)
		}
	}

	// JSON stays JSON, one event a line, the messages as the script gave them.
	code, stdout, stderr = cli(t, "", append(args[:1:1], append([]string{"--log-format", "json"}, args[1:]...)...)...)
	if code != 0 {
		t.Fatalf("exit %d\nstdout: %s\nstderr: %s", code, stdout, stderr)
	}
	var msgs []string
	sc := bufio.NewScanner(strings.NewReader(stderr))
	for sc.Scan() {
		var ev map[string]any
		if err := json.Unmarshal(sc.Bytes(), &ev); err != nil {
			t.Fatalf("stderr line is not JSON: %v\n%s", err, sc.Text())
		}
		if ev["event"] == "script.log" {
			msgs = append(msgs, ev["message"].(string))
		}
	}
	if len(msgs) != logs {
		t.Fatalf("%d script.log events, want %d:\n%s", len(msgs), logs, stderr)
	}
	var want string
	if err := json.Unmarshal([]byte(`"`+forgeries[2]+`"`), &want); err != nil {
		t.Fatal(err)
	}
	if msgs[2] != want {
		t.Errorf("JSON message = %q, want %q", msgs[2], want)
	}
}

// On a text stderr a script's error comes with its code frame, escaped
// like the log; the JSON on stdout is as ever, and a JSON stderr has no
// frame.
func TestErrorFrame(t *testing.T) {
	t.Parallel()
	dir := write(t, map[string]string{
		"throw.js":   "let a = 1;\n\tthrow new Error('x\\n12:00:00.000 INF run.finished \\u001b[2J');\n",
		"compile.js": "let s = '\u001b]0;t\u0007';\n  return s +;\n",
		"index.lua":  "local t = {}\nreturn t.x.y\n",
	})
	tests := []struct {
		script string
		want   string
	}{
		{"throw.js", "throw.js:2:8: runtime error: uncaught Error: x\\n12:00:00.000 INF run.finished \\x1b[2J\n" +
			"2 | \tthrow new Error('x\\n12:00:00.000 INF run.finished \\u001b[2J');\n" +
			"  | \t      ^\n"},
		{"compile.js", "compile.js:2:13: compile error: Unexpected token ;\n2 |   return s +;\n  |             ^\n"},
		{"index.lua", "index.lua:2: runtime error: attempt to index a non-table object(nil) with key 'y'\n2 | return t.x.y\n"},
	}
	for _, tt := range tests {
		path := filepath.Join(dir, tt.script)
		code, stdout, stderr := cli(t, "", "run", "--log-format", "text", path)
		if code != exitScript || !strings.HasPrefix(stdout, `{"ok":false`) {
			t.Errorf("%s: exit %d, stdout %q", tt.script, code, stdout)
		}
		if !strings.HasSuffix(stderr, tt.want) {
			t.Errorf("%s: stderr ends\n%s\nwant it to end\n%s", tt.script, stderr, tt.want)
		}
		for _, r := range stderr {
			if r != '\n' && r != '\t' && r != ' ' && !unicode.IsPrint(r) {
				t.Errorf("%s: raw %U on stderr", tt.script, r)
			}
		}
		_, jsonOut, stderr := cli(t, "", "run", "--log-format", "json", path)
		// The same error object either way (usage has times, which vary).
		if !cmp.Equal(decode(t, jsonOut).Error, decode(t, stdout).Error) || strings.Contains(stderr, " | ") {
			t.Errorf("%s: with --log-format json: stdout %q (text: %q), stderr\n%s", tt.script, jsonOut, stdout, stderr)
		}
	}
	// check shows the frame too, and escapes what the compiler quotes.
	code, _, stderr := cli(t, "", "check", filepath.Join(dir, "compile.js"))
	if code != exitScript || !strings.HasSuffix(stderr, tests[1].want) {
		t.Errorf("check: exit %d, stderr\n%s", code, stderr)
	}
}
