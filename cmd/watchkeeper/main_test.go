package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/watchkeeper/watchkeeper/internal/testenv"
)

// env is the package's control plane, started once by TestMain.
var env *testenv.Env

func TestMain(m *testing.M) {
	os.Exit(testenv.RunMain(m, testenv.Options{
		WatchkeeperRBAC: []string{filepath.Join("..", "..", "deploy", "rbac.yaml"), filepath.Join("testdata", "test-rbac.yaml"), filepath.Join("testdata", "test-commands-rbac.yaml"),
			filepath.Join("..", "..", "deploy", "rbac-commands.yaml")},
		BindClusterRoles: []string{"watchkeeper"},
	}, &env))
}

// syncBuffer collects a component's output for assertions.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// instance is one in-process Watchkeeper started through run, exactly as
// main starts it.
type instance struct {
	base   string // http://127.0.0.1:port of /healthz, /readyz, /metrics
	stdout *syncBuffer
	stderr *syncBuffer
	cancel context.CancelFunc
	done   chan error
}

func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// writeConfig writes a config file whose server listens on a free port.
func writeConfig(t testing.TB, body string) (path string, base string) {
	t.Helper()
	port := freePort(t)
	path = filepath.Join(t.TempDir(), "config.yaml")
	body += fmt.Sprintf("server:\n  listen: 127.0.0.1:%d\nlog:\n  level: debug\n", port)
	require.NoError(t, os.WriteFile(path, []byte(body), 0o600))
	return path, fmt.Sprintf("http://127.0.0.1:%d", port)
}

func startInstance(t testing.TB, stdin io.Reader, configBody string) *instance {
	t.Helper()
	e := testenv.Require(t, env)
	cfgPath, base := writeConfig(t, configBody)
	ctx, cancel := context.WithCancel(context.Background())
	in := &instance{base: base, stdout: &syncBuffer{}, stderr: &syncBuffer{}, cancel: cancel, done: make(chan error, 1)}
	go func() {
		in.done <- run(ctx, []string{"run", "--config", cfgPath, "--kubeconfig", e.WatchkeeperKubeconfig}, stdin, in.stdout, in.stderr)
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-in.done:
		case <-time.After(15 * time.Second):
			t.Error("watchkeeper did not stop")
		}
		if t.Failed() {
			t.Logf("watchkeeper log:\n%s", in.stderr.String())
		}
	})
	return in
}

// stop cancels the context, as SIGTERM does, and returns run's result.
func (in *instance) stop(t *testing.T) error {
	t.Helper()
	in.cancel()
	select {
	case err := <-in.done:
		in.done <- err // let the cleanup see it too
		return err
	case <-time.After(15 * time.Second):
		t.Fatal("watchkeeper did not shut down within 15s of cancellation")
		return nil
	}
}

func (in *instance) get(path string) (int, string, error) {
	resp, err := http.Get(in.base + path)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), err
}

// waitReady polls /readyz until it answers 200 or the deadline passes.
func (in *instance) waitReady(t testing.TB) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		code, body, err := in.get("/readyz")
		if err == nil && code == http.StatusOK {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("not ready within 30s: code=%d body=%q err=%v\nlog:\n%s", code, body, err, in.stderr.String())
		}
		select {
		case err := <-in.done:
			t.Fatalf("watchkeeper exited early: %v\nlog:\n%s", err, in.stderr.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
}

func waitCtx(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

func TestVersionCommand(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), []string{"version"}, nil, &out, io.Discard))
	require.True(t, strings.HasPrefix(out.String(), "watchkeeper "+version+" ("), out.String())
}

func TestUnknownCommandFails(t *testing.T) {
	err := run(context.Background(), []string{"frobnicate"}, nil, io.Discard, io.Discard)
	require.ErrorContains(t, err, "unknown command")
}
