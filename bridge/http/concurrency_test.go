package http_test

import (
	"context"
	"fmt"
	nethttp "net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/rs/zerolog"

	"github.com/scriptrun/scriptrun/bridge"
	"github.com/scriptrun/scriptrun/bridge/http"
)

type allowAll struct{}

func (allowAll) Check(context.Context, *bridge.Call) (bridge.Decision, error) {
	return bridge.Decision{Allow: true, Rule: "all"}, nil
}

// TestInFlight drives the module through a Dispatcher from goroutines (the
// engine's calls are one at a time today): one run may have at most
// MaxConcurrent requests in flight, and another run is not counted against
// it.
func TestInFlight(t *testing.T) {
	arrived, release := make(chan struct{}, 10), make(chan struct{})
	ts := httptest.NewServer(nethttp.HandlerFunc(func(w nethttp.ResponseWriter, r *nethttp.Request) {
		arrived <- struct{}{}
		<-release
		fmt.Fprint(w, "ok")
	}))
	defer ts.Close()
	mod, err := http.New(http.Options{MaxConcurrent: 2})
	if err != nil {
		t.Fatal(err)
	}
	reg, err := bridge.NewRegistry(mod)
	if err != nil {
		t.Fatal(err)
	}
	d := &bridge.Dispatcher{Registry: reg, Gate: allowAll{}, Log: zerolog.Nop()}
	run := bridge.WithRun(context.Background(), &bridge.Run{})
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = d.Call(run, "http.get", []any{ts.URL + "/"})
		}()
	}
	<-arrived
	<-arrived
	if _, err := d.Call(run, "http.get", []any{ts.URL + "/"}); err == nil || !strings.Contains(err.Error(), "more than 2 requests of this run in flight") {
		t.Errorf("third request in flight: %v", err)
	}
	// Another run has its own count.
	other := bridge.WithRun(context.Background(), &bridge.Run{})
	done := make(chan error)
	go func() { _, err := d.Call(other, "http.get", []any{ts.URL + "/"}); done <- err }()
	<-arrived
	close(release)
	if err := <-done; err != nil {
		t.Errorf("another run's request: %v", err)
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("request %d: %v", i, err)
		}
	}
	// With the two finished, the run may send again.
	if _, err := d.Call(run, "http.get", []any{ts.URL + "/"}); err != nil {
		t.Errorf("after the others finished: %v", err)
	}
}
