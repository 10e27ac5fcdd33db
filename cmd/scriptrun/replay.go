package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/scriptrun/scriptrun/bridge"
	"github.com/scriptrun/scriptrun/bridge/crypto"
	bridgehttp "github.com/scriptrun/scriptrun/bridge/http"
	"github.com/scriptrun/scriptrun/bridge/kv"
	bridgelog "github.com/scriptrun/scriptrun/bridge/log"
	"github.com/scriptrun/scriptrun/engine"
	"github.com/scriptrun/scriptrun/limits"
	"github.com/scriptrun/scriptrun/policy"
	"github.com/scriptrun/scriptrun/recording"
)

func cmdReplay(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("replay", "scriptrun replay [flags] FILE",
		"Re-run the recording FILE (written by scriptrun run --record) with its input, seed,\n"+
			"clock, identity and budget, answering host calls from the recording (the real\n"+
			"modules are not called, except log) while the policy decides each call, and say\n"+
			"whether the run is the same: \"replay matches\", or where it first diverges (a host\n"+
			"call's capability, args or decision, a call the recording lacks, fewer calls, the\n"+
			"value or error, the step count, the log).\n"+
			"--script and --policy replay a changed script or policy against the recording.\n"+
			"Exit codes: 0 the replay matches, 1 it diverges, 2 usage or bad file.")
	var (
		script, pol          string
		isolation, logFormat = choiceValue{v: "inproc", choices: []string{"inproc", "process"}}, choiceValue{choices: []string{"text", "json"}}
	)
	fs.StringVar(&script, "script", "", "replay this script `FILE` instead of the recorded source (its positions keep the recorded name)")
	fs.StringVar(&pol, "policy", "", "decide with this policy `FILE` instead of the recorded one")
	fs.Var(&isolation, "isolation", "`MODE` the script runs in: inproc or process")
	fs.Var(&logFormat, "log-format", "stderr log `FORMAT`: text or json (default: text on a terminal, else json)")
	pos, code, ok := fs.parse(args, true, stderr)
	if !ok {
		return code
	}
	if len(pos) != 1 {
		return usageErr(stderr, "replay: want one recording FILE, got %d arguments (see scriptrun replay -h)", len(pos))
	}
	rec, err := recording.ReadFile(pos[0])
	if err != nil {
		return usageErr(stderr, "replay: %v", err)
	}
	if rec.Incomplete != "" {
		return usageErr(stderr, "replay: %s: the recording is incomplete and cannot be replayed: %s", pos[0], rec.Incomplete)
	}

	// The script: --script, else the recorded source. Either way it runs
	// under the recorded name, so positions compare.
	var src string
	switch {
	case script != "":
		data, err := readFile(script, nil)
		if err != nil {
			return usageErr(stderr, "%v", err)
		}
		src = string(data)
	case rec.Script.Source != nil:
		src = *rec.Script.Source
	default:
		return usageErr(stderr, "replay: %s does not hold the script's source (sha256 %s): give it with --script", pos[0], rec.Script.SHA256)
	}
	avail := backends()
	lang := rec.Script.Lang
	if script != "" {
		if ext := strings.ToLower(filepath.Ext(script)); ext == ".js" || ext == ".lua" {
			lang = ext[1:]
		}
	}
	if avail[lang] == nil {
		return usageErr(stderr, "replay: language %q is not available in this build", lang)
	}

	// The policy: --policy, else the recorded file, else none.
	var p *policy.Policy
	switch {
	case pol != "":
		var ierr error
		p, err, ierr = loadPolicy(pol)
		if ierr != nil {
			fmt.Fprintf(stderr, "scriptrun: internal error: %v\n", ierr)
			return exitInternal
		}
	case rec.Policy != nil && rec.Policy.Source != nil:
		var caps []policy.Capability
		if caps, err = cliCapabilities(); err != nil {
			fmt.Fprintf(stderr, "scriptrun: internal error: %v\n", err)
			return exitInternal
		}
		p, err = policy.Parse(pos[0]+": recorded policy", []byte(*rec.Policy.Source), policy.Options{Capabilities: caps})
	case rec.Policy != nil:
		return usageErr(stderr, "replay: %s names the policy %q but does not hold it: give it with --policy", pos[0], rec.Policy.Name)
	}
	if err != nil {
		var pe *policy.Error
		if errors.As(err, &pe) {
			fmt.Fprintf(stderr, "scriptrun: invalid policy:\n%v\n", err)
			return exitUsage
		}
		return usageErr(stderr, "policy: %v", err)
	}

	ctx, stopSignals := notifyInterrupt(context.Background())
	defer stopSignals()
	log := newLogger(stderr, logFormat.v)
	httpMod, err := bridgehttp.New(bridgehttp.Options{})
	if err != nil {
		fmt.Fprintf(stderr, "scriptrun: internal error: %v\n", err)
		return exitInternal
	}
	// The modules the recorded run had, for the script's host object and
	// the policy; only log runs (it writes the run's own log), the others
	// are answered from the recording.
	mods := []*bridge.Module{kv.Module(kv.NewMemory()), crypto.Module(nil), bridgelog.Module(), httpMod}
	reg, err := bridge.NewRegistry(mods...)
	if err != nil {
		fmt.Fprintf(stderr, "scriptrun: internal error: %v\n", err)
		return exitInternal
	}
	cfg := engine.Config{Backends: []engine.Backend{avail[lang]}, Modules: mods, Logger: &log,
		Budget: limits.Budget{Source: rec.Budget.Source}}
	if isolation.v == "process" {
		cfg.Isolation, cfg.Workers = engine.Process, engine.WorkerConfig{Size: 1}
	}
	host, err := engine.NewHost(cfg)
	if err != nil {
		fmt.Fprintf(stderr, "scriptrun: internal error: %v\n", err)
		return exitInternal
	}
	defer host.Close()
	s, err := host.Compile(engine.Source{Name: rec.Script.Name, Lang: lang, Code: src})
	if err != nil {
		fmt.Fprintf(stdout, "replay diverges: the script does not compile: %v\n", err)
		return exitScript
	}
	rep, err := recording.Replay(ctx, host, s, p, rec, recording.ReplayOptions{Registry: reg})
	if err != nil {
		return usageErr(stderr, "replay: %v", err)
	}
	if rep.Result != nil {
		writeScriptLogs(log, rec.Script.Name, rep.Result.Logs)
	}
	if pol != "" && rec.Policy != nil && rec.Policy.SHA256 != "" {
		if data, err := readFile(pol, nil); err == nil {
			if sum := sha256.Sum256(data); hex.EncodeToString(sum[:]) != rec.Policy.SHA256 {
				rep.Notes = append(rep.Notes, fmt.Sprintf("the policy file differs from the recorded one (sha256 %.12s, recorded %.12s)",
					hex.EncodeToString(sum[:]), rec.Policy.SHA256))
			}
		}
	}
	for _, n := range rep.Notes {
		fmt.Fprintf(stdout, "note: %s\n", n)
	}
	if ie := interruptOf(ctx); ie != nil {
		fmt.Fprintf(stdout, "replay interrupted by %s\n", ie.name)
		return ie.code
	}
	if !rep.Match() {
		fmt.Fprintf(stdout, "replay diverges: %s\n", rep.Divergence)
		return exitScript
	}
	outcome := "ok"
	if rep.Err != nil {
		var e *engine.Error
		if errors.As(rep.Err, &e) {
			outcome = string(e.Kind) + " error"
		}
	}
	fmt.Fprintf(stdout, "replay matches: %s, %d host calls, %d steps\n", outcome, len(rec.Calls), rep.Result.Usage.Steps)
	return exitOK
}
