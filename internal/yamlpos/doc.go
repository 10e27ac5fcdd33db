// Package yamlpos finds where a YAML syntax error is, for the files
// scriptrun reads with yaml.v3 (policies, test suites).
//
// yaml.v3 reports a syntax error as "yaml: line N: message", where N is
// the line the enclosing construct starts on (a flow sequence, a block
// mapping), not the line of the problem; for parser errors N is also one
// too small (it is counted from 0), and an error whose construct starts on
// the first line has no line at all. A misindented key on line 40 of a
// rule list that starts on line 2 is reported on line 2 (or 1).
//
// Locate finds the problem by asking yaml.v3 itself: it looks for the
// shortest prefix of the document that fails with the same message as the
// whole document, by bisection over the lines and then over the characters
// of the line found. A prefix that fails with the same message is
// where the document became invalid in the way the parser reported. That
// takes O(log n) parses of at most the document; a document over MaxSize
// keeps yaml.v3's line.
//
//	_, err := yamlpos.Parse("policy.yaml", data)
//	// policy.yaml:5:4: invalid YAML: did not find expected '-' indicator
//	// (yaml.v3: "yaml: line 2: did not find expected '-' indicator")
//
// Positions count lines and columns as yaml.v3 does, which is what
// loc.Snippet(src, pos, loc.YAML) expects for a code frame.
package yamlpos
