package http_test

import (
	"context"
	"fmt"
	nethttp "net/http"
	"net/http/httptest"

	"github.com/scriptrun/scriptrun/bridge"
	"github.com/scriptrun/scriptrun/bridge/http"
	"github.com/scriptrun/scriptrun/engine"
	"github.com/scriptrun/scriptrun/engine/js"
	"github.com/scriptrun/scriptrun/policy"
)

// A script fetches from a partner API. The partner here is a local test
// server, so the policy must also allow its loopback address
// (http.private); a policy for a public partner has no such rule.
func Example() {
	partner := httptest.NewServer(nethttp.HandlerFunc(func(w nethttp.ResponseWriter, r *nethttp.Request) {
		fmt.Fprint(w, `{"orders": 3}`)
	}))
	defer partner.Close()

	mod, err := http.New(http.Options{})
	if err != nil {
		panic(err)
	}
	h, _ := engine.NewHost(engine.Config{Backends: []engine.Backend{js.New()}, Modules: []*bridge.Module{mod}})
	defer h.Close()
	pol, err := policy.Parse("partner.yaml", []byte(`
name: partner
rules:
  - name: partner-orders
    allow: [http.get]
    when: url(args.url).path == "/orders" && size(args.headers) == 0
  - name: local-partner
    allow: [http.private]
    when: args.ip == "127.0.0.1"
`), policy.Options{})
	if err != nil {
		panic(err)
	}
	s, _ := h.Compile(engine.Source{Name: "sync.js", Lang: "js",
		Code: `const r = host.http.get(input.url + "/orders"); return [r.status, JSON.parse(r.body).orders]`})
	res, err := h.Run(context.Background(), s, engine.RunOptions{Policy: pol, Input: map[string]any{"url": partner.URL}})
	fmt.Println(res.Value, err)

	// Another path is not in the policy.
	s, _ = h.Compile(engine.Source{Name: "admin.js", Lang: "js", Code: `return host.http.get(input.url + "/admin").status`})
	_, err = h.Run(context.Background(), s, engine.RunOptions{Policy: pol, Input: map[string]any{"url": partner.URL}})
	fmt.Println(err)
	// Output:
	// [200 3] <nil>
	// admin.js:1:21: denied error: call to http.get denied: no rule allows it
}
