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
	authenticationv1 "k8s.io/api/authentication/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/watchkeeper/watchkeeper/deploy"
	"github.com/watchkeeper/watchkeeper/internal/testenv"
)

// env is the package's control plane, started once by TestMain.
var env *testenv.Env

func TestMain(m *testing.M) {
	// Watchkeeper runs as the ServiceAccount, with the RBAC objects, that the
	// Helm chart renders, so a permission the chart lacks fails a test.
	rbacFile, err := chartRBAC()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := testenv.RunMain(m, testenv.Options{
		WatchkeeperRBAC: []string{filepath.Join("testdata", "namespace.yaml"), rbacFile},
	}, &env)
	_ = os.RemoveAll(filepath.Dir(rbacFile))
	os.Exit(code)
}

// impersonatedUsers are the Slack users the tests' chart values list in
// commands.impersonation.users.
var impersonatedUsers = []any{"U0ALICE01", "U0BOB0001", "U0NOKUBE1"}

// chartRBAC renders the chart for namespace watchkeeper and writes its
// ServiceAccount and RBAC objects to a temporary file.
func chartRBAC() (string, error) {
	r, err := deploy.Render(filepath.Join("..", "..", "deploy", "helm", "watchkeeper"), deploy.Release{},
		map[string]any{"commands": map[string]any{"impersonation": map[string]any{"users": impersonatedUsers}}})
	if err != nil {
		return "", fmt.Errorf("render chart: %w", err)
	}
	var docs []string
	for _, name := range r.Names() {
		for _, doc := range strings.Split(r.Manifests[name], "\n---") {
			switch kindOf(doc) {
			case "ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding":
				docs = append(docs, doc)
			}
		}
	}
	dir, err := os.MkdirTemp("", "watchkeeper-chart-rbac-")
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, "rbac.yaml")
	return path, os.WriteFile(path, []byte(strings.Join(docs, "\n---\n")), 0o600)
}

func kindOf(doc string) string {
	for _, line := range strings.Split(doc, "\n") {
		if k, ok := strings.CutPrefix(line, "kind: "); ok {
			return strings.TrimSpace(k)
		}
	}
	return ""
}

var (
	saKubeconfigOnce sync.Once
	saKubeconfigPath string
	saKubeconfigErr  error
)

// serviceAccountKubeconfig is a kubeconfig with a token of the chart's
// ServiceAccount watchkeeper/watchkeeper, made once per test binary.
func serviceAccountKubeconfig(t testing.TB) string {
	t.Helper()
	e := testenv.Require(t, env)
	saKubeconfigOnce.Do(func() {
		cs, err := kubernetes.NewForConfig(e.AdminConfig)
		if err != nil {
			saKubeconfigErr = err
			return
		}
		ttl := int64(6 * 3600)
		tok, err := cs.CoreV1().ServiceAccounts("watchkeeper").CreateToken(context.Background(), "watchkeeper",
			&authenticationv1.TokenRequest{Spec: authenticationv1.TokenRequestSpec{ExpirationSeconds: &ttl}}, metav1.CreateOptions{})
		if err != nil {
			saKubeconfigErr = fmt.Errorf("token for the chart's ServiceAccount: %w", err)
			return
		}
		cfg := &rest.Config{Host: e.Host, BearerToken: tok.Status.Token}
		cfg.CAData = e.AdminConfig.CAData
		saKubeconfigPath = filepath.Join(e.Dir, "watchkeeper-sa.kubeconfig")
		saKubeconfigErr = testenv.WriteKubeconfig(saKubeconfigPath, "system:serviceaccount:watchkeeper:watchkeeper", cfg)
	})
	require.NoError(t, saKubeconfigErr)
	return saKubeconfigPath
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
	kubeconfig := serviceAccountKubeconfig(t)
	cfgPath, base := writeConfig(t, configBody)
	ctx, cancel := context.WithCancel(context.Background())
	in := &instance{base: base, stdout: &syncBuffer{}, stderr: &syncBuffer{}, cancel: cancel, done: make(chan error, 1)}
	go func() {
		in.done <- run(ctx, []string{"run", "--config", cfgPath, "--kubeconfig", kubeconfig}, stdin, in.stdout, in.stderr)
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
