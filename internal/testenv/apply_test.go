package testenv

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestReadManifests(t *testing.T) {
	objs, err := readManifests("testdata/pod-reader.yaml")
	require.NoError(t, err)
	var got []string
	for _, o := range objs {
		got = append(got, o.GetKind()+"/"+o.GetName())
	}
	require.Equal(t, []string{
		"ClusterRole/watchkeeper-test-pod-reader",
		"Role/config-reader",
		"RoleBinding/watchkeeper-config-reader",
		"Namespace/testenv-rbac",
	}, got)

	t.Run("errors name the document", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "bad.yaml")
		require.NoError(t, os.WriteFile(path, []byte("kind: ConfigMap\napiVersion: v1\n---\nmetadata: {name: x}\n"), 0o600))
		_, err := readManifests(path)
		require.ErrorContains(t, err, "document 2")
	})
	t.Run("missing file", func(t *testing.T) {
		_, err := readManifests(filepath.Join(t.TempDir(), "none.yaml"))
		require.ErrorIs(t, err, os.ErrNotExist)
	})
}

func TestTail(t *testing.T) {
	tests := []struct {
		name  string
		in    string
		lines int
		want  string
	}{
		{"fewer lines than asked", "a\nb\n", 5, "a\nb"},
		{"last lines", "a\nb\nc\nd\n", 2, "c\nd"},
		{"no trailing newline", "a\nb\nc", 1, "c"},
		{"empty", "", 3, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, tail([]byte(tt.in), tt.lines))
		})
	}
}
