package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/scriptrun/scriptrun/bridge"
	"github.com/scriptrun/scriptrun/bridge/crypto"
	bridgehttp "github.com/scriptrun/scriptrun/bridge/http"
	"github.com/scriptrun/scriptrun/bridge/kv"
	bridgelog "github.com/scriptrun/scriptrun/bridge/log"
	"github.com/scriptrun/scriptrun/engine"
	"github.com/scriptrun/scriptrun/limits"
	"github.com/scriptrun/scriptrun/policy"
	"github.com/scriptrun/scriptrun/serve"
	"github.com/scriptrun/scriptrun/suite"
)

// serveFlags are the flags of "scriptrun serve".
type serveFlags struct {
	addr, scripts, policies, kv     string
	token, tokenFile                string
	isolation, logFormat            choiceValue
	workers, maxRuns, maxRunsTenant int
	maxConns                        int
	maxWait, reload, grace          time.Duration
	maxBody, maxPending             sizeFlag
	inline                          bool
}

// sizeFlag is a byte size flag: 65536, 64KiB, 64MiB, 1MB.
type sizeFlag int64

func (v *sizeFlag) Set(s string) error {
	n, ok := limits.ParseSize(s)
	if !ok {
		return fmt.Errorf("want a size such as 65536, 64KiB or 1MiB")
	}
	*v = sizeFlag(n)
	return nil
}

func (v *sizeFlag) String() string { return strconv.FormatInt(int64(*v), 10) }

func (f *serveFlags) register(fs *flagSet) {
	f.isolation = choiceValue{v: "inproc", choices: []string{"inproc", "process"}}
	f.logFormat = choiceValue{choices: []string{"text", "json"}}
	fs.StringVar(&f.addr, "addr", "127.0.0.1:8080", "`HOST:PORT` to listen on (port 0: any free port, logged)")
	fs.StringVar(&f.scripts, "scripts", "", "`DIR` of the scripts requests name (*.js, *.lua), reread when they change")
	fs.StringVar(&f.policies, "policies", "", "`DIR` of tenant policies, T.yaml for tenant T (none: no capabilities), reread when they change")
	fs.StringVar(&f.kv, "kv", "", "the kv module's store: a bbolt `FILE`, a .json fixture, or a postgres:// URL (PG* variables fill what it leaves out); default: in memory. Each tenant has its own keys")
	fs.Var(&f.isolation, "isolation", "`MODE` scripts run in: inproc (this process), or process (contained worker processes)")
	fs.IntVar(&f.workers, "workers", 0, "worker processes kept ready with --isolation process, `N` (0: one per CPU)")
	fs.BoolVar(&f.inline, "inline", false, "let requests carry their script's source (\"source\" and \"lang\")")
	fs.StringVar(&f.token, "token", "", "bearer `TOKEN` the /v1/ endpoints require (visible in ps: prefer --token-file)")
	fs.StringVar(&f.tokenFile, "token-file", "", "`FILE` holding the bearer token the /v1/ endpoints require")
	fs.IntVar(&f.maxRuns, "max-runs", 0, "runs going on at once, `N` (0: 8 per CPU, at least 8)")
	fs.IntVar(&f.maxRunsTenant, "max-runs-per-tenant", 0, "runs of one tenant going on at once, `N` (0: only --max-runs)")
	fs.DurationVar(&f.maxWait, "max-wait", 0, "how long a run waits to be admitted before a 429, `DUR` (0: 5s)")
	fs.Var(&f.maxBody, "max-body", "request body `SIZE` (0: the source and input budgets plus 64KiB)")
	fs.Var(&f.maxPending, "max-pending", "request bodies held at once, `SIZE` in bytes, through their runs; past it a 429 (0: 64MiB)")
	fs.IntVar(&f.maxConns, "max-conns", 0, "connections held open at once, `N` (0: 4096); more wait in the listen backlog")
	fs.DurationVar(&f.reload, "reload", 2*time.Second, "how often the directories are checked for changes, `DUR`")
	fs.DurationVar(&f.grace, "shutdown-grace", 20*time.Second, "on SIGTERM or SIGINT, how long runs in progress get to finish, `DUR`")
	fs.Var(&f.logFormat, "log-format", "stderr log `FORMAT`: text or json (default: text on a terminal, else json)")
}

func cmdServe(args []string, stderr io.Writer) int {
	fs := newFlagSet("serve", "scriptrun serve [flags]",
		"Serve runs over HTTP: POST /v1/run with {\"script\": NAME or SHA256, \"input\": ..., \"tenant\": T,\n"+
			"\"labels\": {...}} answers the JSON of scriptrun run, with status 200 whatever the run's outcome\n"+
			"(429 with Retry-After when the service is busy, 4xx for a bad request). Also\n"+
			"GET /healthz, /readyz, /metrics (Prometheus), /v1/admin/status, POST /v1/admin/reload.\n"+
			"Tracing follows the OTEL_* variables (OTLP over HTTP when an endpoint is set).\n"+
			"SIGTERM or SIGINT stops it gracefully; exit 0 after a clean shutdown, 2 on a bad flag\n"+
			"or directory, 1 when the listener fails.")
	var f serveFlags
	f.register(fs)
	pos, code, ok := fs.parse(args, false, stderr)
	if !ok {
		return code
	}
	if len(pos) != 0 {
		return usageErr(stderr, "serve: unexpected argument %q (see scriptrun serve -h)", pos[0])
	}
	token := f.token
	if f.tokenFile != "" {
		if f.token != "" {
			return usageErr(stderr, "serve: --token and --token-file are exclusive")
		}
		data, err := readBounded(f.tokenFile, nil, 4096)
		if err != nil {
			return usageErr(stderr, "serve: --token-file: %v", err)
		}
		token = strings.TrimSpace(string(data))
		if token == "" {
			return usageErr(stderr, "serve: --token-file %s is empty", f.tokenFile)
		}
	}

	log := newLogger(stderr, f.logFormat.v)
	ctx, stopSignals := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stopSignals()

	store, closeStore, err := openKV(f.kv)
	if err != nil {
		return usageErr(stderr, "serve: --kv: %v", err)
	}
	defer closeStore()
	httpMod, err := bridgehttp.New(bridgehttp.Options{})
	if err != nil {
		fmt.Fprintf(stderr, "scriptrun: internal error: %v\n", err)
		return exitInternal
	}
	mods := []*bridge.Module{kv.Module(store, kv.Options{PerTenant: true}), crypto.Module(nil), bridgelog.Module(), httpMod}
	caps, err := suite.Capabilities(mods)
	if err != nil {
		fmt.Fprintf(stderr, "scriptrun: internal error: %v\n", err)
		return exitInternal
	}
	avail := backends()
	hc := engine.Config{
		Backends: []engine.Backend{avail["js"], avail["lua"]},
		Modules:  mods,
		Logger:   &log,
		Admission: engine.Admission{MaxRuns: f.maxRuns, MaxRunsPerTenant: f.maxRunsTenant,
			MaxWait: f.maxWait},
	}
	if f.isolation.v == "process" {
		hc.Isolation, hc.Workers = engine.Process, engine.WorkerConfig{Size: f.workers}
	}
	tp, stopTracing, err := serve.TracerFromEnv(ctx)
	if err != nil {
		return usageErr(stderr, "serve: tracing: %v", err)
	}
	defer func() {
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = stopTracing(sctx)
	}()
	reload := f.reload
	if reload <= 0 {
		reload = -1
	}
	srv, err := serve.New(serve.Config{
		Host:            hc,
		Scripts:         f.scripts,
		Policies:        f.policies,
		PolicyOptions:   policy.Options{Capabilities: caps},
		Inline:          f.inline,
		Token:           token,
		MaxBody:         int64(f.maxBody),
		MaxPendingBytes: int64(f.maxPending),
		MaxConns:        f.maxConns,
		Reload:          reload,
		TracerProvider:  tp,
		RetryAfter:      max(f.maxWait, time.Second),
	})
	if err != nil {
		return usageErr(stderr, "%v", err)
	}
	ln, err := net.Listen("tcp", f.addr)
	if err != nil {
		srv.Close()
		fmt.Fprintf(stderr, "scriptrun: serve: %v\n", err)
		return exitScript
	}
	log.Info().Str("event", "serve.listening").Str("addr", ln.Addr().String()).
		Bool("inline", f.inline).Bool("auth", token != "").Str("isolation", f.isolation.v).Msg("serve.listening")
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err = <-served:
		// The listener failed (Serve returns only on a shutdown otherwise).
		srv.Close()
		fmt.Fprintf(stderr, "scriptrun: serve: %v\n", err)
		return exitScript
	case <-ctx.Done():
	}
	// A second signal has its default effect: it ends the process at once.
	stopSignals()
	log.Info().Str("event", "serve.shutdown").Dur("grace", f.grace).Msg("serve.shutdown")
	sctx, cancel := context.WithTimeout(context.Background(), f.grace)
	defer cancel()
	err = srv.Shutdown(sctx)
	if serr := <-served; !errors.Is(serr, http.ErrServerClosed) {
		err = errors.Join(err, serr)
	}
	if err != nil {
		log.Warn().Str("event", "serve.stopped").Str("error", err.Error()).Msg("serve.stopped")
		return exitOK // the runs cut short have had their answers
	}
	log.Info().Str("event", "serve.stopped").Msg("serve.stopped")
	return exitOK
}
