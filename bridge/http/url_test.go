package http

import (
	"context"
	"testing"

	"github.com/scriptrun/scriptrun/policy"
)

var agree = func() *policy.Policy {
	p, err := policy.Parse("agree.yaml", []byte(`
name: agree
rules:
  - name: same
    allow: [t.x]
    when: url(args.u).scheme == args.scheme && url(args.u).host == args.host && url(args.u).port == args.port
`), policy.Options{})
	if err != nil {
		panic(err)
	}
	return p
}()

// checkAgree fails when checkURL accepts s but the policy's url() reads
// its scheme, host or port differently (or refuses it), both for the URL
// as the script wrote it and as the request sends it.
func checkAgree(t *testing.T, s string) {
	tg, err := checkURL(s)
	if err != nil {
		return
	}
	for _, u := range []string{s, tg.u.String()} {
		d := agree.Decide(context.Background(), &policy.Request{
			Call: policy.Call{Name: "t.x", Module: "t", Function: "x"},
			Args: map[string]any{"u": u, "scheme": tg.u.Scheme, "host": tg.host, "port": int64(tg.port)},
		})
		if !d.Allow {
			t.Errorf("checkURL(%q) = %s %s %d; policy url(%q) disagrees: %s", s, tg.u.Scheme, tg.host, tg.port, u, d.Message)
		}
	}
}

var urlCorpus = []string{
	"http://example.com/", "https://Example.COM./a?b=c#frag", "http://127.0.0.1:8080/x", "https://[::1]:443/",
	"http://[2001:db8::1]/", "http://a_b.example/", "HTTP://example.com", "http://example.com:0/", "http://example.com:/",
	"http://user@example.com/", "http://example.com\\@evil/", "http://0x7f.1/", "http://127.1/", "http://2130706433/",
	"http://example.com/%2e%2e/x", "http://exa%6dple.com/", "http://[fe80::1%25eth0]/", "http:example.com",
	"http:///x", "//example.com/", "ftp://example.com/", "http://example.com:65536/", "http://ex ample.com/",
	"http://example.com/a b", "http://xn--nxasmq6b.example/", "http://example.com?x=%zz", "https://1.2.3.4.5/",
}

func TestURLAgreesWithPolicy(t *testing.T) {
	accepted := 0
	for _, s := range urlCorpus {
		if _, err := checkURL(s); err == nil {
			accepted++
		}
		checkAgree(t, s)
	}
	if accepted < 6 {
		t.Errorf("only %d URLs of the corpus accepted; the test checks little", accepted)
	}
}

func FuzzURL(f *testing.F) {
	for _, s := range urlCorpus {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) { checkAgree(t, s) })
}
