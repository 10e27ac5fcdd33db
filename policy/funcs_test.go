package policy

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseURL(t *testing.T) {
	tests := []struct {
		in   string
		want *parsedURL // nil = rejected
	}{
		{"https://api.partner.example/v1/x?a=1&a=2&b=", &parsedURL{"https", "api.partner.example", 443, "/v1/x", map[string]string{"a": "1", "b": ""}}},
		{"HTTP://Example.COM.", &parsedURL{"http", "example.com", 80, "/", map[string]string{}}},
		{"https://example.com:8443", &parsedURL{"https", "example.com", 8443, "/", map[string]string{}}},
		{"http://[::1]:8080/a", &parsedURL{"http", "::1", 8080, "/a", map[string]string{}}},
		{"http://[2001:DB8::0:1]/", &parsedURL{"http", "2001:db8::1", 80, "/", map[string]string{}}},
		{"http://127.0.0.1/", &parsedURL{"http", "127.0.0.1", 80, "/", map[string]string{}}},
		{"ftp://files.example/pub", &parsedURL{"ftp", "files.example", 21, "/pub", map[string]string{}}},
		{"gopher://x.example/", &parsedURL{"gopher", "x.example", 0, "/", map[string]string{}}},
		{"https://a.example/p%20q#frag", &parsedURL{"https", "a.example", 443, "/p%20q", map[string]string{}}},
		{"https://my_host.example/", &parsedURL{"https", "my_host.example", 443, "/", map[string]string{}}},

		{"", nil},
		{"example.com/path", nil},                      // no scheme
		{"//example.com/path", nil},                    // scheme-relative
		{"https:example.com", nil},                     // opaque
		{"https:/example.com", nil},                    // browsers read the host, net/url does not
		{"https:///example.com", nil},                  // same
		{"https://user@example.com/", nil},             // userinfo
		{"https://api.partner.example@evil.com/", nil}, // userinfo
		{"https://user:pw@example.com/", nil},          // userinfo
		{"https://evil.com\\@good.com/", nil},          // backslash
		{"https://good.com\\evil.com/", nil},           // backslash
		{"https://exa mple.com/", nil},                 // space
		{"https://exa\tmple.com/", nil},                // tab: browsers strip it
		{"https://example.com/\n", nil},                // newline
		{"https://ex%61mple.com/", nil},                // percent-encoded host
		{"https://[fe80::1%25eth0]/", nil},             // zone
		{"http://0x7f.1/", nil},                        // hex IPv4
		{"http://2130706433/", nil},                    // integer IPv4
		{"http://127.1/", nil},                         // short IPv4
		{"http://0177.0.0.1/", nil},                    // octal IPv4
		{"http://127.0.0.01/", nil},                    // leading zero
		{"http://1.2.3.4.5/", nil},                     // five parts
		{"http://example.123/", nil},                   // numeric last label
		{"http://exa..mple.com/", nil},                 // empty label
		{"http://example.com../", nil},                 // two trailing dots
		{"http://ex!ample.com/", nil},                  // bad host character
		{"http://éxample.com/", nil},                   // non-ASCII
		{"http://example.com:99999/", nil},             // port out of range
		{"http://example.com/a/../admin", nil},         // dot segment
		{"http://example.com/a/%2e%2E/admin", nil},     // encoded dot segment
		{"http://example.com/?a=1;b=2", nil},           // ambiguous query separator
		{"http://[::1/", nil},                          // bad IPv6
		{"http://[127.0.0.1]/", nil},                   // IPv4 in brackets
		{"https://" + string(make([]byte, 9000)), nil}, // too long (and NULs)
	}
	for _, tt := range tests {
		got, err := parseURL(tt.in)
		if tt.want == nil {
			if err == nil {
				t.Errorf("parseURL(%q) = %+v, want error", tt.in, got)
			}
			continue
		}
		if err != nil {
			t.Errorf("parseURL(%q): %v", tt.in, err)
			continue
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("parseURL(%q) (-want +got):\n%s", tt.in, diff)
		}
	}
}

func TestIP(t *testing.T) {
	private := []string{
		"10.1.2.3", "172.16.0.1", "192.168.1.1", "127.0.0.1", "169.254.169.254", "0.0.0.0", "0.1.2.3",
		"100.64.0.1", "100.127.255.255", "224.0.0.1", "255.255.255.255", "198.18.0.1",
		"::1", "::", "fe80::1", "fc00::1", "fd12::1", "ff02::1",
		"::ffff:127.0.0.1", "::ffff:10.0.0.1", "::ffff:169.254.169.254", "2002:a00:1::1", "64:ff9b::a00:1",
		// The IANA registries as code.dny.dev/ssrf lists them: documentation,
		// 6to4 relay, AS112, IPv6 outside 2000::/3, 6to4 as a whole.
		"192.0.2.1", "198.51.100.7", "203.0.113.9", "192.88.99.1", "192.31.196.1", "2001:db8::1", "3fff::1",
		"2001::1", "fec0::1", "100::1", "2002:808:808::1",
	}
	public := []string{"8.8.8.8", "1.1.1.1", "100.128.0.1", "100.63.255.255", "2606:4700::1111", "::ffff:8.8.8.8", "2001:4860:4860::8888"}
	for _, s := range private {
		if ok, err := isPrivateIP(s); err != nil || !ok {
			t.Errorf("isPrivateIP(%q) = %v, %v; want true", s, ok, err)
		}
	}
	for _, s := range public {
		if ok, err := isPrivateIP(s); err != nil || ok {
			t.Errorf("isPrivateIP(%q) = %v, %v; want false", s, ok, err)
		}
	}
	for _, s := range []string{"", "example.com", "127.1", "0x7f.0.0.1", "010.0.0.1", "fe80::1%eth0", "[::1]"} {
		if _, err := isPrivateIP(s); err == nil {
			t.Errorf("isPrivateIP(%q): want error", s)
		}
	}

	cidr := []struct {
		ip, cidr string
		want     bool
		err      bool
	}{
		{"10.1.2.3", "10.0.0.0/8", true, false},
		{"11.1.2.3", "10.0.0.0/8", false, false},
		{"10.1.2.3", "10.1.2.0/24", true, false},
		{"10.1.2.3", "10.1.2.3/8", true, false}, // unmasked prefix is masked
		{"::ffff:10.1.2.3", "10.0.0.0/8", true, false},
		{"2001:db8::5", "2001:db8::/32", true, false},
		{"10.1.2.3", "2001:db8::/32", false, false},
		{"x", "10.0.0.0/8", false, true},
		{"10.1.2.3", "10.0.0.0", false, true},
		{"10.1.2.3", "10.0.0.0/33", false, true},
	}
	for _, tt := range cidr {
		got, err := inCIDR(tt.ip, tt.cidr)
		if got != tt.want || (err != nil) != tt.err {
			t.Errorf("inCIDR(%q, %q) = %v, %v; want %v, error %v", tt.ip, tt.cidr, got, err, tt.want, tt.err)
		}
	}
}

// TestFunctionsInCEL checks the functions as rules see them.
func TestFunctionsInCEL(t *testing.T) {
	tests := []struct {
		when string
		args map[string]any
		want bool // allowed; an evaluation error denies
	}{
		{`url(args.u).port == 8443 && url(args.u).path == "/x" && url(args.u).query.a == "1"`, map[string]any{"u": "https://h.example:8443/x?a=1"}, true},
		{`url(args.u).host == "::1"`, map[string]any{"u": "http://[::1]/"}, true},
		{`url(args.u).scheme == "https"`, map[string]any{"u": "https://u@h/"}, false},
		{`!isPrivateIP(url(args.u).host)`, map[string]any{"u": "http://10.0.0.1/"}, false},
		{`!isPrivateIP(url(args.u).host)`, map[string]any{"u": "http://8.8.8.8/"}, true},
		{`isIP(url(args.u).host) && !isPrivateIP(url(args.u).host) || !isIP(url(args.u).host)`, map[string]any{"u": "http://a.example/"}, true},
		{`ip(args.ip) == "2001:db8::1"`, map[string]any{"ip": "2001:DB8:0::1"}, true},
		{`inCIDR(args.ip, "192.168.0.0/16")`, map[string]any{"ip": "192.168.4.4"}, true},
		{`size(args.b) == 3 && size(args.l) == 2 && size(args.m) == 1 && args.i + 1 == 2 && args.f > 1.0 && args.n == null`,
			map[string]any{"b": []byte("abc"), "l": []any{int64(1), "x"}, "m": map[string]any{"k": []any{}}, "i": int64(1), "f": 1.5, "n": nil}, true},
		{`args.s.split(",").size() == 2 && base64.encode(b"hi") == "aGk=" && math.greatest(1, 2) == 2 && [1, 2].distinct() == [1, 2] && sets.contains([1, 2], [1])`,
			map[string]any{"s": "a,b"}, true},
		{"url(args.url).scheme == \"https\" &&\n(!isIP(url(args.url).host) || !isPrivateIP(url(args.url).host))", map[string]any{"url": "https://example.com/"}, true},
		{"url(args.url).scheme == \"https\" &&\n(!isIP(url(args.url).host) || !isPrivateIP(url(args.url).host))", map[string]any{"url": "https://169.254.169.254/"}, false},
		{`now > timestamp("2020-01-01T00:00:00Z") && script.lang == "js" && call.module == "m" && call.function == "f"`, nil, true},
	}
	for _, tt := range tests {
		p, err := New(Policy{Name: "f", Rules: []*Rule{{Name: "r", Allow: []string{"m.f"}, When: tt.when}}}, Options{})
		if err != nil {
			t.Errorf("New(%q): %v", tt.when, err)
			continue
		}
		d := p.Decide(context.Background(), req("m.f", tt.args))
		if d.Allow != tt.want {
			t.Errorf("%s: got %+v, want allow %v", tt.when, d, tt.want)
		}
	}
}
