package enginetest

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/scriptrun/scriptrun/engine"
	"github.com/scriptrun/scriptrun/limits"
	"github.com/scriptrun/scriptrun/loc"
	"github.com/scriptrun/scriptrun/policy"
)

// Langs are the languages the suite knows, in table order. A twin file's
// extension is its language.
var Langs = []string{"js", "lua"}

// Dir returns testdata/conformance under the module root, the first
// directory above the working directory that holds go.mod.
func Dir() (string, error) {
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for d := wd; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return filepath.Join(d, "testdata", "conformance"), nil
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("no go.mod above %s", wd)
		}
	}
}

// Run runs every topic of the suite against b, as subtests
// <topic>/<chunk name>. See the package documentation for the format.
func Run(t *testing.T, b engine.Backend) {
	t.Helper()
	RunConfig(t, b, engine.Config{})
}

// RunConfig is Run with every host made from cfg (its Isolation and
// Workers, for example, to run the suite in worker processes); the suite
// sets Backends, Modules and Budget itself.
func RunConfig(t *testing.T, b engine.Backend, cfg engine.Config) {
	t.Helper()
	dir, err := Dir()
	if err != nil {
		t.Fatal(err)
	}
	s, err := load(dir)
	if err != nil {
		t.Fatal(err)
	}
	lang := b.Lang()
	if _, ok := commentPrefix(lang); !ok {
		t.Fatalf("the suite has no twins for language %q (knows %v)", lang, Langs)
	}
	pols := &policies{dir: filepath.Join(dir, "policies"), m: map[string]*policy.Policy{}}
	for _, topic := range s.topics {
		t.Run(topic, func(t *testing.T) {
			if reason, ok := s.skipped(topic, 0, lang); ok {
				t.Skipf("SKIP: %s", reason)
			}
			tw := s.twins[topic][lang]
			if tw == nil {
				t.Fatalf("topic %s has no %s twin (%s.%s) and SKIP gives no reason", topic, lang, topic, lang)
			}
			for _, other := range Langs {
				if o := s.twins[topic][other]; o != nil && other != lang {
					if a, b := tw.names(), o.names(); !slices.Equal(a, b) {
						t.Errorf("chunk names of %s and %s differ (-%s +%s):\n%s", tw.file, o.file, lang, other, cmp.Diff(a, b))
					}
				}
			}
			for _, c := range tw.chunks {
				name := c.opts.name
				if name == "" {
					name = "#" + strconv.Itoa(c.index)
				}
				t.Run(name, func(t *testing.T) {
					if reason, ok := s.skipped(topic, c.index, lang); ok {
						t.Skipf("SKIP: %s", reason)
					}
					runChunk(t, b, cfg, tw.file, c, pols)
				})
			}
		})
	}
}

// runChunk runs one chunk as often as it asks and checks every run.
func runChunk(t *testing.T, b engine.Backend, cfg engine.Config, file string, c *chunk, pols *policies) {
	t.Helper()
	if err := checkChunk(b, cfg, file, c, pols); err != nil {
		t.Fatal(err)
	}
}

// checkChunk runs one chunk as often as it asks and reports the first way
// it fails its expectation, or nil.
func checkChunk(b engine.Backend, cfg engine.Config, file string, c *chunk, pols *policies) error {
	where := loc.Pos{File: file, Line: c.line}
	if c.expect.line > 0 {
		where.Line = c.expect.line
	}
	if c.err != nil {
		return fmt.Errorf("%s: bad chunk %d:\n%v", where, c.index, c.err)
	}
	pol, err := pols.get(c.opts.policy)
	if err != nil {
		return fmt.Errorf("%s: %v", where, err)
	}
	var first *engine.Result
	for i := 0; i < c.opts.runs; i++ {
		res, cov, err := runOnce(b, cfg, file, c, pol)
		run := ""
		if c.opts.runs > 1 {
			run = fmt.Sprintf(" (run %d of %d)", i+1, c.opts.runs)
		}
		if cerr := c.expect.check(res, cov, err); cerr != nil {
			return fmt.Errorf("%s%s:\n%v", where, run, cerr)
		}
		if res == nil || err != nil {
			continue
		}
		if first == nil {
			first = res
			continue
		}
		if diff := cmp.Diff(plain(first.Value), plain(res.Value)); diff != "" {
			return fmt.Errorf("%s%s: the value differs from run 1 (-run 1 +this run):\n%s", where, run, diff)
		}
		if diff := cmp.Diff(messages(first), messages(res)); diff != "" {
			return fmt.Errorf("%s%s: the logs differ from run 1 (-run 1 +this run):\n%s", where, run, diff)
		}
	}
	return nil
}

// runTimeout bounds one run whatever its budget says, so a backend that
// does not stop cannot hang the suite.
const runTimeout = time.Minute

// runOnce compiles and runs a chunk in a fresh host with fresh modules.
// res is nil when the chunk did not compile. cov is the run's line
// coverage when the chunk expects one and the run is in-process (coverage
// is not collected in worker processes), else nil.
func runOnce(b engine.Backend, cfg engine.Config, file string, c *chunk, pol *policy.Policy) (res *engine.Result, cov *engine.Coverage, err error) {
	// The source limit applies at compile time, before there is a run: it
	// is the host's.
	cfg.Backends = []engine.Backend{b}
	cfg.Modules = modules()
	cfg.Budget = limits.Budget{Source: c.opts.budget.Source}
	if cfg.Isolation != engine.InProcess {
		// Close the host (its workers) but not b, which the suite shares.
		cfg.Backends = []engine.Backend{shared{b}}
	}
	h, err := engine.NewHost(cfg)
	if err != nil {
		return nil, nil, fmt.Errorf("harness: %w", err)
	}
	if cfg.Isolation != engine.InProcess {
		defer h.Close()
	}
	s, err := h.Compile(engine.Source{Name: file, Lang: b.Lang(), Code: c.code})
	if err != nil {
		return nil, nil, err
	}
	opts := engine.RunOptions{
		Input:    c.opts.input,
		Policy:   pol,
		Budget:   c.opts.budget,
		Identity: engine.Identity{Tenant: c.opts.tenant, Labels: c.opts.labels},
		Seed:     c.opts.seed,
	}
	if now := c.opts.now; !now.IsZero() {
		opts.Now = func() time.Time { return now }
	}
	if c.expect.hasCovered && cfg.Isolation == engine.InProcess {
		cov = &engine.Coverage{}
		opts.Coverage = cov
	}
	ctx, cancel := context.WithTimeout(context.Background(), runTimeout)
	defer cancel()
	res, err = h.Run(ctx, s, opts)
	return res, cov, err
}

// shared hides a backend's Close from a host.
type shared struct{ engine.Backend }

// policies loads policies/<name>.yaml once per Run.
type policies struct {
	dir string
	m   map[string]*policy.Policy
}

// defaultPolicy is used when a chunk names none.
const defaultPolicy = "default"

func (p *policies) get(name string) (*policy.Policy, error) {
	if name == "none" {
		return nil, nil
	}
	if name == "" {
		name = defaultPolicy
	}
	if pol, ok := p.m[name]; ok {
		return pol, nil
	}
	// Loaded against the suite's modules, so a policy naming a capability
	// they lack fails the suite instead of leaving a rule that never applies.
	pol, err := policy.Load(filepath.Join(p.dir, name+".yaml"), policy.Options{Capabilities: capabilities()})
	if err != nil {
		return nil, fmt.Errorf("policy %s: %w", name, err)
	}
	p.m[name] = pol
	return pol, nil
}

// suite is the parsed content of the conformance directory.
type suite struct {
	dir    string
	topics []string
	twins  map[string]map[string]*twin // topic -> lang -> twin
	skips  []skip
}

// twin is one parsed twin file.
type twin struct {
	file   string // base name, also the script name: values.js
	chunks []*chunk
}

func (tw *twin) names() []string {
	var out []string
	for _, c := range tw.chunks {
		out = append(out, c.opts.name)
	}
	return out
}

// skip is one SKIP entry; chunk 0 means the whole topic.
type skip struct {
	topic  string
	chunk  int
	lang   string
	reason string
}

// load reads the twins and SKIP in dir and checks that SKIP names only
// what exists.
func load(dir string) (*suite, error) {
	s := &suite{dir: dir, twins: map[string]map[string]*twin{}}
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	for _, e := range ents {
		if e.IsDir() {
			continue
		}
		ext := strings.TrimPrefix(filepath.Ext(e.Name()), ".")
		if !slices.Contains(Langs, ext) {
			continue
		}
		topic := strings.TrimSuffix(e.Name(), "."+ext)
		src, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			return nil, err
		}
		chunks, err := parseTwin(string(src), ext)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", e.Name(), err)
		}
		if s.twins[topic] == nil {
			s.twins[topic] = map[string]*twin{}
			s.topics = append(s.topics, topic)
		}
		s.twins[topic][ext] = &twin{file: e.Name(), chunks: chunks}
	}
	slices.Sort(s.topics)
	if len(s.topics) == 0 {
		return nil, fmt.Errorf("no twin files in %s", dir)
	}
	s.skips, err = readSkip(filepath.Join(dir, "SKIP"))
	if err != nil {
		return nil, err
	}
	var errs []error
	seen := map[skip]bool{}
	for _, k := range s.skips {
		key := skip{topic: k.topic, chunk: k.chunk, lang: k.lang}
		name := k.topic
		if k.chunk > 0 {
			name += "#" + strconv.Itoa(k.chunk)
		}
		switch tw := s.twins[k.topic]; {
		case seen[key]:
			errs = append(errs, fmt.Errorf("SKIP: %s %s listed twice", name, k.lang))
		case tw == nil:
			errs = append(errs, fmt.Errorf("SKIP: no topic %q", k.topic))
		case !slices.Contains(Langs, k.lang):
			errs = append(errs, fmt.Errorf("SKIP: %s: unknown language %q (want one of %v)", name, k.lang, Langs))
		case k.chunk > 0 && (tw[k.lang] == nil || k.chunk > len(tw[k.lang].chunks)):
			errs = append(errs, fmt.Errorf("SKIP: %s %s: no such chunk", name, k.lang))
		}
		seen[key] = true
	}
	return s, errors.Join(errs...)
}

// readSkip parses the SKIP file; a missing file is an empty list.
func readSkip(path string) ([]skip, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []skip
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Fields(line)
		if len(f) < 3 {
			return nil, fmt.Errorf("SKIP:%d: want <topic>[#<chunk>] <lang> <reason...>", n)
		}
		k := skip{topic: f[0], lang: f[1]}
		k.reason = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(strings.TrimPrefix(line, f[0])), f[1]))
		if topic, num, ok := strings.Cut(f[0], "#"); ok {
			i, err := strconv.Atoi(num)
			if err != nil || i < 1 {
				return nil, fmt.Errorf("SKIP:%d: %q: want <topic>#<chunk number, from 1>", n, f[0])
			}
			k.topic, k.chunk = topic, i
		}
		out = append(out, k)
	}
	return out, sc.Err()
}

// skipped returns the SKIP reason for a topic (chunk 0) or chunk in lang.
func (s *suite) skipped(topic string, chunk int, lang string) (string, bool) {
	for _, k := range s.skips {
		if k.topic == topic && k.chunk == chunk && k.lang == lang {
			return k.reason, true
		}
	}
	return "", false
}
