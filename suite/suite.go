package suite

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"

	yaml "go.yaml.in/yaml/v3"

	"github.com/scriptrun/scriptrun/bridge"
	"github.com/scriptrun/scriptrun/bridge/crypto"
	bridgehttp "github.com/scriptrun/scriptrun/bridge/http"
	"github.com/scriptrun/scriptrun/bridge/kv"
	bridgelog "github.com/scriptrun/scriptrun/bridge/log"
	"github.com/scriptrun/scriptrun/engine"
	"github.com/scriptrun/scriptrun/engine/js"
	"github.com/scriptrun/scriptrun/engine/lua"
	"github.com/scriptrun/scriptrun/limits"
	"github.com/scriptrun/scriptrun/loc"
	"github.com/scriptrun/scriptrun/policy"
	"github.com/scriptrun/scriptrun/recording"
)

// Kind says what a suite tests.
type Kind string

const (
	// KindPolicy: a policy alone, call by call (policy: and cases with call:).
	KindPolicy Kind = "policy"
	// KindScript: a script run under a policy (script: and cases with input,
	// kv, mocks and expectations).
	KindScript Kind = "script"
)

// Suite is a loaded suite file: its cases and the policy and script it
// names, parsed and checked. It is immutable once loaded; Run may be called
// any number of times, also concurrently (each Run of a script suite has
// its own host and kv stores).
type Suite struct {
	File  string // the path as given to Load
	Kind  Kind
	Cases []*Case

	pol *policySuite
	scr *scriptSuite
}

// Case is one case of a suite.
type Case struct {
	Name string
	Pos  loc.Pos // where the case starts in the suite file

	pol *policyCase
	scr *scriptCase
}

// Decisions as policy cases expect them.
const (
	decAllow     = "allow"
	decDeny      = "deny"
	decAuditDeny = "audit-deny" // allowed in audit mode, the policy would deny
)

type policySuite struct {
	path    string
	pathPos loc.Pos
	script  policy.Script // defaults.script
	usage   policy.Usage  // defaults.usage
	now     time.Time     // defaults.now
	policy  *policy.Policy
}

type policyCase struct {
	script  policy.Script
	call    policy.Call
	callPos loc.Pos
	args    map[string]any
	argsPos loc.Pos
	usage   policy.Usage
	now     time.Time
	expect  policyExpect
}

type policyExpect struct {
	decision string
	rule     *string // nil: not checked; "": no rule decided
	message  *string // substring
}

type scriptSuite struct {
	path, lang string
	pathPos    loc.Pos
	policyPath string
	policyPos  loc.Pos
	identity   engine.Identity
	budget     limits.Budget
	seed       uint64
	now        time.Time
	src        string
	policy     *policy.Policy
	name       string // the script's base name, as positions show it
}

type scriptCase struct {
	input        any
	identity     engine.Identity
	kv           []kvEntry
	mocks        []mock
	expect       scriptExpect
	recording    string
	recordingPos loc.Pos
	rec          *recording.Recording
}

type mock struct {
	pos     loc.Pos
	call    string
	callPos loc.Pos
	args    map[string]any // nil: any args
	argsPos loc.Pos
	result  any
	err     string // "": answer result
}

type scriptExpect struct {
	hasValue bool
	value    any
	err      *errorExpect
	hasKV    bool
	kv       []kvEntry // value nil: absent
	hasCalls bool
	calls    []string
	usage    []bound
}

type errorExpect struct {
	kind, limit, capability string
	rule                    *string
	message                 string // substring
}

type bound struct {
	field, op string
	n         int64
}

// Options configure loading and running suites. The zero value runs
// suites with the modules the scriptrun CLI registers.
type Options struct {
	// Modules returns the host modules of a script suite's runs, given the
	// kv store of the case being run (a fresh in-memory store per case,
	// seeded from the case's kv:; give it to kv.Module). It is called once
	// per suite, and the policy's capability names are checked against its
	// modules. nil: kv, crypto, log and http, as the CLI has them.
	Modules func(store kv.Store) ([]*bridge.Module, error)
	// Live names the modules whose calls a case does not mock reach the
	// real module; a call of any other module that no mock answers fails
	// the case. nil: kv, log and crypto (http is never called for real).
	Live []string
	// Backends returns the languages a script suite may use; it is called
	// once per suite and the backends are closed with its host. nil: JS
	// and Lua.
	Backends func() []engine.Backend
	// Filter, when set, runs only the cases whose names it matches.
	Filter *regexp.Regexp
	// Coverage collects, for policy suites, which rules some case made
	// apply, and for script suites, which lines ran.
	Coverage bool
	// Progress, when set, is called with each case's result as soon as the
	// case has run (before Run returns), on Run's goroutine: a long suite
	// can report as it goes.
	Progress func(c *CaseResult)
}

// DefaultModules are the modules the CLI registers: kv over store,
// crypto drawing from the run's seed, log, and http with default options.
func DefaultModules(store kv.Store) ([]*bridge.Module, error) {
	h, err := bridgehttp.New(bridgehttp.Options{})
	if err != nil {
		return nil, err
	}
	return []*bridge.Module{kv.Module(store), crypto.Module(nil), bridgelog.Module(), h}, nil
}

func (o *Options) modules(store kv.Store) ([]*bridge.Module, error) {
	if o.Modules != nil {
		return o.Modules(store)
	}
	return DefaultModules(store)
}

func (o *Options) backends() []engine.Backend {
	if o.Backends != nil {
		return o.Backends()
	}
	return []engine.Backend{js.New(), lua.New()}
}

func (o *Options) live(module string) bool {
	list := o.Live
	if list == nil {
		list = []string{"kv", "log", "crypto"}
	}
	for _, m := range list {
		if m == module {
			return true
		}
	}
	return false
}

// Capabilities describes modules to the policy checks as the CLI does:
// every function's capability name with its optional params (unless the
// function shows the policy other args), and http.private when an http
// module is registered.
func Capabilities(mods []*bridge.Module) ([]policy.Capability, error) {
	reg, err := bridge.NewRegistry(mods...)
	if err != nil {
		return nil, err
	}
	caps := []policy.Capability{}
	for _, m := range reg.Modules() {
		for _, f := range m.Funcs {
			c := policy.Capability{Name: m.Name + "." + f.Name}
			if f.PolicyArgs == nil {
				for _, p := range f.Params {
					if p.Optional {
						c.Optional = append(c.Optional, p.Name)
					}
				}
			}
			caps = append(caps, c)
		}
		if m.Name == "http" {
			caps = append(caps, policy.Capability{Name: bridgehttp.PrivateCapability})
		}
	}
	return caps, nil
}

// Find returns the suite files under paths: a file is taken as it is, a
// directory is walked (symbolic links to directories are not followed) for
// files named *_test.yaml. The list is sorted within each directory and
// has no duplicates.
func Find(paths ...string) ([]string, error) {
	var out []string
	seen := map[string]bool{}
	add := func(p string) {
		if c := filepath.Clean(p); !seen[c] {
			seen[c] = true
			out = append(out, p)
		}
	}
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			return nil, err
		}
		if !st.IsDir() {
			add(p)
			continue
		}
		var found []string
		err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if !d.IsDir() && strings.HasSuffix(d.Name(), "_test.yaml") {
				found = append(found, path)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		sort.Strings(found)
		for _, f := range found {
			add(f)
		}
	}
	return out, nil
}

// Load reads and checks the suite file at path and the files it names (the
// policy, the script), with the capabilities of opts' modules. A bad suite
// is an *Error listing every problem with its file:line:col.
func Load(path string, opts Options) (*Suite, error) {
	data, err := readFile(path)
	if err != nil {
		return nil, &Error{Issues: []Issue{{Pos: loc.Pos{File: path}, Msg: fileErr(err)}}}
	}
	s, err := parse(path, data)
	if err != nil {
		return nil, withFrames(err, path, data)
	}
	mods, err := opts.modules(kv.NewMemory())
	if err != nil {
		return nil, fmt.Errorf("suite: modules: %w", err)
	}
	caps, err := Capabilities(mods)
	if err != nil {
		return nil, fmt.Errorf("suite: modules: %w", err)
	}
	reg, err := bridge.NewRegistry(mods...)
	if err != nil {
		return nil, fmt.Errorf("suite: modules: %w", err)
	}
	var is issues
	switch s.Kind {
	case KindPolicy:
		s.pol.policy = loadPolicy(s.pol.path, s.pol.pathPos, caps, &is)
		known := map[string]bool{}
		for _, c := range caps {
			known[c.Name] = true
		}
		for _, c := range s.Cases {
			pc := c.pol
			if pc.call.Name != "" && !known[pc.call.Name] {
				is.add(pc.callPos, "case %q: call %s: no module provides it", c.Name, pc.call.Name)
				continue
			}
			// The policy sees the params by name: a misspelt arg would
			// make a rule fail, and failing denies, so a case expecting
			// deny would pass for the wrong reason. (A function with
			// PolicyArgs shows the policy other args: not checked.)
			if fn := reg.Lookup(pc.call.Name); fn != nil && fn.PolicyArgs == nil {
				checkArgs(fn, pc.args, pc.argsPos, pc.callPos, fmt.Sprintf("case %q: %s", c.Name, pc.call.Name), true, &is)
			}
		}
	case KindScript:
		sc := s.scr
		sc.name = filepath.Base(sc.path)
		if src, err := readFile(sc.path); err != nil {
			is.add(sc.pathPos, "script: %s", fileErr(err))
		} else {
			sc.src = string(src)
		}
		if sc.policyPath != "" {
			sc.policy = loadPolicy(sc.policyPath, sc.policyPos, caps, &is)
		}
		known := map[string]bool{}
		for _, c := range caps {
			known[c.Name] = true
		}
		for _, c := range s.Cases {
			for _, m := range c.scr.mocks {
				if m.call != "" && !known[m.call] {
					is.add(m.callPos, "case %q: mock of %s: no module provides it", c.Name, m.call)
				} else if fn := reg.Lookup(m.call); fn != nil && m.args != nil {
					// A misspelt arg would make the mock never answer.
					checkArgs(fn, m.args, m.argsPos, m.callPos, fmt.Sprintf("case %q: mock of %s", c.Name, m.call), false, &is)
				}
			}
			if c.scr.recording != "" {
				c.scr.rec = loadRecording(c.scr.recording, c.scr.recordingPos, fmt.Sprintf("case %q", c.Name), &is)
			}
		}
	}
	if err := is.err(); err != nil {
		return nil, withFrames(err, path, data)
	}
	return s, nil
}

// loadPolicy loads a policy a suite names, adding its problems (at the
// policy file's own positions) to is.
func loadPolicy(path string, at loc.Pos, caps []policy.Capability, is *issues) *policy.Policy {
	data, err := readFile(path)
	if err != nil {
		is.add(at, "policy: %s", fileErr(err))
		return nil
	}
	pol, err := policy.Parse(path, data, policy.Options{Capabilities: caps})
	if err != nil {
		var pe *policy.Error
		if errors.As(err, &pe) {
			for _, i := range pe.Issues {
				is.list = append(is.list, Issue{Pos: i.Pos, Msg: i.Msg})
			}
			is.add(at, "policy %s does not load (see above)", path)
			return nil
		}
		is.add(at, "policy: %v", err)
		return nil
	}
	return pol
}

// loadRecording reads a recording a case names, adding its problems to is.
func loadRecording(path string, at loc.Pos, what string, is *issues) *recording.Recording {
	data, err := readFileMax(path, recording.DefaultMaxSize)
	if err != nil {
		is.add(at, "%s: recording: %s", what, fileErr(err))
		return nil
	}
	rec, err := recording.ReadLimit(bytes.NewReader(data), recording.DefaultMaxSize)
	if err != nil {
		var fe *recording.FileError
		if errors.As(err, &fe) {
			fe.Name = path
		}
		is.add(at, "%s: recording: %v", what, err)
		return nil
	}
	if rec.Incomplete != "" {
		is.add(at, "%s: recording %s is incomplete and cannot be replayed: %s", what, path, rec.Incomplete)
		return nil
	}
	return rec
}

// fileErr describes a file that cannot be read without Go's "open " prefix.
func fileErr(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Path + ": " + pe.Err.Error()
	}
	return err.Error()
}

// KindOf reads the suite file at path only far enough to tell its kind:
// a command running one kind of suite skips the other kind in the
// directories it walks without loading them.
func KindOf(path string) (Kind, error) {
	data, err := readFile(path)
	if err != nil {
		return "", &Error{Issues: []Issue{{Pos: loc.Pos{File: path}, Msg: fileErr(err)}}}
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return "", withFrames(&Error{Issues: []Issue{yamlIssue(path, data, err)}}, path, data)
	}
	if doc.Kind == yaml.DocumentNode && len(doc.Content) > 0 && doc.Content[0].Kind == yaml.MappingNode {
		root := doc.Content[0]
		switch {
		case hasKey(root, "script"):
			return KindScript, nil
		case hasKey(root, "policy"):
			return KindPolicy, nil
		}
	}
	return "", &Error{Issues: []Issue{{Pos: loc.Pos{File: path, Line: 1, Col: 1}, Msg: "a suite needs policy: (a policy suite) or script: (a script suite)"}}}
}

// checkArgs reports args that name no param of fn, and with required set,
// required params args lacks (the dispatcher refuses such a call before
// the policy sees it).
func checkArgs(fn *bridge.Func, args map[string]any, at, callAt loc.Pos, what string, required bool, is *issues) {
	if at.IsZero() {
		at = callAt
	}
	names := make([]string, 0, len(fn.Params))
	declared := map[string]bool{}
	for _, p := range fn.Params {
		names = append(names, p.Name)
		declared[p.Name] = true
	}
	keys := make([]string, 0, len(args))
	for k := range args {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if !declared[k] {
			is.add(at, "%s: args: %q is not a param (want %s)", what, k, strings.Join(names, ", "))
		}
	}
	if !required {
		return
	}
	for _, p := range fn.Params {
		if _, ok := args[p.Name]; !ok && !p.Optional {
			is.add(at, "%s: args: the required param %q is missing (a call without it never reaches the policy)", what, p.Name)
		}
	}
}

// Warnings returns the warnings of the policy the suite names (see
// policy.Policy.Warnings: map reads a run or call may lack, unguarded).
// They do not fail a suite; the CLI prints them as check does.
func (s *Suite) Warnings() []Issue {
	var pol *policy.Policy
	switch {
	case s.pol != nil:
		pol = s.pol.policy
	case s.scr != nil:
		pol = s.scr.policy
	}
	var out []Issue
	for _, w := range pol.Warnings() {
		out = append(out, Issue{Pos: w.Pos, Msg: "warning: " + w.Msg})
	}
	return out
}
