package enrich

import (
	"errors"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"
)

func numbered(n int) string {
	var b strings.Builder
	for i := 1; i <= n; i++ {
		b.WriteString("line ")
		b.WriteString(strconv.Itoa(i))
		b.WriteString("\n")
	}
	return b.String()
}

func TestReadTail(t *testing.T) {
	tests := []struct {
		name     string
		in       string
		maxLines int
		maxBytes int64
		want     []string
	}{
		{"empty", "", 20, 4096, []string{}},
		{"fewer lines than asked", "a\nb\n", 20, 4096, []string{"a", "b"}},
		{"keeps the last lines", numbered(30), 3, 4096, []string{"line 28", "line 29", "line 30"}},
		{"no final newline", "a\nb", 5, 4096, []string{"a", "b"}},
		{"CRLF", "a\r\nb\r\n", 5, 4096, []string{"a", "b"}},
		{"empty lines kept", "a\n\nb\n", 5, 4096, []string{"a", "", "b"}},
		// 8 bytes per line with its newline: 20 bytes fit two.
		{"byte budget drops from the top", numbered(9), 9, 20, []string{"line 8", "line 9"}},
		// 30 bytes: "short" and its newline take 6, the cut line the rest.
		{"overlong line is cut", strings.Repeat("y", 100) + "\nshort\n", 5, 30, []string{strings.Repeat("y", 30-6-1-len(" …")) + " …", "short"}},
		{"line longer than the reader buffer", strings.Repeat("z", 10000) + "\nend\n", 5, 4096, []string{strings.Repeat("z", 4096-4-1-len(" …")) + " …", "end"}},
		{"too little room for a stub of an older line", strings.Repeat("w", 100) + "\n" + strings.Repeat("v", 40) + "\n", 5, 50, []string{strings.Repeat("v", 40)}},
		{"colour codes stripped", "\x1b[31mERROR\x1b[0m boom\n", 5, 4096, []string{"ERROR boom"}},
		{"control characters dropped, tabs kept", "a\tb\x00c\x07\n", 5, 4096, []string{"a\tbc"}},
		{"invalid UTF-8 replaced", "bad \xff byte\n", 5, 4096, []string{"bad \uFFFD byte"}},
		{"nothing asked", "a\n", 0, 4096, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := readTail(strings.NewReader(tt.in), tt.maxLines, tt.maxBytes)
			require.NoError(t, err)
			if tt.want != nil && len(tt.want) == 0 {
				require.Empty(t, got)
				return
			}
			require.Equal(t, tt.want, got)
			var total int
			for _, l := range got {
				total += len(l) + 1
				require.True(t, utf8.ValidString(l))
			}
			require.LessOrEqual(t, int64(total), tt.maxBytes)
		})
	}
}

// failingReader yields its data, then an error instead of EOF, like a log
// stream cut off by its timeout.
type failingReader struct {
	data string
	err  error
}

func (r *failingReader) Read(p []byte) (int, error) {
	if r.data == "" {
		return 0, r.err
	}
	n := copy(p, r.data)
	r.data = r.data[n:]
	return n, nil
}

func TestReadTailKeepsLinesReadBeforeAnError(t *testing.T) {
	boom := errors.New("stream reset")
	got, err := readTail(&failingReader{data: "a\nb\npart", err: boom}, 5, 4096)
	require.ErrorIs(t, err, boom)
	require.Equal(t, []string{"a", "b", "part"}, got)
}

func TestReadTailBoundsMemory(t *testing.T) {
	// 1 MiB of input in 100-byte lines: the result holds only the tail.
	in := strings.NewReader(strings.Repeat(strings.Repeat("q", 99)+"\n", 1<<20/100))
	got, err := readTail(in, 20, 4096)
	require.NoError(t, err)
	require.Len(t, got, 20)
}

func TestFitBytes(t *testing.T) {
	tests := []struct {
		name     string
		in       []string
		maxBytes int64
		want     []string
	}{
		{"fits", []string{"ab", "cd"}, 6, []string{"ab", "cd"}},
		{"drops the oldest", []string{"ab", "cd", "ef"}, 6, []string{"cd", "ef"}},
		// " …" is four bytes.
		{"cuts a lone overlong line", []string{"ab", "abcdefghij"}, 8, []string{"abc …"}},
		{"cuts on a rune boundary", []string{"ééééé"}, 8, []string{"é …"}},
		{"fills the room with the start of an older line", []string{strings.Repeat("a", 40), "b"}, 30, []string{strings.Repeat("a", 30-2-1-4) + " …", "b"}},
		{"empty", nil, 8, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, fitBytes(tt.in, tt.maxBytes))
		})
	}
}
