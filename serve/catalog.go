package serve

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/rs/zerolog"

	"github.com/scriptrun/scriptrun/engine"
	"github.com/scriptrun/scriptrun/policy"
)

// safeName is what a tenant name and a script file name may be: a letter or
// digit first (so never "." or ".."), then letters, digits, '.', '_', '-',
// at most 128 bytes. Nothing a request names becomes a path: names are
// looked up in the catalog, which only lists directory entries; the
// pattern keeps what can be named plain for logs and file systems alike.
var safeName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$`)

// shaName is a script named by the hex SHA-256 of its source.
var shaName = regexp.MustCompile(`^[0-9a-f]{64}$`)

// stamp is what a reload compares to tell that a file changed.
type stamp struct {
	mod  time.Time
	size int64
}

func stampOf(fi os.FileInfo) stamp { return stamp{mod: fi.ModTime(), size: fi.Size()} }

// scriptEntry is one file of the scripts directory.
type scriptEntry struct {
	stamp  stamp
	script *engine.Script // the last version that compiled; nil if none did
	err    error          // why the file as it is now is not in service; nil if it is
}

// policyEntry is one file of the policies directory.
type policyEntry struct {
	stamp stamp
	pol   *policy.Policy // the last version that loaded; nil if none did
	sha   string         // hex SHA-256 of pol's file
	err   error          // why the file as it is now is not in force; nil if it is
}

// snapshot is the catalog's content at one reload. It is never changed
// once published: a reload builds a new one, so a run holds the script and
// policy it started with, whatever happens to the files meanwhile.
type snapshot struct {
	scripts  map[string]*scriptEntry // by file name
	bySHA    map[string]*engine.Script
	policies map[string]*policyEntry // by tenant
}

// catalog holds the scripts and the per-tenant policies of two directories
// and reloads them when their files change (Reload, called by a poller).
// A file that no longer compiles or loads keeps its last good version in
// service, and the failure is reported (log, metrics, Status); a file that
// is removed is out of service at once. A file that never loaded is not in
// service: a tenant without a policy has no capabilities.
type catalog struct {
	host       *engine.Host
	scriptsDir string
	polDir     string
	popts      policy.Options
	maxSource  int64
	log        zerolog.Logger
	onError    func(kind string) // a file failed to (re)load

	reload sync.Mutex // one reload at a time
	mu     sync.RWMutex
	cur    *snapshot
}

// errBadName is a script name that could never name a script.
type errBadName struct{ error }

// script returns the script a request names: a file name in the scripts
// directory or the SHA-256 of one in service.
func (c *catalog) script(name string) (*engine.Script, error) {
	c.mu.RLock()
	snap := c.cur
	c.mu.RUnlock()
	if shaName.MatchString(name) {
		if s := snap.bySHA[name]; s != nil {
			return s, nil
		}
		return nil, fmt.Errorf("no script in service has the sha256 %s", name)
	}
	if !safeName.MatchString(name) {
		return nil, errBadName{fmt.Errorf("script %q is not a file name (letters, digits, '.', '_', '-'; a letter or digit first) nor a sha256", name)}
	}
	e := snap.scripts[name]
	switch {
	case e == nil:
		return nil, fmt.Errorf("no script %q in the scripts directory", name)
	case e.script == nil:
		return nil, fmt.Errorf("script %q is not in service: %v", name, e.err)
	}
	return e.script, nil
}

// policy returns the policy in force for tenant (nil: none, so no
// capabilities). tenant has been checked against safeName.
func (c *catalog) policy(tenant string) *policy.Policy {
	c.mu.RLock()
	snap := c.cur
	c.mu.RUnlock()
	if e := snap.policies[tenant]; e != nil {
		return e.pol
	}
	return nil
}

// Reload brings the catalog up to date with the directories: it reads the
// files whose modification time or size changed, and only those.
func (c *catalog) Reload() error {
	c.reload.Lock()
	defer c.reload.Unlock()
	c.mu.RLock()
	old := c.cur
	c.mu.RUnlock()
	next := &snapshot{scripts: map[string]*scriptEntry{}, bySHA: map[string]*engine.Script{}, policies: map[string]*policyEntry{}}
	var errs []error
	if c.scriptsDir != "" {
		if err := c.reloadScripts(old, next); err != nil {
			errs = append(errs, err)
		}
	}
	if c.polDir != "" {
		if err := c.reloadPolicies(old, next); err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 {
		// The directory itself could not be read: keep everything as it
		// was rather than take every script out of service.
		return errors.Join(errs...)
	}
	c.mu.Lock()
	c.cur = next
	c.mu.Unlock()
	return nil
}

// listDir returns the regular files of dir (symbolic links followed, as a
// Kubernetes ConfigMap mounts them) whose names pass safeName and end in
// one of exts, with their stat.
func listDir(dir string, exts ...string) (map[string]os.FileInfo, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	out := map[string]os.FileInfo{}
	for _, e := range ents {
		name := e.Name()
		ext := filepath.Ext(name)
		if !safeName.MatchString(name) || !contains(exts, ext) {
			continue // dotfiles, editors' backups, ConfigMap's ..data
		}
		fi, err := os.Stat(filepath.Join(dir, name))
		if err != nil || !fi.Mode().IsRegular() {
			continue
		}
		out[name] = fi
	}
	return out, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// readLimited reads at most max bytes of path, failing past that.
func readLimited(path string, max int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > max {
		return nil, fmt.Errorf("larger than %d bytes", max)
	}
	return data, nil
}

func (c *catalog) reloadScripts(old, next *snapshot) error {
	files, err := listDir(c.scriptsDir, ".js", ".lua")
	if err != nil {
		return fmt.Errorf("scripts directory: %w", err)
	}
	// A file whose stamp changed but whose content did not (touched,
	// rewritten the same) keeps its compiled script.
	compiled := map[string]*engine.Script{}
	for _, e := range old.scripts {
		if e.script != nil {
			compiled[e.script.Name()+":"+e.script.SHA256()] = e.script
		}
	}
	for name, fi := range files {
		st := stampOf(fi)
		prev := old.scripts[name]
		if prev != nil && prev.stamp == st {
			next.scripts[name] = prev
			continue
		}
		e := &scriptEntry{stamp: st}
		if prev != nil {
			e.script = prev.script // in service until a new version compiles
		}
		lang := strings.TrimPrefix(filepath.Ext(name), ".")
		s, err := c.compile(filepath.Join(c.scriptsDir, name), name, lang, compiled)
		if err != nil {
			e.err = err
			c.failed("script", name, err, e.script != nil)
		} else {
			e.script = s
			c.log.Info().Str("event", "serve.script_loaded").Str("script", name).Str("sha256", e.script.SHA256()).Msg("serve.script_loaded")
		}
		next.scripts[name] = e
	}
	for _, e := range next.scripts {
		if e.script != nil {
			next.bySHA[e.script.SHA256()] = e.script
		}
	}
	return nil
}

// compile compiles the file at path, reusing the compiled script of the
// same name and content from compiled.
func (c *catalog) compile(path, name, lang string, compiled map[string]*engine.Script) (*engine.Script, error) {
	data, err := readLimited(path, c.maxSource)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(data)
	if s := compiled[name+":"+hex.EncodeToString(sum[:])]; s != nil {
		return s, nil
	}
	return c.host.Compile(engine.Source{Name: name, Lang: lang, Code: string(data)})
}

func (c *catalog) reloadPolicies(old, next *snapshot) error {
	files, err := listDir(c.polDir, ".yaml")
	if err != nil {
		return fmt.Errorf("policies directory: %w", err)
	}
	for name, fi := range files {
		tenant := strings.TrimSuffix(name, ".yaml")
		if !safeName.MatchString(tenant) {
			continue
		}
		st := stampOf(fi)
		prev := old.policies[tenant]
		if prev != nil && prev.stamp == st {
			next.policies[tenant] = prev
			continue
		}
		e := &policyEntry{stamp: st}
		if prev != nil {
			e.pol, e.sha = prev.pol, prev.sha // in force until a new version loads
		}
		path := filepath.Join(c.polDir, name)
		data, err := readLimited(path, 1<<20)
		var pol *policy.Policy
		if err == nil {
			pol, err = policy.Parse(path, data, c.popts)
		}
		if err != nil {
			e.err = err
			c.failed("policy", name, err, e.pol != nil)
		} else {
			sum := sha256.Sum256(data)
			e.pol, e.sha = pol, hex.EncodeToString(sum[:])
			c.log.Info().Str("event", "serve.policy_loaded").Str("tenant", tenant).Str("sha256", e.sha).Msg("serve.policy_loaded")
		}
		next.policies[tenant] = e
	}
	return nil
}

// failed reports a file that did not (re)load.
func (c *catalog) failed(kind, name string, err error, kept bool) {
	msg := "serve." + kind + "_failed"
	c.log.Error().Str("event", msg).Str("file", name).Bool("keptLastGood", kept).Str("error", err.Error()).Msg(msg)
	if c.onError != nil {
		c.onError(kind)
	}
}

// FileStatus is one file of the scripts or policies directory as the
// service sees it (Status).
type FileStatus struct {
	File   string `json:"file"`
	SHA256 string `json:"sha256,omitempty"` // of the version in service
	Error  string `json:"error,omitempty"`  // why the file as it is now is not in service
}

// Status is what the service has loaded from its directories.
type Status struct {
	Scripts  []FileStatus `json:"scripts"`
	Policies []FileStatus `json:"policies"`
}

func (c *catalog) status() Status {
	c.mu.RLock()
	snap := c.cur
	c.mu.RUnlock()
	st := Status{Scripts: []FileStatus{}, Policies: []FileStatus{}}
	for name, e := range snap.scripts {
		fs := FileStatus{File: name}
		if e.script != nil {
			fs.SHA256 = e.script.SHA256()
		}
		if e.err != nil {
			fs.Error = e.err.Error()
		}
		st.Scripts = append(st.Scripts, fs)
	}
	for tenant, e := range snap.policies {
		fs := FileStatus{File: tenant + ".yaml", SHA256: e.sha}
		if e.err != nil {
			fs.Error = e.err.Error()
		}
		st.Policies = append(st.Policies, fs)
	}
	sort.Slice(st.Scripts, func(i, j int) bool { return st.Scripts[i].File < st.Scripts[j].File })
	sort.Slice(st.Policies, func(i, j int) bool { return st.Policies[i].File < st.Policies[j].File })
	return st
}

// counts returns how many scripts and policies are in service, and how
// many files failed to load as they are now.
func (c *catalog) counts() (scripts, policies, failing int) {
	c.mu.RLock()
	snap := c.cur
	c.mu.RUnlock()
	for _, e := range snap.scripts {
		if e.script != nil {
			scripts++
		}
		if e.err != nil {
			failing++
		}
	}
	for _, e := range snap.policies {
		if e.pol != nil {
			policies++
		}
		if e.err != nil {
			failing++
		}
	}
	return
}
