// Package gojacheck compares the patched goja copy in third_party/goja with
// unpatched upstream github.com/dop251/goja: ordinary scripts must give the
// same results on both (the patches only add bounds that ordinary scripts
// never reach), and the benchmarks measure what the patches cost.
//
// It has no code of its own; everything is in its tests.
package gojacheck
