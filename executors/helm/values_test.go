package helm

import (
	"testing"

	"github.com/stretchr/testify/require"
	"k8s.io/client-go/rest"

	"github.com/watchkeeper/watchkeeper/executors"
)

func TestMaskValues(t *testing.T) {
	keys := DefaultSecretKeys()
	tests := []struct {
		name string
		in   map[string]any
		want map[string]any
	}{
		{"nil", nil, nil},
		{"plain values shown", map[string]any{"replicas": 2, "image": "nginx"}, map[string]any{"replicas": 2, "image": "nginx"}},
		{"case-insensitive substrings", map[string]any{"dbPassword": "hunter2", "API_TOKEN": "x", "clientSecret": "y", "accessKey": "z"},
			map[string]any{"dbPassword": masked, "API_TOKEN": masked, "clientSecret": masked, "accessKey": masked}},
		{"nested maps", map[string]any{"db": map[string]any{"host": "pg", "password": "p"}},
			map[string]any{"db": map[string]any{"host": "pg", "password": masked}}},
		{"a secret subtree is masked whole", map[string]any{"secrets": map[string]any{"a": "b"}},
			map[string]any{"secrets": masked}},
		{"maps in lists", map[string]any{"users": []any{map[string]any{"name": "a", "token": "t"}, "plain"}},
			map[string]any{"users": []any{map[string]any{"name": "a", "token": masked}, "plain"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, maskValues(tt.in, keys))
		})
	}
	t.Run("input unchanged", func(t *testing.T) {
		in := map[string]any{"db": map[string]any{"password": "p"}}
		maskValues(in, keys)
		require.Equal(t, "p", in["db"].(map[string]any)["password"])
	})
}

func TestCapped(t *testing.T) {
	require.Equal(t, "abc", capped([]byte("abc"), 3).Text)
	require.False(t, capped([]byte("abc"), 3).Truncated)
	res := capped([]byte("abcdef"), 4)
	require.Equal(t, "abcd", res.Text)
	require.True(t, res.Truncated)
	// "é" is two bytes: never cut in half.
	res = capped([]byte("aé"), 2)
	require.Equal(t, "a", res.Text)
	require.True(t, res.Truncated)
}

func TestSecretKeysOption(t *testing.T) {
	keys := []string{"PIN"}
	r, err := New(Options{Config: &rest.Config{Host: "https://127.0.0.1:1"}, CacheDir: t.TempDir(), SecretKeys: keys})
	require.NoError(t, err)
	require.Equal(t, []string{"PIN"}, keys, "the caller's slice is not changed")
	require.Equal(t, map[string]any{"userPin": masked, "password": "shown"},
		maskValues(map[string]any{"userPin": "1234", "password": "shown"}, r.Options().SecretKeys))
}

func TestBoundedPanic(t *testing.T) {
	c := &call{ctx: t.Context(), cmd: executors.Command{Tool: executors.ToolHelm, Verb: "status"}}
	_, err := bounded(c, func() (int, error) { panic("boom") })
	require.EqualError(t, err, "helm status panicked: boom")
}
