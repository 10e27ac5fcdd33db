package main

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/scriptrun/scriptrun/policy"
)

// sizeValue is a flag holding a byte count: "65536", "64KiB", "64MiB",
// "1GiB", "512KB", "1MB", "1GB" (the syntax of a policy's limits).
type sizeValue int64

func parseSize(s string) (int64, error) {
	n, ok := policy.ParseSize(s)
	if !ok {
		return 0, fmt.Errorf("want a size like 65536, 64KiB or 1MB")
	}
	return n, nil
}

func (v *sizeValue) Set(s string) error {
	n, err := parseSize(s)
	if err != nil {
		return err
	}
	*v = sizeValue(n)
	return nil
}

func (v *sizeValue) String() string { return strconv.FormatInt(int64(*v), 10) }

// countValue is a non-negative integer flag.
type countValue int64

func (v *countValue) Set(s string) error {
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil || n < 0 {
		return fmt.Errorf("want a non-negative integer")
	}
	*v = countValue(n)
	return nil
}

func (v *countValue) String() string { return strconv.FormatInt(int64(*v), 10) }

// durationValue is a non-negative Go duration flag ("500ms", "2s").
type durationValue time.Duration

func (v *durationValue) Set(s string) error {
	d, err := time.ParseDuration(strings.TrimSpace(s))
	if err != nil || d < 0 {
		return fmt.Errorf("want a non-negative duration like 500ms or 2s")
	}
	*v = durationValue(d)
	return nil
}

func (v *durationValue) String() string { return time.Duration(*v).String() }

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
