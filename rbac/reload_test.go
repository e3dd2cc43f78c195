package rbac

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"github.com/stretchr/testify/require"
)

// writeAtomically replaces path the way a ConfigMap update or a careful
// editor does, so the poller never reads a half-written file.
func writeAtomically(t *testing.T, path, content string) {
	t.Helper()
	tmp := path + ".tmp"
	require.NoError(t, os.WriteFile(tmp, []byte(content), 0o600))
	require.NoError(t, os.Rename(tmp, path))
}

func TestHotReload(t *testing.T) {
	path := filepath.Join(t.TempDir(), "policy.csv")
	writeAtomically(t, path, "p, U0A, C0A, team-a, pods, get, allow\n")

	reloadErrs := make(chan error, 10)
	a, err := NewAuthorizer(Options{
		PolicyFile:     path,
		ReloadInterval: 5 * time.Millisecond,
		OnReloadError:  func(err error) { reloadErrs <- err },
	}, zerolog.Nop())
	require.NoError(t, err)

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Start(ctx) }()
	t.Cleanup(func() {
		cancel()
		require.NoError(t, <-done)
	})

	getA := req("U0A", "C0A", "team-a", "pods", "get")
	getB := req("U0B", "C0A", "team-a", "pods", "get")
	require.True(t, a.Authorize(ctx, getA).Allowed)
	require.False(t, a.Authorize(ctx, getB).Allowed)

	// A valid change takes effect.
	writeAtomically(t, path, "# now B\np, U0B, C0A, team-a, pods, get, allow\n")
	require.Eventually(t, func() bool { return a.Authorize(ctx, getB).Allowed }, 5*time.Second, time.Millisecond)
	require.False(t, a.Authorize(ctx, getA).Allowed)
	require.Zero(t, a.ReloadErrors())

	// A broken file keeps the old policy, and is reported once.
	writeAtomically(t, path, "p, U0A, C0A, team-a, pods, get, allow\np, U0A, C0A, team-a, pods, exec, allow\n")
	select {
	case err := <-reloadErrs:
		require.ErrorContains(t, err, "reload policy "+path+": line 2: unknown action \"exec\"")
	case <-time.After(5 * time.Second):
		t.Fatal("OnReloadError was not called for a broken policy")
	}
	require.Equal(t, 1, a.ReloadErrors())
	require.True(t, a.Authorize(ctx, getB).Allowed, "the last good policy stays in force")
	require.False(t, a.Authorize(ctx, getA).Allowed)

	// The same broken content is not reported again on every poll; the next
	// change is. Wait on a later valid change so this does not sleep.
	writeAtomically(t, path, "p, U0A, C0A, team-a, pods, get, allow\n")
	require.Eventually(t, func() bool { return a.Authorize(ctx, getA).Allowed }, 5*time.Second, time.Millisecond)
	require.Equal(t, 1, a.ReloadErrors())
	require.Empty(t, reloadErrs)

	// A missing file is an error too, and the policy stays.
	require.NoError(t, os.Remove(path))
	select {
	case err := <-reloadErrs:
		require.True(t, errors.Is(err, os.ErrNotExist), err)
	case <-time.After(5 * time.Second):
		t.Fatal("OnReloadError was not called for a missing policy")
	}
	require.Equal(t, 2, a.ReloadErrors())
	require.True(t, a.Authorize(ctx, getA).Allowed)
}

func TestHotReloadDropsGroupsNoLongerNamed(t *testing.T) {
	path := filepath.Join(t.TempDir(), "policy.csv")
	writeAtomically(t, path, "p, S0A, C0A, team-a, pods, get, allow\n")
	groups := newFakeGroups(map[string][]string{"S0A": {"U0A"}, "S0B": {"U0A"}})
	a, err := NewAuthorizer(Options{PolicyFile: path, ReloadInterval: 5 * time.Millisecond, Groups: groups}, zerolog.Nop())
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { _ = a.Start(ctx) })
	t.Cleanup(func() { cancel(); wg.Wait() })

	require.True(t, a.Authorize(ctx, req("U0A", "C0A", "team-a", "pods", "get")).Allowed)
	writeAtomically(t, path, "p, S0B, C0A, team-a, pods, get, allow\n")
	require.Eventually(t, func() bool {
		d := a.Authorize(ctx, req("U0A", "C0A", "team-a", "pods", "get"))
		return d.Allowed && d.Rule[0] == "S0B"
	}, 5*time.Second, time.Millisecond)
	cached := func(id string) bool {
		a.groups.mu.Lock()
		defer a.groups.mu.Unlock()
		_, ok := a.groups.byID[id]
		return ok
	}
	require.Eventually(t, func() bool { return !cached("S0A") }, 5*time.Second, time.Millisecond)
	require.True(t, cached("S0B"))
}

func TestStartTwice(t *testing.T) {
	a := newShipped(t, Options{ReloadInterval: time.Hour})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Start(ctx) }()
	require.Eventually(t, a.started.Load, 5*time.Second, time.Millisecond)
	require.EqualError(t, a.Start(ctx), "rbac: authorizer already started")
	cancel()
	require.NoError(t, <-done)
}
