package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/scriptrun/scriptrun/policy"
)

// cmdPolicy dispatches the policy subcommands.
func cmdPolicy(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		return usageErr(stderr, "policy: want a subcommand: eval (see scriptrun policy eval -h)")
	}
	switch args[0] {
	case "eval":
		return cmdPolicyEval(args[1:], stdout, stderr)
	default:
		return usageErr(stderr, "policy: unknown subcommand %q (want eval)", args[0])
	}
}

// evalRequest is the JSON form of one decision's input (--json).
type evalRequest struct {
	Script struct {
		Name   string            `json:"name"`
		Lang   string            `json:"lang"`
		SHA256 string            `json:"sha256"`
		Tenant string            `json:"tenant"`
		Labels map[string]string `json:"labels"`
	} `json:"script"`
	Call  string          `json:"call"`
	Args  json.RawMessage `json:"args"`
	Usage json.RawMessage `json:"usage"`
	Now   string          `json:"now"`
}

// evalUsage is the JSON form of usage (--usage, or "usage" in --json).
type evalUsage struct {
	Steps     int64            `json:"steps"`
	HostCalls int64            `json:"hostCalls"`
	ElapsedMs int64            `json:"elapsedMs"`
	Calls     map[string]int64 `json:"calls"`
}

// evalOutput is what --format json prints.
type evalOutput struct {
	Allow     bool        `json:"allow"`
	WouldDeny bool        `json:"wouldDeny,omitempty"`
	Rule      string      `json:"rule,omitempty"`
	Message   string      `json:"message,omitempty"`
	Error     string      `json:"error,omitempty"`
	Trace     []traceJSON `json:"trace"`
	authored  bool        // Message is the deny rule's own
}

// traceJSON is a policy.RuleTrace with its position as "file:line:col".
type traceJSON struct {
	policy.RuleTrace
	Pos string `json:"pos,omitempty"`
}

// cmdPolicyEval answers one decision of a policy from flags or a JSON
// request, with the trace of every rule. Exit 0 allowed, 4 denied, 2 on a
// usage error or an invalid policy.
func cmdPolicyEval(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("policy eval",
		"scriptrun policy eval --policy FILE [--call kv.get] [--args JSON] [--tenant T] [--label k=v]\n"+
			"       [--script NAME] [--lang js|lua] [--usage JSON] [--now RFC3339] [--json REQUEST.json] [--format text|json]",
		"Decide one host call under a policy and print the decision and what each rule did\n"+
			"(applied, did not match and on which expression, errored and why, or is not for the call).\n"+
			"--json reads the request as {\"script\": {name, lang, sha256, tenant, labels}, \"call\",\n"+
			"\"args\", \"usage\": {steps, hostCalls, elapsedMs, calls}, \"now\"}; flags override its fields.\n"+
			"The policy is checked against the CLI's modules, as check does.\n"+
			"Exit 0 when the call is allowed (audit mode included), 4 when denied, 2 on a usage\n"+
			"error or an invalid policy.")
	var polPath, call, argsJSON, tenant, script, lang, usageJSON, now, reqPath string
	labels := labelsValue{}
	format := &choiceValue{v: "text", choices: []string{"text", "json"}}
	fs.StringVar(&polPath, "policy", "", "policy YAML `FILE` (required)")
	fs.StringVar(&call, "call", "", "the capability called, `module.function`")
	fs.StringVar(&argsJSON, "args", "", "the call's args as a JSON object")
	fs.StringVar(&tenant, "tenant", "", "script.tenant")
	fs.Var(labels, "label", "a script label `k=v`; repeatable")
	fs.StringVar(&script, "script", "", "script.name")
	fs.StringVar(&lang, "lang", "", "script.lang")
	fs.StringVar(&usageJSON, "usage", "", "usage as JSON: {steps, hostCalls, elapsedMs, calls}")
	fs.StringVar(&now, "now", "", "the call's time, RFC 3339 (default: the current time)")
	fs.StringVar(&reqPath, "json", "", "read the request from `FILE` (- for stdin is not supported)")
	fs.Var(format, "format", "output: text or json")
	rest, code, ok := fs.parse(args, true, stderr)
	if !ok {
		return code
	}
	if len(rest) > 0 {
		return usageErr(stderr, "policy eval: unexpected argument %q (see scriptrun policy eval -h)", rest[0])
	}
	if polPath == "" {
		return usageErr(stderr, "policy eval: --policy is required")
	}
	var jr evalRequest
	if reqPath != "" {
		data, err := os.ReadFile(reqPath)
		if err != nil {
			return usageErr(stderr, "policy eval: --json: %v", err)
		}
		if err := strictJSON(data, &jr); err != nil {
			return usageErr(stderr, "policy eval: --json %s: %v", reqPath, err)
		}
	}
	req := &policy.Request{Script: policy.Script{
		Name: jr.Script.Name, Lang: jr.Script.Lang, SHA256: jr.Script.SHA256,
		Tenant: jr.Script.Tenant, Labels: jr.Script.Labels,
	}}
	set := func(dst *string, v string) {
		if v != "" {
			*dst = v
		}
	}
	set(&req.Script.Name, script)
	set(&req.Script.Lang, lang)
	set(&req.Script.Tenant, tenant)
	if len(labels) > 0 {
		if req.Script.Labels == nil {
			req.Script.Labels = map[string]string{}
		}
		for k, v := range labels {
			req.Script.Labels[k] = v
		}
	}
	set(&jr.Call, call)
	if jr.Call == "" {
		return usageErr(stderr, "policy eval: want --call module.function (or \"call\" in --json)")
	}
	mod, fn, ok := strings.Cut(jr.Call, ".")
	if !ok || mod == "" || fn == "" || strings.Contains(fn, ".") {
		return usageErr(stderr, "policy eval: --call %q: want module.function", jr.Call)
	}
	req.Call = policy.Call{Name: jr.Call, Module: mod, Function: fn}
	rawArgs := []byte(jr.Args)
	if argsJSON != "" {
		rawArgs = []byte(argsJSON)
	}
	if len(rawArgs) > 0 {
		v, err := decodeArgs(rawArgs)
		if err != nil {
			return usageErr(stderr, "policy eval: --args: %v", err)
		}
		req.Args = v
	}
	rawUsage := []byte(jr.Usage)
	if usageJSON != "" {
		rawUsage = []byte(usageJSON)
	}
	if len(rawUsage) > 0 && string(rawUsage) != "null" {
		var u evalUsage
		if err := strictJSON(rawUsage, &u); err != nil {
			return usageErr(stderr, "policy eval: --usage: %v", err)
		}
		req.Usage = policy.Usage{Steps: u.Steps, HostCalls: u.HostCalls, Elapsed: time.Duration(u.ElapsedMs) * time.Millisecond, Calls: u.Calls}
	}
	set(&jr.Now, now)
	req.Now = time.Now()
	if jr.Now != "" {
		t, err := time.Parse(time.RFC3339Nano, jr.Now)
		if err != nil {
			return usageErr(stderr, "policy eval: --now %q: want RFC 3339 like 2025-01-02T15:04:05Z", jr.Now)
		}
		req.Now = t
	}

	pol, err, ierr := loadPolicy(polPath)
	if ierr != nil {
		fmt.Fprintf(stderr, "scriptrun: internal error: %v\n", ierr)
		return exitInternal
	}
	if err != nil {
		var pe *policy.Error
		if errors.As(err, &pe) {
			fmt.Fprintf(stderr, "%v\n", err)
		} else {
			fmt.Fprintf(stderr, "scriptrun: policy: %v\n", err)
		}
		return exitUsage
	}
	for _, w := range pol.Warnings() {
		fmt.Fprintf(stderr, "%s: warning: %s\n", w.Pos, w.Msg)
	}
	caps, err := cliCapabilities()
	if err != nil {
		fmt.Fprintf(stderr, "scriptrun: internal error: %v\n", err)
		return exitInternal
	}
	known := false
	for _, c := range caps {
		known = known || c.Name == req.Call.Name
	}
	if !known {
		fmt.Fprintf(stderr, "scriptrun: policy eval: warning: no CLI module provides %s\n", req.Call.Name)
	}

	d, trace := pol.Trace(context.Background(), req)
	out := evalOutput{Allow: d.Allow, WouldDeny: d.WouldDeny, Rule: d.Rule, Message: d.Message, authored: d.Authored}
	for _, t := range trace {
		out.Trace = append(out.Trace, traceJSON{RuleTrace: t, Pos: t.Pos.String()})
	}
	if d.Err != nil {
		out.Error = d.Err.Error()
	}
	if format.v == "json" {
		b, err := json.Marshal(out)
		if err != nil {
			fmt.Fprintf(stderr, "scriptrun: internal error: %v\n", err)
			return exitInternal
		}
		fmt.Fprintf(stdout, "%s\n", b)
	} else {
		printTrace(stdout, req.Call.Name, out)
	}
	if !d.Allow {
		return exitDenied
	}
	return exitOK
}

func printTrace(w io.Writer, call string, out evalOutput) {
	switch {
	case out.WouldDeny:
		fmt.Fprintf(w, "allowed %s (audit mode; would be denied: %s)\n", call, out.Message)
	case out.Allow && out.Rule != "":
		fmt.Fprintf(w, "allowed %s by rule %q\n", call, out.Rule)
	case out.Allow:
		fmt.Fprintf(w, "allowed %s\n", call)
	case out.Error != "":
		// The message names the rule that failed and why.
		fmt.Fprintf(w, "denied %s: %s\n", call, out.Message)
	case out.Rule != "" && out.authored:
		// The rule and its own words, each said once.
		fmt.Fprintf(w, "denied %s by rule %q: %s\n", call, out.Rule, out.Message)
	case out.Rule != "":
		fmt.Fprintf(w, "denied %s by rule %q\n", call, out.Rule)
	default:
		fmt.Fprintf(w, "denied %s: %s\n", call, out.Message)
	}
	for _, t := range out.Trace {
		kind := "allow"
		if t.Deny {
			kind = "deny"
		}
		mark := " "
		if t.Decided {
			mark = "*"
		}
		fmt.Fprintf(w, "%s %s rule %q", mark, kind, t.Rule)
		if p := t.Pos; p != "" {
			fmt.Fprintf(w, " (%s)", p)
		}
		switch t.Outcome {
		case policy.NotForCall:
			fmt.Fprintf(w, ": not for %s\n", call)
		case policy.NoMatch:
			fmt.Fprintf(w, ": did not match (%s is false)\n", t.Expr)
		case policy.Applied:
			if t.Message != "" {
				fmt.Fprintf(w, ": applied, message %q\n", t.Message)
			} else {
				fmt.Fprintf(w, ": applied\n")
			}
		case policy.Errored:
			fmt.Fprintf(w, ": errored in %s: %s\n", t.Expr, t.Message)
		}
	}
}

// strictJSON decodes one JSON value into v, refusing unknown fields and
// trailing data.
func strictJSON(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return fmt.Errorf("trailing data after the JSON value")
	}
	return nil
}

// decodeArgs decodes a JSON object into the values policy.Request.Args
// takes: integers as int64, other numbers as float64.
func decodeArgs(data []byte) (map[string]any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, fmt.Errorf("trailing data after the JSON value")
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("want a JSON object")
	}
	return convertNumbers(m).(map[string]any), nil
}

func convertNumbers(v any) any {
	switch x := v.(type) {
	case json.Number:
		if i, err := x.Int64(); err == nil {
			return i
		}
		f, _ := x.Float64()
		return f
	case []any:
		for i := range x {
			x[i] = convertNumbers(x[i])
		}
	case map[string]any:
		for k := range x {
			x[k] = convertNumbers(x[k])
		}
	}
	return v
}
