// Package wire is the framed protocol between a scriptrun host (the parent)
// and its worker processes (engine/worker).
//
// A frame is a 4-byte big-endian length n, then n bytes: one type byte and
// the message's payload. n is at most the reader's limit (MaxFrame by
// default), so a reader never allocates more than that for one frame,
// whatever the peer sends. Payloads use a compact binary encoding of the
// bridge value model (null, bool, int64, float64, string, bytes, list,
// map[string]any) and of the message fields around it.
//
// Decoding is strict: an unknown frame type, an unknown value tag, a length
// past the end of the payload, trailing bytes, a duplicate map key, a
// non-finite number or nesting deeper than MaxDepth is an error. The parent
// treats the worker as untrusted: any such error ends that worker and fails
// the run it held as an internal error; nothing a worker sends can panic the
// parent or make it allocate more than one frame's limit (FuzzDecode).
//
// The conversation for one run:
//
//	worker -> parent  Hello            once, when the worker has started
//	parent -> worker  Start            the run: source, input, modules, budget
//	worker -> parent  Call, Log, Clock host calls, log lines, clock reads
//	parent -> worker  Reply            the answer to each Call or Clock
//	parent -> worker  Stop             the run must stop (the parent's limit or cancel)
//	worker -> parent  Result           the run's outcome and usage
package wire
