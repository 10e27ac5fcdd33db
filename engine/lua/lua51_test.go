package lua_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	glua "github.com/yuin/gopher-lua"

	"github.com/scriptrun/scriptrun/engine"
	"github.com/scriptrun/scriptrun/engine/lua"
	"github.com/scriptrun/scriptrun/limits"
	plua "github.com/scriptrun/scriptrun/third_party/gopher-lua"
	pparse "github.com/scriptrun/scriptrun/third_party/gopher-lua/parse"
)

// lua51Dir holds Lua 5.1's own test files, shipped with gopher-lua.
const lua51Dir = "../../third_party/gopher-lua/_lua5.1-tests"

// lua51Refused lists the Lua 5.1 test files that upstream gopher-lua
// passes and the host fails, each with the capability the host refuses by
// design (DESIGN.md, "The script contract") that the file needs first. Any
// other file that upstream passes must pass on the host.
var lua51Refused = map[string]string{
	"attrib.lua":     "require",
	"calls.lua":      "loadstring",
	"closure.lua":    "setfenv",
	"constructs.lua": "loadstring",
	"events.lua":     "setfenv",
	"files.lua":      "os",
	"literals.lua":   "loadstring",
	"locals.lua":     "loadstring",
	"math.lua":       "io",
	"pm.lua":         "loadstring",
	"sort.lua":       "os",
	"vararg.lua":     "loadstring",
}

// lua51Timeout bounds a file on upstream and on the patched copy; the
// slowest file that passes takes about 2 s, 10 s under the race detector.
const lua51Timeout = 2 * time.Minute

// lua51Slow are not run: both run for minutes on upstream gopher-lua (and
// fail there).
var lua51Slow = map[string]bool{"big.lua": true, "verybig.lua": true}

// TestLua51Files runs every file of Lua 5.1's test suite three ways: on raw
// upstream gopher-lua (all libraries, a 10 s context), on the patched copy
// with the metering and parser limits the backend uses but all libraries
// (so a patch that changes Lua's behaviour shows), and through the host
// (the locked-down state, generous budgets). It fails when a file that
// passes upstream fails on the patched copy, or fails on the host without
// a reason in lua51Refused whose name appears on the line where the host
// stopped, or when a listed file no longer differs. third_party/lua-tests
// runs it and prints the table.
func TestLua51Files(t *testing.T) {
	if testing.Short() {
		t.Skip("the Lua 5.1 suite takes seconds; run without -short (third_party/lua-tests)")
	}
	files, err := filepath.Glob(filepath.Join(lua51Dir, "*.lua"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no Lua 5.1 test files in %s: %v", lua51Dir, err)
	}
	sort.Strings(files)
	h, err := engine.NewHost(engine.Config{Backends: []engine.Backend{lua.New()}})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	budget := limits.Budget{Steps: 1 << 34, Memory: 1 << 30, Timeout: time.Minute, CPU: time.Minute,
		StackDepth: limits.MaxStackDepth, Source: 1 << 22, Logs: 1 << 20}
	t.Chdir(lua51Dir) // files.lua and attrib.lua work in the current directory
	for _, f := range files {
		name := filepath.Base(f)
		if lua51Slow[name] {
			t.Logf("%-16s not run: times out on upstream", name)
			continue
		}
		src, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		up := runUpstream(string(src), name)
		patched := runPatched(string(src), name)
		var host error
		s, err := h.Compile(engine.Source{Name: name, Lang: "lua", Code: string(src)})
		if err != nil {
			host = err
		} else {
			_, host = h.Run(context.Background(), s, engine.RunOptions{Budget: budget})
		}
		reason, listed := lua51Refused[name]
		t.Logf("%-16s upstream: %-4s patched: %-4s host: %-4s %s", name, verdict(up), verdict(patched), verdict(host), firstLine(up, patched, host, reason))
		switch {
		case up == nil && patched != nil:
			t.Errorf("%s passes upstream and fails on the patched copy: %v", name, patched)
		case up == nil && host != nil && !listed:
			t.Errorf("%s passes upstream and fails on the host: %v", name, host)
		case listed && (up != nil || host == nil):
			t.Errorf("%s is listed as refused (%s) but upstream %s and the host %s", name, reason, verdict(up), verdict(host))
		case listed && !strings.Contains(stopLine(string(src), host), reason):
			t.Errorf("%s: the host stopped at %q, which does not use %s: %v", name, stopLine(string(src), host), reason, host)
		}
	}
}

// stopLine returns the source lines where the host's error says the run
// stopped: its position and a "name:line:" the message starts with (an
// error raised in a function called from that line).
func stopLine(src string, err error) string {
	var e *engine.Error
	if !errors.As(err, &e) {
		return ""
	}
	lines := strings.Split(src, "\n")
	var out []string
	if n := e.Pos.Line; n >= 1 && n <= len(lines) {
		out = append(out, strings.TrimSpace(lines[n-1]))
	}
	// The message is Lua's own text: "name:line: ..." from error().
	if _, rest, ok := strings.Cut(e.Message, ":"); ok {
		num, _, _ := strings.Cut(rest, ":")
		if n, err := strconv.Atoi(num); err == nil && n >= 1 && n <= len(lines) {
			out = append(out, strings.TrimSpace(lines[n-1]))
		}
	}
	return strings.Join(out, " | ")
}

// runPatched runs src on the patched copy as the backend configures it
// (step and memory meters, stack overflow as a halt, bounded parser and
// compiler), with all of its libraries.
func runPatched(src, name string) error {
	L := plua.NewState(plua.Options{CallStackSize: limits.MaxStackDepth, RegistrySize: 256,
		RegistryMaxSize: limits.MaxStackDepth*64 + 4096, RegistryGrowStep: 256, MinimizeStackMemory: true})
	defer L.Close()
	ctx, cancel := context.WithTimeout(context.Background(), lua51Timeout)
	defer cancel()
	L.SetContext(ctx)
	L.SetStepMeter(func(int64) (int64, error) { return 1000, nil })
	var mem int64
	L.SetMemoryMeter(func(n int64) error { mem += n; return nil })
	L.OnStackOverflow(func() error { return nil })
	chunk, err := pparse.ParseLimited(strings.NewReader(src), name, 256)
	if err != nil {
		return err
	}
	proto, err := plua.CompileLimited(chunk, name, 64*256)
	if err != nil {
		return err
	}
	L.Push(L.NewFunctionFromProto(proto))
	return L.PCall(0, 0, nil)
}

func runUpstream(src, name string) error {
	L := glua.NewState()
	defer L.Close()
	ctx, cancel := context.WithTimeout(context.Background(), lua51Timeout)
	defer cancel()
	L.SetContext(ctx)
	fn, err := L.Load(strings.NewReader(src), name)
	if err != nil {
		return err
	}
	L.Push(fn)
	return L.PCall(0, 0, nil)
}

func verdict(err error) string {
	if err == nil {
		return "pass"
	}
	return "FAIL"
}

func firstLine(up, patched, host error, reason string) string {
	var parts []string
	if reason != "" {
		parts = append(parts, "refused by design: "+reason)
	}
	for _, e := range []struct {
		who string
		err error
	}{{"upstream", up}, {"patched", patched}, {"host", host}} {
		if e.err != nil {
			msg, _, _ := strings.Cut(e.err.Error(), "\n")
			parts = append(parts, e.who+": "+msg)
		}
	}
	return strings.Join(parts, "; ")
}
