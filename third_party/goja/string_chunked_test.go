package goja

import (
	"errors"
	"math/rand"
	"strings"
	"testing"

	"golang.org/x/text/cases"
	"golang.org/x/text/language"
	"golang.org/x/text/unicode/norm"
)

// chunkAlphabet has what makes normalization and case mapping depend on
// context: combining marks (long runs of them too), final sigma and its
// ignorable neighbours, expansions (ß, ligatures, U+FDFA), Hangul syllables
// and jamo, the iota subscript toLower works around, surrogate pairs.
var chunkAlphabet = []string{
	"a", "Z", " ", ".", "\u00e9", "e\u0301", "\u0301", "\u0323\u0301\u0302",
	"\u03a3", "\u03c3", "\u03c2", "\u0391", "\u03b1", "\u0345", "'", "\u00ad",
	"\u00df", "\ufb03", "\ufdfa", "\u0130", "\u0049", "\u01c5", "\uac00",
	"\u1100\u1161\u11a8", "\U0001F600", "\U00010400", "\u0e40\u0e01",
	strings.Repeat("\u0301", 40),
}

func randomChunkString(rnd *rand.Rand, max int) string {
	var b strings.Builder
	for n := rnd.Intn(max); n > 0; n-- {
		b.WriteString(chunkAlphabet[rnd.Intn(len(chunkAlphabet))])
	}
	return b.String()
}

// TestChunkedStringsAreExact compares the polled transformations with the
// upstream ones on random strings, short and long (many Transform calls,
// segments cut at every place).
func TestChunkedStringsAreExact(t *testing.T) {
	rnd := rand.New(rand.NewSource(1))
	vm := New()
	for i := 0; i < 400; i++ {
		s := randomChunkString(rnd, []int{10, 100, 3000}[i%3])
		if s == "" {
			continue
		}
		for _, f := range []norm.Form{norm.NFC, norm.NFD, norm.NFKC, norm.NFKD} {
			if got, want := vm.transformValue(f, s), newStringValue(f.String(s)); !got.SameAs(want) {
				t.Fatalf("form %v of %+q: got %+q, want %+q", f, s, got, want)
			}
		}
		if got, want := vm.toUpperChunked(s), newStringValue(cases.Upper(language.Und).String(s)); !got.SameAs(want) {
			t.Fatalf("upper of %+q: got %+q, want %+q", s, got, want)
		}
		if got, want := vm.toLowerChunked(s), toLower(s); !got.SameAs(want) {
			t.Fatalf("lower of %+q: got %+q, want %+q", s, got, want)
		}
		o := randomChunkString(rnd, 3000)
		a, b := newStringValue(s), newStringValue(o)
		want := vm.collator().CompareString(norm.NFD.String(s), norm.NFD.String(o))
		if got := vm.localeCompareLong(a, b).ToInteger(); got != int64(want) {
			t.Fatalf("localeCompare(%+q, %+q): got %d, want %d", s, o, got, want)
		}
	}
}

// TestChunkedStringsThroughScripts runs the built-ins on long strings, so
// that they take the chunked path with the default chunk, and checks the
// results against the same built-ins applied piece by piece (the pieces
// are cut where nothing depends on context).
func TestChunkedStringsThroughScripts(t *testing.T) {
	vm := New()
	v, err := vm.RunString(`
	const piece = "Caf\u00e9 \u00df\ufb03 \u03a3\u039f\u03a6\u039f\u03a3 e\u0301\u0323 \uac00 \U0001F600 x. ";
	const long = piece.repeat(3000);
	const checks = [];
	for (const f of ["NFC", "NFD", "NFKC", "NFKD"]) checks.push(long.normalize(f) === piece.normalize(f).repeat(3000));
	checks.push(long.toUpperCase() === piece.toUpperCase().repeat(3000));
	// (Not with the final sigma: the root lower caser decides it
	// differently where transform.String cut the input, upstream too.)
	const lpiece = piece.replace(/\u03a3/g, "\u0391"), llong = lpiece.repeat(3000);
	checks.push(llong.toLowerCase() === lpiece.toLowerCase().repeat(3000));
	checks.push(long.toLocaleUpperCase() === piece.toLocaleUpperCase().repeat(3000));
	const half = piece.repeat(1500); // under MaxCollateLen
	checks.push(half.localeCompare(half) === 0);
	checks.push(half.localeCompare(half + "a") === -1);
	checks.push((half + "b").localeCompare(half + "a") === 1);
	checks.push(half.normalize("NFD").localeCompare(half) === 0);
	checks.join();
	`)
	if err != nil {
		t.Fatal(err)
	}
	if got := v.String(); strings.Contains(got, "false") {
		t.Errorf("checks: %s", got)
	}
}

// TestChunkedStringsStopAtTheStepBudget: one call on a long string is
// charged steps as it goes, so a step budget stops it part way.
func TestChunkedStringsStopAtTheStepBudget(t *testing.T) {
	errSteps := errors.New("steps exceeded")
	for _, src := range []string{
		`s.normalize("NFD")`,
		`s.normalize("NFKC")`,
		`s.toUpperCase()`,
		`s.toLowerCase()`,
		`s.localeCompare(s + "x")`,
	} {
		vm := New()
		vm.SetLimits(Limits{MaxCollateLen: -1})
		if _, err := vm.RunString(`var s = "\u00e9\u0301".repeat(100000)`); err != nil {
			t.Fatal(err)
		}
		var steps int64
		vm.SetStepMeter(func(used int64) (int64, error) {
			if steps += used; steps > 100000 {
				return 0, errSteps
			}
			return 1000, nil
		})
		_, err := vm.RunString(src)
		var ie *InterruptedError
		if !errors.As(err, &ie) || !errors.Is(ie, errSteps) {
			t.Errorf("%s: got %v, want the step meter's error", src, err)
		}
	}
}

// TestChunkedStringsCharge: what normalization and case mapping make is
// charged as it is made (NFKD makes U+FDFA 18 characters).
func TestChunkedStringsCharge(t *testing.T) {
	vm := New()
	if _, err := vm.RunString(`var s = "\ufdfa".repeat(1 << 16)`); err != nil {
		t.Fatal(err)
	}
	var charged int64
	vm.SetMemoryMeter(func(n int64) error { charged += n; return nil })
	v, err := vm.RunString(`s.normalize("NFKD").length`)
	if err != nil {
		t.Fatal(err)
	}
	if n := v.ToInteger(); n != 18<<16 {
		t.Fatalf("length %d, want %d", n, 18<<16)
	}
	if charged < 2*18<<16 {
		t.Errorf("charged %d bytes for %d UTF-16 code units", charged, 18<<16)
	}
}

// TestLocaleCompareBound: localeCompare refuses strings longer than
// MaxCollateLen with a RangeError the script can catch.
func TestLocaleCompareBound(t *testing.T) {
	vm := New()
	vm.SetLimits(Limits{MaxCollateLen: 10000})
	v, err := vm.RunString(`
	const ok = "x".repeat(10000).localeCompare("x".repeat(9999));
	let caught = "";
	try { "x".repeat(10001).localeCompare("y") } catch (e) { caught = e instanceof RangeError ? e.message : String(e) }
	ok + " " + caught`)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := v.String(), "1 localeCompare: a string of 10001 code units is longer than the limit of 10000"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}
