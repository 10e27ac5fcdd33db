//go:build linux

package worker_test

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/scriptrun/scriptrun/engine"
	"github.com/scriptrun/scriptrun/limits"
)

// hostile is a test backend whose "scripts" are commands that try, from
// inside the worker, to break out of it, crash it or exhaust it. Its
// Compile accepts any command; Run does it.
type hostile struct{}

var _ engine.Backend = hostile{}

func (hostile) Lang() string { return "hostile" }

func (hostile) Compile(src engine.Source, _ engine.CompileLimits) (engine.Program, error) {
	return strings.Fields(src.Code), nil
}

var sink [][]byte

func (hostile) Run(ctx context.Context, p engine.Program, env *engine.Env) (any, error) {
	args := p.([]string)
	if len(args) == 0 {
		return nil, nil
	}
	arg := func(i int) string {
		if i < len(args) {
			return args[i]
		}
		return ""
	}
	errText := func(err error) any {
		if err == nil {
			return "ok"
		}
		return err.Error()
	}
	switch args[0] {
	case "ok":
		return "ok", nil
	case "pid":
		return int64(os.Getpid()), nil
	case "open":
		f, err := os.Open(arg(1))
		if err == nil {
			f.Close()
		}
		return errText(err), nil
	case "create":
		f, err := os.Create(arg(1))
		if err == nil {
			f.Close()
		}
		return errText(err), nil
	case "exec":
		return errText(exec.Command(arg(1)).Run()), nil
	case "socket":
		fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM, 0)
		if err == nil {
			syscall.Close(fd)
		}
		return errText(err), nil
	case "dial":
		c, err := net.DialTimeout("tcp", arg(1), time.Second)
		if err == nil {
			c.Close()
		}
		return errText(err), nil
	case "signal":
		// Signal the parent (its pid is in the argument).
		pid, _ := strconv.Atoi(arg(1))
		return errText(syscall.Kill(pid, syscall.Signal(0))), nil
	case "fork":
		// A raw fork: in the child, exit at once.
		r, _, errno := syscall.RawSyscall6(syscall.SYS_CLONE, uintptr(syscall.SIGCHLD), 0, 0, 0, 0, 0)
		if errno == 0 && r == 0 {
			syscall.RawSyscall(syscall.SYS_EXIT_GROUP, 0, 0, 0)
		}
		if errno != 0 {
			return errno.Error(), nil
		}
		return "ok", nil
	case "env":
		wd, _ := os.Getwd()
		return map[string]any{"env": int64(len(os.Environ())), "wd": wd}, nil
	case "rlimits":
		var nofile, core syscall.Rlimit
		_ = syscall.Getrlimit(syscall.RLIMIT_NOFILE, &nofile)
		_ = syscall.Getrlimit(syscall.RLIMIT_CORE, &core)
		return map[string]any{"nofile": int64(nofile.Cur), "core": int64(core.Cur)}, nil
	case "gc":
		// The Go runtime keeps working under the allow-list: goroutines,
		// GC, timers, channels.
		done := make(chan int, 8)
		for i := range 8 {
			go func() {
				var b [][]byte
				for j := range 100 {
					b = append(b, make([]byte, 16<<10))
					if j%25 == 0 {
						runtime.GC()
						time.Sleep(time.Millisecond)
					}
				}
				done <- len(b) + i
			}()
		}
		n := 0
		for range 8 {
			n += <-done
		}
		debug.FreeOSMemory()
		return int64(n), nil
	case "exit":
		os.Exit(3)
	case "panic":
		go panic("hostile panic in a goroutine")
		time.Sleep(time.Second)
	case "fatal":
		debug.SetMaxStack(1 << 20)
		var f func(int) int
		f = func(n int) int { return f(n+1) + 1 }
		return int64(f(0)), nil
	case "kill":
		_ = syscall.Tgkill(os.Getpid(), syscall.Gettid(), syscall.SIGKILL)
		time.Sleep(time.Second)
	case "hang":
		// Ignores ctx: the parent must kill it.
		for {
			runtime.Gosched()
		}
	case "bomb":
		// Allocates and touches memory without asking anyone, ignoring ctx.
		for {
			b := make([]byte, 1<<20)
			for i := 0; i < len(b); i += 4096 {
				b[i] = 1
			}
			sink = append(sink, b)
		}
	case "alloc":
		// Allocates n MiB in steps, stopping when the run is stopped.
		n, _ := strconv.Atoi(arg(1))
		var held [][]byte
		for i := 0; i < n; i++ {
			if ctx.Err() != nil {
				return nil, engine.FromCause(env.Meter.Cause())
			}
			b := make([]byte, 1<<20)
			for j := 0; j < len(b); j += 4096 {
				b[j] = 1
			}
			held = append(held, b)
			time.Sleep(100 * time.Microsecond)
		}
		return int64(len(held)), nil
	case "sleep":
		d, _ := time.ParseDuration(arg(1))
		select {
		case <-ctx.Done():
			return nil, engine.FromCause(env.Meter.Cause())
		case <-time.After(d):
		}
		return "slept", nil
	case "garbage":
		// Breaks the protocol: writes junk on the pipe to the parent.
		out := os.NewFile(4, "out")
		_, _ = out.Write([]byte{0, 0, 0, 5, 99, 1, 2, 3, 4})
		time.Sleep(time.Second)
	case "oversized":
		out := os.NewFile(4, "out")
		_, _ = out.Write([]byte{0x7f, 0xff, 0xff, 0xff})
		time.Sleep(time.Second)
	case "calls":
		n, _ := strconv.Atoi(arg(1))
		for i := 0; i < n; i++ {
			if _, err := env.Call(ctx, "t.echo", []any{int64(i)}); err != nil {
				return nil, engine.FromCause(err)
			}
		}
		return int64(n), nil
	case "steps":
		n, _ := strconv.ParseInt(arg(1), 10, 64)
		env.Meter.Begin()
		for i := int64(0); i < n; i++ {
			if _, err := env.Meter.AddSteps(1); err != nil {
				return nil, engine.FromCause(err)
			}
		}
		return n, nil
	}
	return nil, &engine.Error{Kind: engine.KindRuntime, Message: fmt.Sprintf("unknown command %q", args[0])}
}

var _ = limits.Memory
