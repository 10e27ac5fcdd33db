package main

import (
	"fmt"
	"strings"

	"github.com/scriptrun/scriptrun/limits"
)

// budgetFlag is the flag of one budget field (limits.Field): its value
// is written as the field's kind says (100000, 64KiB, 2s) and set in b.
type budgetFlag struct {
	f limits.Field
	b *limits.Budget
}

// registerBudget adds a flag for every field of b, named and described
// by limits.Fields.
func registerBudget(fs *flagSet, b *limits.Budget) {
	for _, f := range limits.Fields() {
		def := f.Human(f.Default)
		if f.Max > 0 {
			def += ", at most " + f.Human(f.Max)
		}
		fs.Var(&budgetFlag{f: f, b: b}, f.Flag, fmt.Sprintf("budget `%s`: %s (default %s)", f.Kind.Placeholder(), f.Doc, def))
	}
}

func (v *budgetFlag) Set(s string) error {
	x, err := v.f.Parse(s)
	if err != nil {
		return err
	}
	v.f.Set(v.b, x)
	return nil
}

// String is "" for 0 (the default), so that usage texts leave it out.
func (v *budgetFlag) String() string {
	if v.b == nil || v.f.Get(*v.b) == 0 {
		return ""
	}
	return v.f.Format(v.f.Get(*v.b))
}

// labelsValue collects repeated --label k=v flags.
type labelsValue map[string]string

func (v labelsValue) Set(s string) error {
	k, val, ok := strings.Cut(s, "=")
	if !ok || k == "" {
		return fmt.Errorf("want key=value")
	}
	if _, dup := v[k]; dup {
		return fmt.Errorf("label %q given twice", k)
	}
	v[k] = val
	return nil
}

func (v labelsValue) String() string {
	if v == nil {
		return ""
	}
	var parts []string
	for k, val := range v {
		parts = append(parts, k+"="+val)
	}
	return strings.Join(parts, ",")
}

// choiceValue is a string flag restricted to a set of values.
type choiceValue struct {
	v       string
	choices []string
}

func (c *choiceValue) Set(s string) error {
	for _, x := range c.choices {
		if s == x {
			c.v = s
			return nil
		}
	}
	return fmt.Errorf("want one of %s", strings.Join(c.choices, ", "))
}

func (c *choiceValue) String() string {
	if c == nil {
		return ""
	}
	return c.v
}
