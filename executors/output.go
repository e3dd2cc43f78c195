package executors

import (
	"bytes"
	"unicode/utf8"
)

// cappedBuffer keeps at most max bytes and remembers that more were offered.
// It never fails a write, so a printer streaming a huge list is cut, not
// aborted.
type cappedBuffer struct {
	buf       bytes.Buffer
	max       int64
	truncated bool
}

func newCappedBuffer(max int64) *cappedBuffer { return &cappedBuffer{max: max} }

func (b *cappedBuffer) Write(p []byte) (int, error) {
	room := b.max - int64(b.buf.Len())
	if room <= 0 {
		if len(p) > 0 {
			b.truncated = true
		}
		return len(p), nil
	}
	if int64(len(p)) > room {
		q := p[:room]
		// Do not cut a UTF-8 sequence in half.
		if len(q) > 0 && !utf8.FullRune(q[lastRuneStart(q):]) {
			q = q[:lastRuneStart(q)]
		}
		b.buf.Write(q)
		b.truncated = true
		return len(p), nil
	}
	return b.buf.Write(p)
}

func lastRuneStart(q []byte) int {
	i := len(q) - 1
	for i > 0 && !utf8.RuneStart(q[i]) {
		i--
	}
	return i
}

// result returns the buffered text as a Result.
func (b *cappedBuffer) result() Result {
	return Result{Text: b.buf.String(), Truncated: b.truncated}
}
