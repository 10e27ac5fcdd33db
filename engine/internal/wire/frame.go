package wire

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// Type is a frame's type byte.
type Type byte

// The frame types. See the package documentation for who sends which.
const (
	THello  Type = 1
	TStart  Type = 2
	TCall   Type = 3
	TReply  Type = 4
	TLog    Type = 5
	TStop   Type = 6
	TResult Type = 7
	TClock  Type = 8
)

func (t Type) String() string {
	switch t {
	case THello:
		return "hello"
	case TStart:
		return "start"
	case TCall:
		return "call"
	case TReply:
		return "reply"
	case TLog:
		return "log"
	case TStop:
		return "stop"
	case TResult:
		return "result"
	case TClock:
		return "clock"
	}
	return fmt.Sprintf("type(%d)", byte(t))
}

// MaxFrame is the default bound on a frame's length (type byte + payload).
// It is above the largest budgets a run can ask for by default (1 MiB of
// source, input and output) with room for the envelope.
const MaxFrame = 64 << 20

// FrameError reports a frame that breaks the protocol.
type FrameError struct {
	Msg string
}

func (e *FrameError) Error() string { return "wire: " + e.Msg }

func frameErr(format string, args ...any) error {
	return &FrameError{Msg: fmt.Sprintf(format, args...)}
}

// Reader reads frames. It is not safe for concurrent use.
type Reader struct {
	r   io.Reader
	max int
	hdr [4]byte
	buf []byte
}

// NewReader returns a Reader that refuses frames longer than max bytes
// (0: MaxFrame).
func NewReader(r io.Reader, max int) *Reader {
	if max <= 0 {
		max = MaxFrame
	}
	// Buffered: a small frame (a host call, its reply) is then one read
	// system call, not one for the header and one for the payload.
	return &Reader{r: bufio.NewReaderSize(r, 16<<10), max: max}
}

// SetMax changes the limit on frame length (0: MaxFrame) for the frames
// read from now on.
func (r *Reader) SetMax(max int) {
	if max <= 0 || max > MaxFrame {
		max = MaxFrame
	}
	r.max = max
	if cap(r.buf) > max {
		r.buf = nil
	}
}

// Next reads one frame and returns its type and payload. The payload is only
// valid until the next call. io.EOF means the peer closed the stream between
// frames; a stream that ends inside a frame is io.ErrUnexpectedEOF.
func (r *Reader) Next() (Type, []byte, error) {
	if _, err := io.ReadFull(r.r, r.hdr[:]); err != nil {
		return 0, nil, err
	}
	n := binary.BigEndian.Uint32(r.hdr[:])
	if n == 0 {
		return 0, nil, frameErr("empty frame")
	}
	if uint64(n) > uint64(r.max) {
		return 0, nil, frameErr("frame of %d bytes, over the limit of %d", n, r.max)
	}
	if cap(r.buf) < int(n) {
		// Grow in steps so that a peer announcing a large frame and then
		// sending nothing does not make us allocate it all up front.
		r.buf = make([]byte, 0, min(int(n), max(2*cap(r.buf), 4096)))
	}
	r.buf = r.buf[:0]
	for len(r.buf) < int(n) {
		if len(r.buf) == cap(r.buf) {
			nb := make([]byte, len(r.buf), min(int(n), 2*cap(r.buf)))
			copy(nb, r.buf)
			r.buf = nb
		}
		m, err := r.r.Read(r.buf[len(r.buf):min(int(n), cap(r.buf))])
		r.buf = r.buf[:len(r.buf)+m]
		if err != nil && len(r.buf) < int(n) {
			if errors.Is(err, io.EOF) {
				err = io.ErrUnexpectedEOF
			}
			return 0, nil, err
		}
	}
	return Type(r.buf[0]), r.buf[1:], nil
}

// Writer writes frames. It is not safe for concurrent use.
type Writer struct {
	w   io.Writer
	max int
	e   Encoder
}

// NewWriter returns a Writer that refuses to send frames longer than max
// bytes (0: MaxFrame).
func NewWriter(w io.Writer, max int) *Writer {
	if max <= 0 {
		max = MaxFrame
	}
	return &Writer{w: w, max: max}
}

// Message is a frame's content.
type Message interface {
	Type() Type
	encode(e *Encoder)
}

// Write encodes m and writes it as one frame.
func (w *Writer) Write(m Message) error {
	w.e.b = append(w.e.b[:0], 0, 0, 0, 0, byte(m.Type()))
	w.e.err = nil
	m.encode(&w.e)
	if w.e.err != nil {
		return w.e.err
	}
	n := len(w.e.b) - 4
	if n > w.max {
		return frameErr("%s frame of %d bytes, over the limit of %d", m.Type(), n, w.max)
	}
	binary.BigEndian.PutUint32(w.e.b, uint32(n))
	_, err := w.w.Write(w.e.b)
	if cap(w.e.b) > 1<<20 {
		w.e.b = nil // do not keep a large buffer for the life of the worker
	}
	return err
}
