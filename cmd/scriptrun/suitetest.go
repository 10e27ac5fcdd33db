package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"regexp"

	"github.com/scriptrun/scriptrun/suite"
)

// cmdTest runs script suites: "scriptrun test".
func cmdTest(args []string, stdout, stderr io.Writer) int {
	return runSuites(suite.KindScript, args, stdout, stderr)
}

// cmdPolicyTest runs policy suites: "scriptrun policy test".
func cmdPolicyTest(args []string, stdout, stderr io.Writer) int {
	return runSuites(suite.KindPolicy, args, stdout, stderr)
}

// maxRunPattern bounds --run. Go's regexp matches in linear time whatever
// the pattern, so the pattern's length is the only cost to bound.
const maxRunPattern = 1000

func runSuites(kind suite.Kind, args []string, stdout, stderr io.Writer) int {
	name, synopsis, about := "test", "scriptrun test [--run REGEX] [--format text|json|junit] [--coverage] [-v] FILE|DIR...",
		"Run script suites (*_test.yaml with script:): each case runs the script with its input,\n"+
			"kv store and mocked host calls under the suite's policy and budget, and checks the value\n"+
			"or error, the kv keys after the run, the calls made and usage bounds. Unmocked kv, log\n"+
			"and crypto calls reach the real modules (kv is a fresh in-memory store per case);\n"+
			"an unmocked http call fails the case. Directories are searched recursively for\n"+
			"*_test.yaml; policy suites found there are skipped.\n"+
			"Output: one line per failing case with the reason, then \"N passed, N failed\".\n"+
			"Exit 0 when every case passed, 1 when one failed, 2 for a bad suite (file:line:col)\n"+
			"or a usage error."
	if kind == suite.KindPolicy {
		name, synopsis, about = "policy test", "scriptrun policy test [--run REGEX] [--format text|json|junit] [--coverage] [-v] FILE|DIR...",
			"Run policy suites (*_test.yaml with policy:): each case decides one host call (call,\n"+
				"args, script identity, usage, now) under the policy and checks the decision, the\n"+
				"rule that decided and the message. Directories are searched recursively for\n"+
				"*_test.yaml; script suites found there are skipped.\n"+
				"Output: one line per failing case with the reason, then \"N passed, N failed\".\n"+
				"Exit 0 when every case passed, 1 when one failed, 2 for a bad suite (file:line:col)\n"+
				"or a usage error."
	}
	fs := newFlagSet(name, synopsis, about)
	var runPat string
	var coverage, verbose bool
	format := &choiceValue{v: "text", choices: []string{"text", "json", "junit"}}
	fs.StringVar(&runPat, "run", "", "run only the cases whose names match `REGEX` (Go syntax)")
	fs.Var(format, "format", "report `FORMAT`: text, json or junit")
	fs.BoolVar(&coverage, "coverage", false, "report the rules no case made apply (policy suites) or the lines no case ran (script suites)")
	fs.BoolVar(&verbose, "v", false, "text format: list the passing cases too")
	paths, code, ok := fs.parse(args, true, stderr)
	if !ok {
		return code
	}
	if len(paths) == 0 {
		return usageErr(stderr, "%s: want at least one suite FILE or DIR (see scriptrun %s -h)", name, name)
	}
	opts := suite.Options{Coverage: coverage}
	if runPat != "" {
		if len(runPat) > maxRunPattern {
			return usageErr(stderr, "%s: --run: the pattern is %d bytes, at most %d", name, len(runPat), maxRunPattern)
		}
		re, err := regexp.Compile(runPat)
		if err != nil {
			return usageErr(stderr, "%s: --run: %v", name, err)
		}
		opts.Filter = re
	}
	explicit := map[string]bool{}
	for _, p := range paths {
		explicit[p] = true
	}
	files, err := suite.Find(paths...)
	if err != nil {
		return usageErr(stderr, "%s: %v", name, err)
	}
	var suites []*suite.Suite
	warned := map[string]bool{}
	bad := false
	badSuite := func(err error) {
		bad = true
		var se *suite.Error
		if !errors.As(err, &se) {
			fmt.Fprintf(stderr, "scriptrun: %s: ", name)
		}
		suite.WriteError(stderr, err)
	}
	for _, f := range files {
		k, err := suite.KindOf(f)
		if err != nil {
			badSuite(err)
			continue
		}
		if k != kind {
			if explicit[f] {
				other := "scriptrun test"
				if k == suite.KindPolicy {
					other = "scriptrun policy test"
				}
				badSuite(fmt.Errorf("%s is a %s suite: run it with %s", f, k, other))
			}
			continue
		}
		s, err := suite.Load(f, opts)
		if err != nil {
			badSuite(err)
			continue
		}
		if ws := s.Warnings(); len(ws) > 0 && !warned[ws[0].Pos.File] {
			// A policy several suites name warns once.
			warned[ws[0].Pos.File] = true
			suite.WriteError(stderr, &suite.Error{Issues: ws})
		}
		suites = append(suites, s)
	}
	if bad {
		return exitUsage
	}
	if len(suites) == 0 {
		return usageErr(stderr, "%s: no %s suites (*_test.yaml) found", name, kind)
	}
	if opts.Filter != nil {
		n := 0
		for _, s := range suites {
			for _, c := range s.Cases {
				if opts.Filter.MatchString(c.Name) {
					n++
				}
			}
		}
		if n == 0 {
			// A misspelt --run must not pass vacuously.
			return usageErr(stderr, "%s: --run %q matches no case", name, runPat)
		}
	}

	ctx, stopSignals := notifyInterrupt(context.Background())
	defer stopSignals()
	if format.v == "text" {
		// The text report goes out case by case, so a long suite shows
		// its failures as they come.
		opts.Progress = func(c *suite.CaseResult) { suite.WriteCase(stdout, c, verbose) }
	}
	var results []*suite.Result
	var runErr error
	for _, s := range suites {
		r, err := s.Run(ctx, opts)
		if len(r.Cases) > 0 {
			// A suite --run left no case of is not part of the report.
			results = append(results, r)
		}
		if err != nil {
			runErr = fmt.Errorf("%s: %w", s.File, err)
			break
		}
	}
	// What ran is reported, also when a signal stopped the run.
	switch format.v {
	case "json":
		err = suite.WriteJSON(stdout, results)
	case "junit":
		err = suite.WriteJUnit(stdout, results)
	default:
		err = suite.WriteSummary(stdout, results)
	}
	if err != nil {
		fmt.Fprintf(stderr, "scriptrun: %s: writing the report: %v\n", name, err)
		return exitInternal
	}
	if ie := interruptOf(ctx); ie != nil {
		fmt.Fprintf(stderr, "scriptrun: %s: %v\n", name, ie)
		return ie.code
	}
	if runErr != nil {
		fmt.Fprintf(stderr, "scriptrun: internal error: %v\n", runErr)
		return exitInternal
	}
	if _, failed := suite.Counts(results); failed > 0 {
		return exitScript
	}
	return exitOK
}
