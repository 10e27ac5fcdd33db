package main

import (
	"errors"
	"fmt"
	"io"
	"path/filepath"

	"github.com/scriptrun/scriptrun/bridge"
	"github.com/scriptrun/scriptrun/bridge/crypto"
	bridgehttp "github.com/scriptrun/scriptrun/bridge/http"
	"github.com/scriptrun/scriptrun/bridge/kv"
	bridgelog "github.com/scriptrun/scriptrun/bridge/log"
	"github.com/scriptrun/scriptrun/engine"
	"github.com/scriptrun/scriptrun/loc"
	"github.com/scriptrun/scriptrun/policy"
	"github.com/scriptrun/scriptrun/suite"
)

// cmdCheck compiles scripts and the policy and runs nothing. It prints a
// line per problem on stderr ("path:line:col: compile error: ..."), with
// the code frame of its position under it, and nothing on success. The exit code is that of the first problem. Policy
// warnings ("path:line:col: warning: ...") are printed but do not change
// the exit code.
func cmdCheck(args []string, stderr io.Writer) int {
	fs := newFlagSet("check", "scriptrun check [--policy FILE] [--lang js|lua] SCRIPT...",
		"Compile the scripts and the policy, run nothing. Problems go to stderr, each\n"+
			"a line with the source line and a caret under it;\n"+
			"exit 0 when everything compiles, 1 on a compile error, 2 on a usage error,\n"+
			"an unreadable file or an invalid policy. The policy is checked against the\n"+
			"CLI's modules (kv, crypto, log, http): an unknown capability is an error;\n"+
			"reading a label or optional argument without has() or `in` is a warning,\n"+
			"which does not change the exit code.")
	var polPath, langFlag string
	fs.StringVar(&polPath, "policy", "", "policy YAML `FILE` to check")
	fs.StringVar(&langFlag, "lang", "", "language of every SCRIPT: js or lua (default: from each extension)")
	paths, code, ok := fs.parse(args, true, stderr)
	if !ok {
		return code
	}
	if len(paths) == 0 && polPath == "" {
		return usageErr(stderr, "check: want at least one SCRIPT or --policy (see scriptrun check -h)")
	}
	code = exitOK
	fail := func(c int) {
		if code == exitOK {
			code = c
		}
	}
	mods, err := cliModules()
	if err != nil {
		fmt.Fprintf(stderr, "scriptrun: internal error: %v\n", err)
		return exitInternal
	}
	if polPath != "" {
		pol, err, ierr := loadPolicy(polPath)
		if ierr != nil {
			fmt.Fprintf(stderr, "scriptrun: internal error: %v\n", ierr)
			return exitInternal
		}
		for _, w := range pol.Warnings() {
			fmt.Fprintf(stderr, "%s: warning: %s\n", w.Pos, w.Msg)
		}
		if err != nil {
			var pe *policy.Error
			if errors.As(err, &pe) {
				fmt.Fprintf(stderr, "%v\n", err)
			} else {
				fmt.Fprintf(stderr, "scriptrun: policy: %v\n", err)
			}
			fail(exitUsage)
		}
	}
	avail := backends()
	list := make([]engine.Backend, 0, len(avail))
	for _, b := range avail {
		list = append(list, b)
	}
	host, err := engine.NewHost(engine.Config{Backends: list, Modules: mods})
	if err != nil {
		fmt.Fprintf(stderr, "scriptrun: internal error: %v\n", err)
		return exitInternal
	}
	for _, path := range paths {
		if path == "-" {
			fmt.Fprintln(stderr, "scriptrun: check: reads script files, not stdin")
			fail(exitUsage)
			continue
		}
		lang, err := langOf(path, langFlag, avail)
		if err != nil {
			fmt.Fprintf(stderr, "scriptrun: %v\n", err)
			fail(exitUsage)
			continue
		}
		src, err := readFile(path, nil)
		if err != nil {
			fmt.Fprintf(stderr, "scriptrun: %v\n", err)
			fail(exitUsage)
			continue
		}
		name := filepath.Base(path)
		if _, err := host.Compile(engine.Source{Name: name, Lang: lang, Code: string(src)}); err != nil {
			var e *engine.Error
			if !errors.As(err, &e) {
				e = &engine.Error{Kind: engine.KindInternal, Message: err.Error()}
			}
			// Show the path as given rather than the base name the engine saw.
			pos := e.Pos
			if pos.File == name || pos.File == "" {
				pos.File = path
			}
			// The message may quote the script (a token): escaped, as
			// the frame under it is.
			fmt.Fprintf(stderr, "%s: %s error: %s\n", loc.Printable(pos.String()), e.Kind, loc.Printable(e.Message))
			if e.Pos.File == name && e.Pos.Line > 0 {
				if frame := loc.Snippet(string(src), e.Pos, syntaxOf(lang)); frame != "" {
					fmt.Fprintln(stderr, frame)
				}
			}
			fail(exitCode(e.Kind))
		}
	}
	return code
}

// cliModules returns the modules the CLI registers (kv, crypto, log, http),
// with implementations that touch nothing: check and policy eval only need
// their names and params.
func cliModules() ([]*bridge.Module, error) {
	httpMod, err := bridgehttp.New(bridgehttp.Options{})
	if err != nil {
		return nil, err
	}
	return []*bridge.Module{kv.Module(kv.NewMemory()), crypto.Module(nil), bridgelog.Module(), httpMod}, nil
}

// loadPolicy loads the policy file at path, checked against the
// capabilities of the CLI's modules (as check, run and policy eval all do).
// ierr is set when the modules themselves cannot be described: a fault of
// scriptrun, not of the policy.
func loadPolicy(path string) (pol *policy.Policy, err, ierr error) {
	caps, ierr := cliCapabilities()
	if ierr != nil {
		return nil, nil, ierr
	}
	pol, err = policy.Load(path, policy.Options{Capabilities: caps})
	return pol, err, nil
}

// cliCapabilities describes the CLI's modules to the policy checks.
func cliCapabilities() ([]policy.Capability, error) {
	mods, err := cliModules()
	if err != nil {
		return nil, err
	}
	return suite.Capabilities(mods)
}
