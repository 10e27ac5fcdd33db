package main

import (
	"bytes"
	"os"
	"testing"
)

// TestREADME fails when the README's budget table is not the one
// limits.Fields gives: run `go generate ./limits`.
func TestREADME(t *testing.T) {
	data, err := os.ReadFile("../../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	want, err := replace(data)
	if err != nil {
		t.Fatalf("README.md: %v", err)
	}
	if !bytes.Equal(data, want) {
		i := bytes.Index(data, []byte(begin))
		t.Errorf("README.md's budget table is stale; run `go generate ./limits`. Want:\n%s", want[i:i+len(begin)+len(table())])
	}
}
