package helm

import (
	"testing"

	"github.com/stretchr/testify/require"
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
