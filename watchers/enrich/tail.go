package enrich

import (
	"bufio"
	"errors"
	"io"
	"regexp"
	"strings"
	"unicode/utf8"
)

// truncated marks a line cut to fit the byte budget.
const truncated = " …"

// ansiEscape matches terminal colour and cursor sequences, which Slack would
// show as garbage.
var ansiEscape = regexp.MustCompile(`\x1b\[[0-9;?]*[ -/]*[@-~]`)

// readTail reads r to the end and returns its last maxLines lines, holding
// at most maxLines lines of at most maxBytes bytes each in memory however
// long the input. Lines are cleaned for display (no colour codes, valid
// UTF-8) and then trimmed from the top to fit maxBytes in total, counting
// one newline per line. On a read error it returns the lines read so far
// with the error, so a stream cut off by its timeout still shows something.
func readTail(r io.Reader, maxLines int, maxBytes int64) ([]string, error) {
	if maxLines <= 0 || maxBytes <= 0 {
		return nil, nil
	}
	ring := make([]string, 0, maxLines)
	next := 0 // where the next line goes once ring is full
	add := func(line string) {
		if len(ring) < maxLines {
			ring = append(ring, line)
			return
		}
		ring[next] = line
		next = (next + 1) % maxLines
	}

	br := bufio.NewReaderSize(r, 4096)
	var (
		cur     []byte // the line being read, capped at maxBytes
		cut     bool   // cur lost bytes to the cap
		readErr error
	)
	for {
		chunk, err := br.ReadSlice('\n')
		if err == nil {
			chunk = chunk[:len(chunk)-1]
		}
		if room := int(maxBytes) - len(cur); len(chunk) > room {
			chunk, cut = chunk[:room], true
		}
		cur = append(cur, chunk...)
		if err == nil {
			add(clean(cur, cut, maxBytes))
			cur, cut = cur[:0], false
			continue
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if !errors.Is(err, io.EOF) {
			readErr = err
		}
		if len(cur) > 0 {
			add(clean(cur, cut, maxBytes))
		}
		break
	}
	lines := append(ring[next:len(ring):len(ring)], ring[:next]...)
	return fitBytes(lines, maxBytes), readErr
}

// clean turns raw line bytes into display text: no line ending, no terminal
// escapes or control characters, valid UTF-8, and a marker if it was cut.
func clean(b []byte, cut bool, maxBytes int64) string {
	s := strings.TrimRight(string(b), "\r\n")
	if cut {
		s = truncate(s, int(maxBytes)-len(truncated)) + truncated
	}
	if strings.IndexByte(s, 0x1b) >= 0 {
		s = ansiEscape.ReplaceAllString(s, "")
	}
	s = strings.ToValidUTF8(s, "\uFFFD")
	return strings.Map(func(r rune) rune {
		if r < 0x20 && r != '\t' || r == 0x7f {
			return -1
		}
		return r
	}, s)
}

// minPartial is the least room worth filling with the cut end of an older
// line; less than this would show only a stub.
const minPartial = 16

// fitBytes drops lines from the top until the rest, one newline each, fit
// maxBytes: the newest lines explain a crash. The oldest line kept may be
// cut to use the remaining room, and so is a newest line that alone is over
// budget.
func fitBytes(lines []string, maxBytes int64) []string {
	var total int64
	for i := len(lines) - 1; i >= 0; i-- {
		size := int64(len(lines[i])) + 1
		if total+size <= maxBytes {
			total += size
			continue
		}
		room := int(maxBytes-total) - 1 - len(truncated)
		if room >= minPartial || (i == len(lines)-1 && room > 0) {
			lines[i] = truncate(lines[i], room) + truncated
			return lines[i:]
		}
		return lines[i+1:]
	}
	return lines
}

// truncate cuts s to at most n bytes without splitting a rune.
func truncate(s string, n int) string {
	if n <= 0 {
		return ""
	}
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
