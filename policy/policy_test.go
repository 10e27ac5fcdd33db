package policy

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func mustParse(t testing.TB, src string) *Policy {
	t.Helper()
	p, err := Parse("p.yaml", []byte(src), Options{})
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return p
}

func req(call string, args map[string]any) *Request {
	mod, fn, _ := strings.Cut(call, ".")
	return &Request{
		Script: Script{Name: "s.js", Lang: "js", Tenant: "acme", Labels: map[string]string{"env": "prod"}},
		Call:   Call{Name: call, Module: mod, Function: fn},
		Args:   args,
		Now:    time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC),
	}
}

// decision drops Err for comparison; tests check it separately.
func decide(p *Policy, r *Request) (Decision, error) {
	d := p.Decide(context.Background(), r)
	err := d.Err
	d.Err = nil
	return d, err
}

func TestExample(t *testing.T) {
	p, err := Load("testdata/example.yaml", Options{})
	if err != nil {
		t.Fatal(err)
	}
	wantLimits := Limits{Steps: 10000000, Memory: 64 << 20, Timeout: 2 * time.Second, CPU: time.Second, HostCalls: 100, Output: 1 << 20, Logs: 64 << 10}
	if diff := cmp.Diff(wantLimits, p.Limits); diff != "" {
		t.Errorf("limits (-want +got):\n%s", diff)
	}
	if p.Name != "acme-automations" || p.Mode != Enforce || len(p.Rules) != 3 {
		t.Errorf("got name %q mode %q %d rules", p.Name, p.Mode, len(p.Rules))
	}
	if got, want := p.Rules[1].Pos, (Pos{File: "testdata/example.yaml", Line: 9, Col: 5}); got != want {
		t.Errorf("rule pos = %v, want %v", got, want)
	}
	big := strings.Repeat("x", 70000)
	tests := []struct {
		name string
		req  *Request
		want Decision
	}{
		{"kv get with prefix", req("kv.get", map[string]any{"key": "acme:x"}), Decision{Allow: true, Rule: "tenant-kv"}},
		{"kv get without prefix", req("kv.get", map[string]any{"key": "other:x"}), Decision{Message: `no rule allows "kv.get"`}},
		{"kv set small", req("kv.set", map[string]any{"key": "acme:x", "value": "v"}), Decision{Allow: true, Rule: "tenant-kv"}},
		{"kv set large", req("kv.set", map[string]any{"key": "acme:x", "value": big}),
			Decision{Rule: "no-large-values", Message: "value is 70000 bytes, limit 65536", Authored: true}},
		{"kv set large bytes", req("kv.set", map[string]any{"key": "acme:x", "value": []byte(big)}),
			Decision{Rule: "no-large-values", Message: "value is 70000 bytes, limit 65536", Authored: true}},
		{"kv set large list", req("kv.set", map[string]any{"key": "acme:x", "value": make([]any, 70000)}),
			Decision{Rule: "no-large-values", Message: "value is 70000 bytes, limit 65536", Authored: true}},
		{"http partner", req("http.get", map[string]any{"url": "https://API.partner.example./v1?x=1"}), Decision{Allow: true, Rule: "partner-api"}},
		{"http plain", req("http.get", map[string]any{"url": "http://api.partner.example/v1"}), Decision{Message: `no rule allows "http.get"`}},
		{"http other host", req("http.get", map[string]any{"url": "https://api.partner.example.evil.com/"}), Decision{Message: `no rule allows "http.get"`}},
		{"unknown call", req("fs.read", nil), Decision{Message: `no rule allows "fs.read"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := decide(p, tt.req)
			if err != nil {
				t.Errorf("Err = %v", err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("decision (-want +got):\n%s", diff)
			}
		})
	}

	// Other tenants are not matched by tenant-kv.
	r := req("kv.get", map[string]any{"key": "acme:x"})
	r.Script.Tenant = "other"
	if d, _ := decide(p, r); d.Allow {
		t.Errorf("tenant other: got %+v, want deny", d)
	}

	// userinfo trick: the url() error makes partner-api fail closed.
	d := p.Decide(context.Background(), req("http.get", map[string]any{"url": "https://api.partner.example@evil.com/"}))
	var ee *EvalError
	if d.Allow || !errors.As(d.Err, &ee) || ee.Rule != "partner-api" || d.Rule != "partner-api" ||
		!strings.Contains(d.Message, `rule "partner-api"`) || !strings.Contains(d.Message, "userinfo") {
		t.Errorf("userinfo url: got %+v", d)
	}
}

const rulesPolicy = `
name: t
rules:
  - name: kv-all
    allow: ["kv.*"]
  - name: prod-only
    match: script.labels["env"] == "prod" && script.tenant == "acme"
    allow: [http.get]
  - name: no-secrets
    deny: [kv.get, kv.set]
    when: args.key.startsWith("secret/")
    message: "'no secrets: ' + args.key"
  - name: budget
    deny: ["*"]
    when: call.name in usage.calls && usage.calls[call.name] >= 3 || usage.elapsed > duration("10s")
  - name: broken
    allow: [log.write]
    when: args.missing == 1
  - name: nonbool
    allow: [log.read]
    when: args.flag
  - name: badmsg
    deny: [fs.write]
    message: "'x' + args.nope"
`

func TestDecide(t *testing.T) {
	p := mustParse(t, rulesPolicy)
	tests := []struct {
		name    string
		req     func() *Request
		want    Decision
		wantErr string // substring of Decision.Err; "" = nil
	}{
		{"pattern kv.*", func() *Request { return req("kv.delete", map[string]any{"key": "a"}) }, Decision{Allow: true, Rule: "kv-all"}, ""},
		{"deny overrides allow", func() *Request { return req("kv.get", map[string]any{"key": "secret/x"}) },
			Decision{Rule: "no-secrets", Message: "no secrets: secret/x", Authored: true}, ""},
		{"deny rule when false", func() *Request { return req("kv.get", map[string]any{"key": "a"}) }, Decision{Allow: true, Rule: "kv-all"}, ""},
		{"match labels", func() *Request { return req("http.get", nil) }, Decision{Allow: true, Rule: "prod-only"}, ""},
		{"match labels miss", func() *Request {
			r := req("http.get", nil)
			r.Script.Labels = nil
			return r
		}, Decision{Message: `no rule allows "http.get"`}, "no such key"},
		{"match tenant miss", func() *Request {
			r := req("http.get", nil)
			r.Script.Tenant = "globex"
			return r
		}, Decision{Message: `no rule allows "http.get"`}, ""},
		{"deny by default", func() *Request { return req("net.dial", nil) }, Decision{Message: `no rule allows "net.dial"`}, ""},
		{"usage calls", func() *Request {
			r := req("kv.delete", map[string]any{"key": "a"})
			r.Usage.Calls = map[string]int64{"kv.delete": 3}
			return r
		}, Decision{Rule: "budget", Message: `denied by rule "budget"`}, ""},
		{"usage elapsed", func() *Request {
			r := req("kv.delete", map[string]any{"key": "a"})
			r.Usage.Elapsed = time.Minute
			return r
		}, Decision{Rule: "budget", Message: `denied by rule "budget"`}, ""},
		{"error counts as deny", func() *Request { return req("log.write", map[string]any{"a": int64(1)}) },
			Decision{Rule: "broken", Message: `rule "broken": when: no such key: missing`}, "no such key: missing"},
		{"dyn not bool", func() *Request { return req("log.read", map[string]any{"flag": "yes"}) },
			Decision{Rule: "nonbool", Message: `rule "nonbool": when: got string, want bool`}, "want bool"},
		{"dyn bool", func() *Request { return req("log.read", map[string]any{"flag": true}) }, Decision{Allow: true, Rule: "nonbool"}, ""},
		{"message fails", func() *Request { return req("fs.write", nil) }, Decision{Rule: "badmsg", Message: `denied by rule "badmsg"`}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := decide(p, tt.req())
			if tt.wantErr == "" && err != nil || tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Errorf("Err = %v, want containing %q", err, tt.wantErr)
			}
			if tt.wantErr != "" && tt.name != "match labels miss" {
				// Message is the error text; compare it exactly.
				if got.Message != err.Error() {
					t.Errorf("Message = %q, want Err text %q", got.Message, err.Error())
				}
			}
			if tt.name == "match labels miss" {
				tt.want = Decision{Rule: "prod-only", Message: err.Error()}
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("decision (-want +got):\n%s", diff)
			}
		})
	}
}

func TestAudit(t *testing.T) {
	p := mustParse(t, "name: a\nmode: audit\nrules:\n  - name: r\n    deny: [kv.set]\n    message: \"'nope'\"\n")
	got, _ := decide(p, req("kv.set", nil))
	want := Decision{Allow: true, WouldDeny: true, Rule: "r", Message: "nope", Authored: true}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("audit deny (-want +got):\n%s", diff)
	}
	got, _ = decide(p, req("kv.get", nil))
	want = Decision{Allow: true, WouldDeny: true, Message: `no rule allows "kv.get"`}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("audit default deny (-want +got):\n%s", diff)
	}
}

func TestNew(t *testing.T) {
	p, err := New(Policy{
		Name:             "go",
		CatchableDenials: true,
		Rules: []*Rule{
			{Name: "a", Allow: []string{"kv.get"}, When: `args.key == "k"`},
		},
	}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if p.Mode != Enforce {
		t.Errorf("mode = %q, want enforce", p.Mode)
	}
	if d := p.Decide(context.Background(), req("kv.get", map[string]any{"key": "k"})); !d.Allow {
		t.Errorf("got %+v, want allow", d)
	}

	_, err = New(Policy{Rules: []*Rule{
		{Name: "a", Allow: []string{"KV.get"}},
		{Name: "a", Deny: []string{"kv.get"}, Allow: []string{"kv.set"}},
		{Name: "b", When: "1"},
	}}, Options{})
	want := []string{
		"policy name is required",
		`rule "a": bad capability pattern "KV.get" (want module.function, module.* or *)`,
		`rule "a": duplicate rule name`,
		`rule "a": has both allow and deny`,
		`rule "b": needs a non-empty allow or deny list`,
		"rule \"b\": when: expression has type int, want bool\n | 1\n | ^",
	}
	var pe *Error
	if !errors.As(err, &pe) {
		t.Fatalf("err = %v, want *Error", err)
	}
	var got []string
	for _, is := range pe.Issues {
		got = append(got, is.Msg)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("issues (-want +got):\n%s", diff)
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want []string // full issue lines (first line of each issue)
	}{
		{"type error non-bool", "name: x\nrules:\n  - name: r\n    allow: [kv.get]\n    when: \"'x'\"\n",
			[]string{`p.yaml:5:12: rule "r": when: expression has type string, want bool`}},
		{"type error plain", "name: x\nrules:\n  - name: r\n    allow: [kv.get]\n    when: args.key + 1 == 2 && nope\n",
			[]string{`p.yaml:5:32: rule "r": when: undeclared reference to 'nope'`}},
		{"type error quoted", "name: x\nrules:\n  - name: r\n    allow: [kv.get]\n    match:   'script.tenant == 1'\n",
			[]string{`p.yaml:5:29: rule "r": match: found no matching overload for '_==_' applied to '(string, int)'`}},
		{"syntax error literal block", "name: x\nrules:\n  - name: r\n    allow: [kv.get]\n    when: |\n      true &&\n        script.x\n",
			[]string{`p.yaml:7:15: rule "r": when: undefined field 'x'`}},
		{"message not string", "name: x\nrules:\n  - name: r\n    deny: [kv.get]\n    message: 1 + 2\n",
			[]string{`p.yaml:5:14: rule "r": message: expression has type int, want string`}},
		{"unknown key", "name: x\nrules:\n  - name: r\n    allow: [kv.get]\n    wen: true\n",
			[]string{`p.yaml:5:5: rule "r": unknown key "wen"`}},
		{"unknown top key", "name: x\nrule: []\n", []string{`p.yaml:2:1: policy: unknown key "rule"`}},
		{"unknown limit", "name: x\nlimits:\n  stepz: 1\n", []string{`p.yaml:3:3: limits: unknown key "stepz"`}},
		{"bad yaml", "name: x\nrules:\n  - name: r\n  allow: [kv.get\n", []string{`p.yaml:4:8: invalid YAML: did not find expected '-' indicator`}},
		{"bad yaml 2", "name: x\nrules: [\n", []string{`p.yaml:2:8: invalid YAML: did not find expected node content`}},
		{"duplicate rule", "name: x\nrules:\n  - name: r\n    allow: [kv.get]\n  - name: r\n    allow: [kv.set]\n",
			[]string{`p.yaml:5:5: rule "r": duplicate rule name`}},
		{"empty allow", "name: x\nrules:\n  - name: r\n    allow: []\n", []string{`p.yaml:4:12: rule "r": allow must not be empty`}},
		{"bad pattern", "name: x\nrules:\n  - name: r\n    allow: [kv.get, kv, \"*.get\", kv.Get]\n",
			[]string{
				`p.yaml:4:21: rule "r": allow: bad capability pattern "kv" (want module.function, module.* or *)`,
				`p.yaml:4:25: rule "r": allow: bad capability pattern "*.get" (want module.function, module.* or *)`,
				`p.yaml:4:34: rule "r": allow: bad capability pattern "kv.Get" (want module.function, module.* or *)`,
			}},
		{"allow and deny", "name: x\nrules:\n  - name: r\n    allow: [kv.get]\n    deny: [kv.get]\n",
			[]string{`p.yaml:3:5: rule "r": has both allow and deny`}},
		{"no name", "rules:\n  - allow: [kv.get]\n", []string{`p.yaml:1:1: policy: name is required`, `p.yaml:2:5: rule: name is required`}},
		{"bad mode and limits", "name: x\nmode: strict\nlimits: {memory: 1XB, timeout: 2, steps: -1, catch: 1}\ncatchableDenials: yes\n",
			[]string{
				`p.yaml:2:7: mode "strict": want enforce or audit`,
				`p.yaml:3:18: limits.memory: want a size like 65536, 64KiB or 1MB, got "1XB"`,
				`p.yaml:3:32: limits.timeout: want a duration like 2s or 500ms, got "2"`,
				`p.yaml:3:42: limits.steps: want a non-negative integer, got "-1"`,
				`p.yaml:3:46: limits: unknown key "catch"`,
				`p.yaml:4:19: catchableDenials must be true or false`,
			}},
		{"several problems", "name: x\nrules:\n  - name: a\n    allow: [kv.get]\n    when: nope\n  - name: b\n    allow: [kv.get]\n    match: 1\n",
			[]string{
				`p.yaml:5:11: rule "a": when: undeclared reference to 'nope'`,
				`p.yaml:8:12: rule "b": match: expression has type int, want bool`,
			}},
		{"empty", "", []string{`p.yaml:1:1: empty policy`}},
		{"not a mapping", "- 1\n", []string{`p.yaml:1:1: policy must be a mapping`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("p.yaml", []byte(tt.src), Options{})
			var pe *Error
			if !errors.As(err, &pe) {
				t.Fatalf("err = %v, want *Error", err)
			}
			var got []string
			for _, is := range pe.Issues {
				line, _, _ := strings.Cut(is.String(), "\n")
				got = append(got, line)
			}
			if len(got) == len(tt.want) {
				for i := range got {
					if strings.HasSuffix(tt.want[i], ": ") && strings.HasPrefix(got[i], tt.want[i]) {
						got[i] = tt.want[i]
					}
				}
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("issues (-want +got):\n%s\nfull error:\n%v", diff, err)
			}
		})
	}
}

// A YAML syntax error points at the line of the problem (yaml.v3 names
// the line where the enclosing list starts, here 2) and shows it.
func TestYAMLErrorLine(t *testing.T) {
	src := "name: x\nrules:\n  - name: r\n    allow: [kv.get]\n  - name: s\n    allow: [kv.set]\n   when: x\n"
	_, err := Parse("p.yaml", []byte(src), Options{})
	want := "p.yaml:7:4: invalid YAML: did not find expected '-' indicator\n" +
		"7 |    when: x\n" +
		"  |    ^"
	if err == nil || err.Error() != want {
		t.Errorf("got\n%v\nwant\n%s", err, want)
	}
}

func TestErrorSnippet(t *testing.T) {
	_, err := Parse("p.yaml", []byte("name: x\nrules:\n  - name: r\n    allow: [kv.get]\n    when: args.key == 1 && nope\n"), Options{})
	want := "p.yaml:5:28: rule \"r\": when: undeclared reference to 'nope'\n" +
		" | args.key == 1 && nope\n" +
		" | .................^"
	if err == nil || err.Error() != want {
		t.Errorf("got\n%v\nwant\n%s", err, want)
	}
}

func TestCost(t *testing.T) {
	src := "name: x\nrules:\n  - name: cubic\n    allow: [kv.get]\n    when: args.list.all(x, args.list.all(y, args.list.all(z, x == y)))\n"
	_, err := Parse("p.yaml", []byte(src), Options{})
	if err == nil || !strings.Contains(err.Error(), `p.yaml:5:11: rule "cubic": when: estimated cost`) ||
		!strings.Contains(err.Error(), "exceeds the limit 100000") {
		t.Errorf("got %v, want estimated cost error naming the rule", err)
	}

	// A linear scan is accepted at load but stopped at run time on big input.
	p := mustParse(t, "name: x\nrules:\n  - name: scan\n    allow: [kv.get]\n    when: args.list.exists(x, x == 'needle')\n")
	small := req("kv.get", map[string]any{"list": []any{"a", "needle"}})
	if d := p.Decide(context.Background(), small); !d.Allow {
		t.Errorf("small input: got %+v, want allow", d)
	}
	list := make([]any, 200000)
	for i := range list {
		list[i] = "hay"
	}
	d := p.Decide(context.Background(), req("kv.get", map[string]any{"list": list}))
	if d.Allow || d.Err == nil || d.Rule != "scan" || !strings.Contains(d.Message, "cost limit") {
		t.Errorf("big input: got %+v, want deny with cost limit error", d)
	}

	// Canceled context.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	d = p.Decide(ctx, small)
	if d.Allow || !errors.Is(d.Err, context.Canceled) {
		t.Errorf("canceled: got %+v, want deny with context.Canceled", d)
	}

	// MaxCost option.
	if _, err := Parse("p.yaml", []byte("name: x\nrules:\n  - name: scan\n    allow: [kv.get]\n    when: args.list.exists(x, x == 'needle')\n"), Options{MaxCost: 10}); err == nil {
		t.Errorf("MaxCost 10: want error")
	}
}

func TestParseSize(t *testing.T) {
	tests := []struct {
		in   string
		want int64
		ok   bool
	}{
		{"0", 0, true}, {"65536", 65536, true}, {"64MiB", 64 << 20, true}, {"1KiB", 1024, true},
		{"512KB", 512000, true}, {"2GB", 2e9, true}, {"3GiB", 3 << 30, true}, {"10B", 10, true}, {"1 MiB", 1 << 20, true},
		{"", 0, false}, {"MiB", 0, false}, {"-1", 0, false}, {"1.5MiB", 0, false}, {"1TB", 0, false},
		{"99999999999GiB", 0, false},
	}
	for _, tt := range tests {
		got, ok := ParseSize(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("ParseSize(%q) = %d, %v; want %d, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}
