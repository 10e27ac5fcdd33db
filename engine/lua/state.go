package lua

import (
	"math/rand/v2"
	"sync"

	glua "github.com/scriptrun/scriptrun/third_party/gopher-lua"
)

// A vm is one fresh gopher-lua state with the safe library subset opened and
// the backend's own functions installed. The functions reach the run through
// vm.r, which is set once, when the state is taken for a run. A vm runs one
// script and is then dropped: it is never reused, so nothing a script changes
// (globals, library tables, the string metatable, _G's metatable) can reach
// another run.
type vm struct {
	L     *glua.LState
	r     *run
	depth int

	origCreate, origResume glua.LGFunction

	ident   *glua.LTable // the script's identity, built on first use (stdlib.go)
	stdMade uint8        // the std libraries made so far, by bit (stdlib.go)
}

// registrySlots is the register budget per call frame; the registry may grow
// to depth*registrySlots values, so recursion ends with the depth limit
// before the registry fills.
const registrySlots = 64

// newVM makes a fresh state for runs whose call depth limit is depth.
func newVM(depth int) *vm {
	v := &vm{depth: depth}
	L := glua.NewState(glua.Options{
		SkipOpenLibs:        true,
		CallStackSize:       depth,
		RegistrySize:        256,
		RegistryMaxSize:     depth*registrySlots + 4096,
		RegistryGrowStep:    256,
		MinimizeStackMemory: true,
	})
	v.L = L
	for _, lib := range []struct {
		name string
		fn   glua.LGFunction
	}{
		{glua.BaseLibName, glua.OpenBase},
		{glua.TabLibName, glua.OpenTable},
		{glua.StringLibName, glua.OpenString},
		{glua.MathLibName, glua.OpenMath},
		{glua.CoroutineLibName, glua.OpenCoroutine},
	} {
		L.Push(L.NewFunction(lib.fn))
		L.Push(glua.LString(lib.name))
		L.Call(1, 0)
	}
	g := L.G.Global
	for _, name := range closedGlobals {
		g.RawSetString(name, glua.LNil)
	}
	g.RawSetString("print", L.NewFunction(v.print))
	g.RawSetString("tostring", L.NewFunction(v.tostring))

	str := g.RawGetString("string").(*glua.LTable)
	str.RawSetString("dump", glua.LNil)
	str.RawSetString("format", L.NewFunction(v.format))
	str.RawSetString("gsub", L.NewFunction(v.gsub))

	tab := g.RawGetString("table").(*glua.LTable)
	tab.RawSetString("concat", L.NewFunction(v.concat))

	m := g.RawGetString("math").(*glua.LTable)
	m.RawSetString("random", L.NewFunction(v.random))
	m.RawSetString("randomseed", L.NewFunction(v.randomseed))

	co := g.RawGetString("coroutine").(*glua.LTable)
	v.origCreate = co.RawGetString("create").(*glua.LFunction).GFunction
	v.origResume = co.RawGetString("resume").(*glua.LFunction).GFunction
	co.RawSetString("create", L.NewFunction(v.coCreate))
	co.RawSetString("resume", L.NewFunction(v.coResume))
	co.RawSetString("wrap", L.NewFunction(v.coWrap))
	v.installStd()
	return v
}

// closedGlobals are removed from the base library: code loading, the
// environment functions, the module system (OpenBase adds require and
// module), the collector and gopher-lua's debugging helpers.
var closedGlobals = []string{
	"dofile", "loadfile", "load", "loadstring", "require", "module",
	"getfenv", "setfenv", "collectgarbage", "newproxy", "print",
	"_printregs", "_GOPHER_LUA_VERSION", "gcinfo",
}

// poolSize is how many fresh states a Backend keeps ready.
const poolSize = 8

// statePool keeps fresh, never-used states ready so that making one (about
// 100µs) is off the run's path. A background goroutine refills it after
// runs take states; it exits when the pool is full. States are never
// returned to the pool.
type statePool struct {
	mu      sync.Mutex
	size    int
	depth   int
	ready   chan *vm
	filling bool
	closed  bool
	wg      sync.WaitGroup // the fill goroutine
}

func newStatePool(size int) *statePool {
	return &statePool{size: size, ready: make(chan *vm, size)}
}

// get returns a fresh vm for depth: a pooled one when the pool holds states
// of that depth, else a new one (and the pool switches to that depth).
func (p *statePool) get(depth int) *vm {
	var v *vm
	p.mu.Lock()
	if p.depth == depth {
		select {
		case v = <-p.ready:
		default:
		}
	} else {
		p.depth = depth
		for len(p.ready) > 0 {
			<-p.ready
		}
	}
	if !p.filling && !p.closed {
		p.filling = true
		p.wg.Add(1)
		go p.fill(depth)
	}
	p.mu.Unlock()
	if v == nil {
		v = newVM(depth)
	}
	return v
}

// close stops refilling, waits for the fill goroutine and drops the
// states.
func (p *statePool) close() {
	p.mu.Lock()
	p.closed = true
	p.mu.Unlock()
	p.wg.Wait()
	p.mu.Lock()
	defer p.mu.Unlock()
	for len(p.ready) > 0 {
		(<-p.ready).L.Close()
	}
}

func (p *statePool) fill(depth int) {
	defer p.wg.Done()
	for {
		p.mu.Lock()
		if p.closed || p.depth != depth || len(p.ready) >= p.size {
			p.filling = false
			p.mu.Unlock()
			return
		}
		p.mu.Unlock()
		v := newVM(depth)
		p.mu.Lock()
		if p.depth == depth && len(p.ready) < p.size {
			p.ready <- v
		}
		p.mu.Unlock()
	}
}

func newRand(seed uint64) *rand.Rand {
	return rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
}
