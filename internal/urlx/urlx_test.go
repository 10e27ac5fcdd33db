package urlx

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func TestParseViews(t *testing.T) {
	tests := []struct {
		in                                  string
		href, origin, hostPort, port, query string
		params                              [][2]string
	}{
		{"HTTPS://API.Example.COM.:443/a%20b?x=1&y=a+b&x=2#Top", "https://api.example.com/a%20b?x=1&y=a+b&x=2#Top",
			"https://api.example.com", "api.example.com", "", "x=1&y=a+b&x=2", [][2]string{{"x", "1"}, {"y", "a b"}, {"x", "2"}}},
		{"http://[::1]:8080", "http://[::1]:8080/", "http://[::1]:8080", "[::1]:8080", "8080", "", nil},
		{"gopher://x.example:0/", "gopher://x.example:0/", "gopher://x.example:0", "x.example:0", "0", "", nil},
		{"https://a.example/?k=%26&=v&&e", "https://a.example/?k=%26&=v&&e", "https://a.example", "a.example", "", "k=%26&=v&&e",
			[][2]string{{"k", "&"}, {"", "v"}, {"e", ""}}},
	}
	for _, tt := range tests {
		u, err := Parse(tt.in)
		if err != nil {
			t.Errorf("Parse(%q): %v", tt.in, err)
			continue
		}
		got := []string{u.String(), u.Origin(), u.HostPort(), u.PortString(), u.RawQuery}
		want := []string{tt.href, tt.origin, tt.hostPort, tt.port, tt.query}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("Parse(%q) views (-want +got):\n%s", tt.in, diff)
		}
		if diff := cmp.Diff(tt.params, u.Params); diff != "" {
			t.Errorf("Parse(%q) params (-want +got):\n%s", tt.in, diff)
		}
		// The canonical form parses to itself.
		if again, err := Parse(u.String()); err != nil || again.String() != u.String() {
			t.Errorf("Parse(%q).String() = %q does not parse to itself: %v", tt.in, u.String(), err)
		}
	}
}

func TestResolve(t *testing.T) {
	base, err := Parse("https://api.example/v1/orders?x=1")
	if err != nil {
		t.Fatal(err)
	}
	for ref, want := range map[string]string{
		"items":                  "https://api.example/v1/items",
		"../v2/items?y=2":        "https://api.example/v2/items?y=2",
		"/root":                  "https://api.example/root",
		"?q=1":                   "https://api.example/v1/orders?q=1",
		"#f":                     "https://api.example/v1/orders?x=1#f",
		"http://other.example/x": "http://other.example/x",
		"//other.example/y":      "https://other.example/y",
	} {
		u, err := Resolve(ref, base)
		if err != nil || u.String() != want {
			t.Errorf("Resolve(%q) = %v, %v; want %q", ref, u, err, want)
		}
	}
	for _, ref := range []string{"//user@evil.example/", "http://a\\b/", "x y", strings.Repeat("a", MaxLen+1)} {
		if u, err := Resolve(ref, base); err == nil {
			t.Errorf("Resolve(%q) = %v, want an error", ref, u)
		}
	}
}

func TestEncodeQuery(t *testing.T) {
	p := [][2]string{{"a b", "c&d"}, {"é", "="}}
	q := EncodeQuery(p)
	back, err := ParseQuery(q)
	if err != nil || !cmp.Equal(back, p) {
		t.Errorf("EncodeQuery %q round trip = %v, %v", q, back, err)
	}
	if _, err := ParseQuery("a=1;b=2"); err == nil {
		t.Error("ParseQuery accepted ';'")
	}
	if _, err := ParseQuery("a=%zz"); err == nil {
		t.Error("ParseQuery accepted a bad escape")
	}
}

// FuzzParse: Parse never panics; what it accepts has a canonical form
// that parses to the same URL, and resolving against it never panics.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"https://a.example/p?q=1#f", "http://[::1]:8080/", "HTTP://X.example.:80", "https://a.example/%2e%2E/",
		"https://a.example/?a=%zz", "gopher://x.example:0", "https://user@a.example/", "http://0x7f.1/"} {
		f.Add(s, "../x?y=1")
	}
	f.Fuzz(func(t *testing.T, s, ref string) {
		u, err := Parse(s)
		if err != nil {
			return
		}
		again, err := Parse(u.String())
		if err != nil {
			t.Fatalf("Parse(%q) = %q, which does not parse: %v", s, u.String(), err)
		}
		if !cmp.Equal(u.Params, again.Params, cmpopts.EquateEmpty()) || again.String() != u.String() || again.Host != u.Host || again.Port != u.Port {
			t.Fatalf("Parse(%q) = %+v, its canonical form parses to %+v", s, u, again)
		}
		_, _ = Resolve(ref, u)
	})
}
