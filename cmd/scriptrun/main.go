package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/debug"
	"sort"
	"strings"

	"github.com/scriptrun/scriptrun/engine"
	"github.com/scriptrun/scriptrun/engine/js"
	"github.com/scriptrun/scriptrun/engine/lua"
	"github.com/scriptrun/scriptrun/engine/worker"
)

// Exit codes. See the package documentation.
const (
	exitOK          = 0
	exitScript      = 1
	exitUsage       = 2
	exitLimit       = 3
	exitDenied      = 4
	exitHost        = 5
	exitQuarantined = 6 // the run was refused: its script is quarantined (containment)
	exitInternal    = 70
	exitBusy        = 75 // EX_TEMPFAIL
)

func main() {
	// A host started with --isolation process runs its scripts in worker
	// processes that are this binary again: Main serves them and exits.
	worker.Main(js.New(), lua.New())
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

const usageText = `usage: scriptrun <command> [arguments]

commands:
  run [flags] SCRIPT         run one script and print its result as JSON
  check [flags] SCRIPT...    compile scripts (and a policy); run nothing
  policy eval [flags]        decide one host call under a policy, with the rule trace
  policy test FILE|DIR...    run policy suites (calls -> expected decisions)
  test FILE|DIR...           run script suites (script + input + mocks -> expected result)
  replay [flags] FILE        re-run a recording (run --record) and say whether it is the same
  serve [flags]              serve runs over HTTP (POST /v1/run), with metrics and tracing
  version                    print the version
  help [command]             list the commands, or describe one

"scriptrun <command> -h" (or "scriptrun help <command>") describes a
command's flags.
`

// run is the whole CLI: it parses args, runs the command and returns the
// exit code. It touches no process state other than what it is given, so
// tests call it in-process.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usageText)
		return exitUsage
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "-h", "-help", "--help":
		fmt.Fprint(stdout, usageText)
		return exitOK
	case "help":
		// "help" lists the commands; "help CMD" is "CMD -h".
		if len(rest) == 0 {
			fmt.Fprint(stdout, usageText)
			return exitOK
		}
		if len(rest) > 1 || !helpable[rest[0]] {
			fmt.Fprintf(stderr, "scriptrun: help: unknown command %q\n%s", strings.Join(rest, " "), usageText)
			return exitUsage
		}
		cmd, rest = rest[0], []string{"-h"}
	}
	if helpable[cmd] && wantsHelp(rest) {
		// Usage asked for is the output: stdout, exit 0. The command
		// prints it on the writer it reports errors on.
		command(cmd, []string{"-h"}, stdin, stdout, stdout)
		return exitOK
	}
	return command(cmd, rest, stdin, stdout, stderr)
}

// helpable are the commands "CMD -h" and "help CMD" describe.
var helpable = map[string]bool{"run": true, "check": true, "version": true, "test": true, "replay": true, "serve": true}

// wantsHelp reports whether args ask for the usage: -h, -help or --help
// anywhere before a "--".
func wantsHelp(args []string) bool {
	for _, a := range args {
		switch a {
		case "--":
			return false
		case "-h", "-help", "--help", "-h=true", "-help=true", "--help=true":
			return true
		}
	}
	return false
}

// command runs one command and returns its exit code.
func command(cmd string, rest []string, stdin io.Reader, stdout, stderr io.Writer) int {
	switch cmd {
	case "run":
		return cmdRun(rest, stdin, stdout, stderr)
	case "check":
		return cmdCheck(rest, stderr)
	case "version":
		return cmdVersion(rest, stdout, stderr)
	case "worker":
		// Hidden: workers are started with an environment marker, not
		// this command (see engine/worker).
		return usageErr(stderr, "worker: a worker process is started by a scriptrun host (--isolation process), not by hand")
	case "policy":
		return cmdPolicy(rest, stdout, stderr)
	case "replay":
		return cmdReplay(rest, stdout, stderr)
	case "serve":
		return cmdServe(rest, stderr)
	case "test":
		return cmdTest(rest, stdout, stderr)
	default:
		fmt.Fprintf(stderr, "scriptrun: unknown command %q\n%s", cmd, usageText)
		return exitUsage
	}
}

func cmdVersion(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("version", "scriptrun version", "Print the version of scriptrun and of Go it was built with.")
	pos, code, ok := fs.parse(args, false, stderr)
	if !ok {
		return code
	}
	if len(pos) != 0 {
		return usageErr(stderr, "version: unexpected argument %q", pos[0])
	}
	fmt.Fprintf(stdout, "scriptrun %s (%s)\n", version(), runtime.Version())
	// The containment a worker process gets on this machine (--isolation
	// process), from a worker started for the purpose.
	layers, err := engine.ProbeLayers(engine.WorkerConfig{})
	if err != nil {
		fmt.Fprintf(stdout, "isolation process: unavailable: %v\n", err)
		return exitOK
	}
	fmt.Fprintf(stdout, "isolation process: layers %s\n", strings.Join(layers.InForce, " "))
	fmt.Fprintf(stdout, "isolation process: memory cap: %s\n", layers.Memory)
	names := make([]string, 0, len(layers.Missing))
	for name := range layers.Missing {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		fmt.Fprintf(stdout, "isolation process: missing %s: %s\n", name, layers.Missing[name])
	}
	return exitOK
}

// version is the main module's version from the build info, or "devel".
func version() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "devel"
}

// usageErr prints one line "scriptrun: msg" and returns exitUsage.
func usageErr(stderr io.Writer, format string, args ...any) int {
	fmt.Fprintf(stderr, "scriptrun: "+format+"\n", args...)
	return exitUsage
}

// flagSet is a subcommand's FlagSet with its usage text.
type flagSet struct {
	*flag.FlagSet
	synopsis, about string
}

// newFlagSet returns a FlagSet that reports errors through its return value
// and prints nothing by itself.
func newFlagSet(name, synopsis, about string) *flagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return &flagSet{FlagSet: fs, synopsis: synopsis, about: about}
}

// parse parses args, allowing flags after positional arguments when
// intersperse is set (a "--" ends the flags), and returns the positional
// arguments. On -h it prints the usage on stderr (run has sent stderr to
// stdout by then: see wantsHelp) and returns exitOK; on an error it prints
// one line. ok is false when the caller should return code.
func (fs *flagSet) parse(args []string, intersperse bool, stderr io.Writer) (pos []string, code int, ok bool) {
	for {
		err := fs.Parse(args)
		if errors.Is(err, flag.ErrHelp) {
			fs.printUsage(stderr)
			return nil, exitOK, false
		}
		if err != nil {
			fmt.Fprintf(stderr, "scriptrun: %s: %v (see scriptrun %s -h)\n", fs.Name(), err, fs.Name())
			return nil, exitUsage, false
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, exitOK, true
		}
		if n := len(args) - len(rest); !intersperse || n > 0 && args[n-1] == "--" {
			return append(pos, rest...), exitOK, true
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

func (fs *flagSet) printUsage(w io.Writer) {
	fmt.Fprintf(w, "usage: %s\n\n%s\n", fs.synopsis, fs.about)
	has := false
	fs.VisitAll(func(*flag.Flag) { has = true })
	if has {
		fmt.Fprintln(w, "\nflags:")
		fs.SetOutput(w)
		fs.PrintDefaults()
		fs.SetOutput(io.Discard)
	}
}
