package serve_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"

	"github.com/scriptrun/scriptrun/engine"
	"github.com/scriptrun/scriptrun/engine/js"
	"github.com/scriptrun/scriptrun/serve"
)

// A service with one script, mounted on an httptest server.
func Example() {
	dir, _ := os.MkdirTemp("", "serve-example-")
	defer os.RemoveAll(dir)
	os.WriteFile(filepath.Join(dir, "double.js"), []byte(`return input * 2`), 0o644)

	srv, err := serve.New(serve.Config{
		Host:    engine.Config{Backends: []engine.Backend{js.New()}},
		Scripts: dir,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer srv.Close()
	ts := httptest.NewServer(srv)
	defer ts.Close()

	resp, err := http.Post(ts.URL+"/v1/run", "application/json",
		strings.NewReader(`{"script": "double.js", "tenant": "acme", "input": 21}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	// The usage varies; the value does not.
	fmt.Println(resp.StatusCode, strings.SplitN(string(body), `,"usage"`, 2)[0])
	// Output: 200 {"ok":true,"value":42
}
