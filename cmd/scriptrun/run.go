package main

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/scriptrun/scriptrun/bridge"
	"github.com/scriptrun/scriptrun/bridge/crypto"
	bridgehttp "github.com/scriptrun/scriptrun/bridge/http"
	"github.com/scriptrun/scriptrun/bridge/kv"
	"github.com/scriptrun/scriptrun/bridge/kv/postgres"
	bridgelog "github.com/scriptrun/scriptrun/bridge/log"
	"github.com/scriptrun/scriptrun/engine"
	"github.com/scriptrun/scriptrun/engine/js"
	"github.com/scriptrun/scriptrun/engine/lua"
	"github.com/scriptrun/scriptrun/internal/runio"
	"github.com/scriptrun/scriptrun/limits"
	"github.com/scriptrun/scriptrun/policy"
	"github.com/scriptrun/scriptrun/recording"
)

// backends returns the script languages this build runs, by extension.
func backends() map[string]engine.Backend {
	return map[string]engine.Backend{
		"js":  js.New(),
		"lua": lua.New(),
	}
}

// deterministicTime is the clock of --deterministic runs.
var deterministicTime = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

// runFlags are the flags of "scriptrun run".
type runFlags struct {
	lang, input, policy, tenant, kv string
	record                          string
	labels                          labelsValue
	budget                          limits.Budget // one flag per field
	isolation, logFormat            choiceValue
	deterministic                   bool
}

func (f *runFlags) register(fs *flagSet) {
	f.labels = labelsValue{}
	f.isolation = choiceValue{v: "inproc", choices: []string{"inproc", "process"}}
	f.logFormat = choiceValue{choices: []string{"text", "json"}}
	fs.StringVar(&f.lang, "lang", "", "script language `LANG`: js or lua (default: from the extension)")
	fs.StringVar(&f.input, "input", "", "JSON input `FILE`, - for stdin (default: null)")
	fs.StringVar(&f.policy, "policy", "", "policy YAML `FILE` (default: no policy, every host call denied)")
	fs.StringVar(&f.tenant, "tenant", "", "the script's tenant `NAME` (script.tenant in policies)")
	fs.Var(f.labels, "label", "a script label `k=v` (script.labels in policies); repeatable")
	registerBudget(fs, &f.budget)
	fs.Var(&f.isolation, "isolation", "`MODE` the script runs in: inproc (this process), or process (a contained worker process)")
	fs.StringVar(&f.kv, "kv", "", "`FILE` backing the kv module: a .json fixture, any other name a bbolt database (default: in memory)")
	fs.BoolVar(&f.deterministic, "deterministic", false, "seed 1 and a clock fixed at 2000-01-01T00:00:00Z")
	fs.Var(&f.logFormat, "log-format", "stderr log `FORMAT`: text or json (default: text on a terminal, else json)")
	fs.StringVar(&f.record, "record", "", "write a recording of the run to `FILE` (see scriptrun replay), whatever its outcome")
}

// langOf returns the language of script: flag if set, else its extension.
func langOf(script, flag string, avail map[string]engine.Backend) (string, error) {
	lang := flag
	if lang == "" {
		switch strings.ToLower(filepath.Ext(script)) {
		case ".js":
			lang = "js"
		case ".lua":
			lang = "lua"
		default:
			return "", fmt.Errorf("cannot tell the language of %s from its extension (want .js or .lua); use --lang", script)
		}
	}
	if avail[lang] == nil {
		if lang == "js" || lang == "lua" {
			return "", fmt.Errorf("language %s is not available in this build", lang)
		}
		return "", fmt.Errorf("unknown language %q (want js or lua)", lang)
	}
	return lang, nil
}

func cmdRun(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := newFlagSet("run", "scriptrun run [flags] SCRIPT",
		"Run one script (language from .js/.lua or --lang) and print one JSON object on stdout:\n"+
			`{"ok":true,"value":...,"usage":{...}} or {"ok":false,"error":{...},"usage":{...}}.`+"\n"+
			"Exit codes: 0 ok, 1 compile/runtime/output error, 2 usage or bad file,\n"+
			"3 limit, 4 denied, 5 host error, 70 internal error. Flags may also follow SCRIPT.")
	var f runFlags
	f.register(fs)
	pos, code, ok := fs.parse(args, true, stderr)
	if !ok {
		return code
	}
	if len(pos) != 1 {
		return usageErr(stderr, "run: want one SCRIPT, got %d arguments (see scriptrun run -h)", len(pos))
	}
	path := pos[0]
	avail := backends()
	lang, err := langOf(path, f.lang, avail)
	if err != nil {
		return usageErr(stderr, "run: %v", err)
	}
	if f.input == "-" && path == "-" {
		return usageErr(stderr, "run: the script and --input cannot both be stdin")
	}
	if f.record != "" {
		// The recording replaces its file when the run ends: never one of
		// the run's own files.
		if rs, err := os.Stat(f.record); err == nil {
			for _, other := range []string{path, f.input, f.policy, f.kv} {
				if oi, err := os.Stat(other); other != "" && other != "-" && err == nil && os.SameFile(rs, oi) {
					return usageErr(stderr, "run: --record %s would replace %s, a file of the run", f.record, other)
				}
			}
		}
	}

	src, err := readFile(path, stdin)
	if err != nil {
		return usageErr(stderr, "%v", err)
	}
	name := filepath.Base(path)
	if path == "-" {
		name = "stdin." + lang
	}

	var pol *policy.Policy
	if f.policy != "" {
		// The policy is checked against the capabilities the CLI's modules
		// provide, as `check` does: a misspelt deny entry must not load.
		var ierr error
		pol, err, ierr = loadPolicy(f.policy)
		if ierr != nil {
			fmt.Fprintf(stderr, "scriptrun: internal error: %v\n", ierr)
			return exitInternal
		}
		if err != nil {
			var pe *policy.Error
			if errors.As(err, &pe) {
				fmt.Fprintf(stderr, "scriptrun: invalid policy:\n%v\n", err)
				return exitUsage
			}
			return usageErr(stderr, "policy: %v", err)
		}
	}

	var input any
	if f.input != "" {
		// The file is held to the input budget as it is, before it is
		// parsed (the engine then holds the value to the same budget).
		var ceiling limits.Budget
		if pol != nil {
			ceiling = pol.Limits
		}
		budget, err := limits.Resolve(limits.Default(), f.budget, ceiling)
		if err != nil {
			return usageErr(stderr, "run: %v", err)
		}
		data, err := readBounded(f.input, stdin, budget.Input)
		var tl *tooLargeError
		if errors.As(err, &tl) {
			size := "more than " + strconv.FormatInt(tl.max, 10)
			if tl.size >= 0 {
				size = strconv.FormatInt(tl.size, 10)
			}
			return writeResult(stdout, stderr, nil, &engine.Error{Kind: engine.KindLimit, Limit: limits.Input,
				Message: fmt.Sprintf("input: %s holds %s bytes, over the input budget (%d)", tl.name, size, tl.max), Err: tl})
		}
		if err != nil {
			return usageErr(stderr, "%v", err)
		}
		input, err = decodeInput(displayName(f.input), data)
		if err != nil {
			return usageErr(stderr, "%v", err)
		}
	}

	// From here on SIGINT and SIGTERM stop the run instead of the process,
	// so the kv store is closed and the result is written (see interrupt).
	ctx, stopSignals := notifyInterrupt(context.Background())
	defer stopSignals()

	store, closeStore, err := openKV(f.kv)
	if err != nil {
		return usageErr(stderr, "%v", err)
	}
	defer closeStore()

	opts := engine.RunOptions{
		Input:    input,
		Policy:   pol,
		Budget:   f.budget,
		Identity: engine.Identity{Tenant: f.tenant, Labels: f.labels},
	}
	var random io.Reader // nil: crypto/rand
	if f.deterministic {
		opts.Seed = 1
		opts.Now = func() time.Time { return deterministicTime }
		random = seededReader(opts.Seed)
	}

	log := newLogger(stderr, f.logFormat.v)
	// On a text stderr, a script's error is also shown with its code frame.
	frame := func(error) {}
	if logFormat(stderr, f.logFormat.v) == "text" {
		frame = func(err error) { writeErrorFrame(stderr, err, name, string(src), lang) }
	}
	httpMod, err := bridgehttp.New(bridgehttp.Options{})
	if err != nil {
		fmt.Fprintf(stderr, "scriptrun: internal error: %v\n", err)
		return exitInternal
	}
	mods := []*bridge.Module{kv.Module(store), crypto.Module(random), bridgelog.Module(), httpMod}
	var rec *recording.Recorder
	if f.record != "" {
		source := string(src)
		ro := recording.Options{Input: input, Source: &source}
		if ro.Registry, err = bridge.NewRegistry(mods...); err != nil {
			fmt.Fprintf(stderr, "scriptrun: internal error: %v\n", err)
			return exitInternal
		}
		if f.policy != "" {
			// The policy file as read now, kept in the recording so that
			// a replay decides as this run did.
			if ro.PolicySource, err = readFile(f.policy, nil); err != nil {
				return usageErr(stderr, "%v", err)
			}
		}
		if rec, err = recording.NewRecorder(ro); err != nil {
			fmt.Fprintf(stderr, "scriptrun: internal error: %v\n", err)
			return exitInternal
		}
		opts.Observer, opts.Now = rec, rec.Clock(opts.Now)
	}
	cfg := engine.Config{
		Backends: []engine.Backend{avail[lang]},
		Modules:  mods,
		Logger:   &log,
		// The source budget applies at compile time, from the host's.
		Budget: limits.Budget{Source: f.budget.Source},
	}
	if f.isolation.v == "process" {
		// One run: one worker, started now.
		cfg.Isolation, cfg.Workers = engine.Process, engine.WorkerConfig{Size: 1}
	}
	host, err := engine.NewHost(cfg)
	if err != nil {
		fmt.Fprintf(stderr, "scriptrun: internal error: %v\n", err)
		return exitInternal
	}

	script, err := host.Compile(engine.Source{Name: name, Lang: lang, Code: string(src)})
	if err != nil {
		host.Close()
		frame(err)
		if rec != nil {
			fmt.Fprintf(stderr, "scriptrun: --record: nothing recorded: the script did not compile\n")
		}
		return writeResult(stdout, stderr, nil, err)
	}
	if ie := interruptOf(ctx); ie != nil {
		host.Close()
		return ie.write(stdout, stderr, nil, nil)
	}

	res, err := host.Run(ctx, script, opts)
	host.Close()
	writeScriptLogs(log, name, res.Logs)
	frame(err)
	if ie := interruptOf(ctx); ie != nil && err != nil {
		// However the run ended once its ctx was canceled (a canceled
		// run, a host call cut short), the signal is why.
		code = ie.write(stdout, stderr, res, err)
	} else {
		code = writeResult(stdout, stderr, res, err)
	}
	if rec != nil {
		if werr := writeRecording(rec, f.record); werr != nil {
			fmt.Fprintf(stderr, "scriptrun: --record: %v\n", werr)
			if code == exitOK {
				code = exitUsage
			}
		}
	}
	return code
}

// writeRecording writes what rec recorded to path, atomically.
func writeRecording(rec *recording.Recorder, path string) error {
	r, err := rec.Recording()
	if err != nil {
		return err
	}
	if r.Incomplete != "" {
		// Written all the same: the outcome is there to read.
		err = fmt.Errorf("the recording is incomplete (it cannot be replayed): %s", r.Incomplete)
	}
	if werr := recording.WriteFile(path, r); werr != nil {
		return werr
	}
	return err
}

// interrupt is the cause of a run's ctx canceled by a signal.
type interrupt struct {
	name string // SIGINT, SIGTERM
	code int    // 128 + the signal's number, as a shell reports it
}

func (e *interrupt) Error() string { return "interrupted by " + e.name }

// write prints the run's JSON error for the interrupt (kind runtime,
// message "interrupted by SIGINT", and the script's position when the run
// error has one) and returns its exit code.
func (e *interrupt) write(stdout, stderr io.Writer, res *engine.Result, runErr error) int {
	ie := &engine.Error{Kind: engine.KindRuntime, Message: e.Error(), Err: e}
	var re *engine.Error
	if errors.As(runErr, &re) {
		ie.Pos, ie.Stack = re.Pos, re.Stack
	}
	if code := writeResult(stdout, stderr, res, ie); code != exitScript {
		return code
	}
	return e.code
}

// notifyInterrupt returns a ctx that SIGINT or SIGTERM cancels with an
// *interrupt cause. Only the first signal is caught: a second one has its
// default effect and ends the process at once (for a run that does not
// stop). stop releases the signals.
func notifyInterrupt(parent context.Context) (ctx context.Context, stop func()) {
	ctx, cancel := context.WithCancelCause(parent)
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, syscall.SIGINT, syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		select {
		case sig := <-ch:
			signal.Stop(ch)
			ie := &interrupt{name: "SIGTERM", code: 143}
			if sig == syscall.SIGINT {
				ie = &interrupt{name: "SIGINT", code: 130}
			}
			cancel(ie)
		case <-done:
		}
	}()
	return ctx, func() {
		signal.Stop(ch)
		close(done)
		cancel(nil)
	}
}

// interruptOf returns the signal that canceled ctx, or nil.
func interruptOf(ctx context.Context) *interrupt {
	var ie *interrupt
	if errors.As(context.Cause(ctx), &ie) {
		return ie
	}
	return nil
}

// seededReader returns a deterministic random stream for the crypto module.
func seededReader(seed uint64) io.Reader {
	var key [32]byte
	binary.LittleEndian.PutUint64(key[:], seed)
	copy(key[8:], "scriptrun/cli/crypto")
	return rand.NewChaCha8(key)
}

// writeResult prints the JSON object for a compile or run outcome
// (runio.Encode, with the cause of a host error) and returns the exit
// code. res may be nil (compile errors).
func writeResult(stdout, stderr io.Writer, res *engine.Result, err error) int {
	out, e := runio.Encode(res, err, runio.Options{HostCause: true})
	code := exitOK
	if e != nil {
		if cause := runio.InternalCause(e); cause != "" {
			fmt.Fprintf(stderr, "scriptrun: internal error: %s\n", cause)
		}
		code = exitCode(e.Kind)
	}
	enc := json.NewEncoder(stdout)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(out); err != nil {
		fmt.Fprintf(stderr, "scriptrun: internal error: cannot encode the result: %v\n", err)
		return exitInternal
	}
	return code
}

// exitCode maps an error kind to the CLI's exit code.
func exitCode(k engine.Kind) int {
	switch k {
	case engine.KindCompile, engine.KindRuntime, engine.KindOutput:
		return exitScript
	case engine.KindInput:
		return exitUsage
	case engine.KindLimit:
		return exitLimit
	case engine.KindDenied:
		return exitDenied
	case engine.KindHost:
		return exitHost
	case engine.KindBusy:
		return exitBusy
	case engine.KindQuarantined:
		return exitQuarantined
	}
	return exitInternal
}

// openKV opens the store behind --kv: a name ending in .json is a JSON
// fixture (kv.OpenFile), a postgres:// or postgresql:// URL a PostgreSQL
// database (kv/postgres; the PG* environment variables fill in what the
// URL leaves out, so a password need not be on the command line), any
// other name a bbolt database (kv.OpenBolt, created if missing); no name is
// a store in memory.
func openKV(path string) (kv.Store, func(), error) {
	switch {
	case path == "":
		return kv.NewMemory(), func() {}, nil
	case strings.EqualFold(filepath.Ext(path), ".json"):
		f, err := kv.OpenFile(path)
		return f, func() {}, err
	case strings.HasPrefix(path, "postgres://"), strings.HasPrefix(path, "postgresql://"):
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		pg, err := postgres.Open(ctx, path, postgres.Options{})
		if err != nil {
			return nil, nil, err
		}
		return pg, pg.Close, nil
	}
	b, err := kv.OpenBolt(path)
	if err != nil {
		return nil, nil, err
	}
	return b, func() { b.Close() }, nil
}
