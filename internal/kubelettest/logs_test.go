package kubelettest

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestContainerLogs(t *testing.T) {
	var (
		mu   sync.Mutex
		seen []string
	)
	k := NewTest(t, Options{Authorize: func(_ context.Context, user string, _ []string, verb, resource, sub string) error {
		mu.Lock()
		defer mu.Unlock()
		seen = append(seen, user+" "+verb+" "+resource+"/"+sub)
		return nil
	}})
	old := time.Now().Add(-2 * time.Hour)
	k.SetLogLines("ns", "p", "app", []LogLine{{old, "old 1"}, {old, "old 2"}, {time.Now(), "new 3"}, {time.Now(), "new 4"}}, false)
	k.SetLogs("ns", "p", "app", []string{"crashed"}, true)
	c := client(t, k)

	tests := []struct {
		name, query string
		code        int
		want        string
	}{
		{"all", "", http.StatusOK, "old 1\nold 2\nnew 3\nnew 4\n"},
		{"tail", "?tailLines=2", http.StatusOK, "new 3\nnew 4\n"},
		{"tail larger than log", "?tailLines=10", http.StatusOK, "old 1\nold 2\nnew 3\nnew 4\n"},
		{"since", "?sinceSeconds=3600", http.StatusOK, "new 3\nnew 4\n"},
		{"limit bytes after tail", "?tailLines=2&limitBytes=8", http.StatusOK, "new 3\nne"},
		{"previous", "?previous=true&follow=true", http.StatusOK, "crashed\n"},
		{"bad tail", "?tailLines=x", http.StatusBadRequest, "invalid tailLines"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, body := get(t, c, k, "/containerLogs/ns/p/app"+tt.query, "")
			require.Equal(t, tt.code, code)
			if code == http.StatusOK {
				require.Equal(t, tt.want, body)
			} else {
				require.Contains(t, body, tt.want)
			}
		})
	}

	code, body := get(t, c, k, "/containerLogs/ns/p/app?timestamps=true&tailLines=1", "")
	require.Equal(t, http.StatusOK, code)
	ts, text, ok := strings.Cut(strings.TrimSuffix(body, "\n"), " ")
	require.True(t, ok)
	_, err := time.Parse(time.RFC3339Nano, ts)
	require.NoError(t, err)
	require.Equal(t, "new 4", text)

	code, body = get(t, c, k, "/containerLogs/ns/p/other?previous=true", "")
	require.Equal(t, http.StatusBadRequest, code)
	require.Contains(t, body, `previous terminated container "other" in pod "p" not found`)
	code, _ = get(t, c, k, "/containerLogs/ns/p", "")
	require.Equal(t, http.StatusBadRequest, code)

	mu.Lock()
	defer mu.Unlock()
	require.NotEmpty(t, seen)
	for _, s := range seen {
		require.Equal(t, "system:anonymous get nodes/proxy", s)
	}
}
