package volumestats

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/rs/zerolog"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/watchkeeper/watchkeeper/internal/kubelettest"
	"github.com/watchkeeper/watchkeeper/internal/testenv"
)

// netnsEnv marks the child test process that runs inside the namespace.
const netnsEnv = "WATCHKEEPER_TEST_IN_NETNS"

// nodeIP is a documentation address (TEST-NET-3): global unicast, so the
// API server agrees to proxy to it, and routed nowhere, so nothing can leave.
const nodeIP = "203.0.113.10"

// TestAPIServerProxyInNetns proves the apiserverProxy source against the
// real API server. The API server refuses to proxy to loopback node
// addresses, so the test runs in an isolated network namespace (loopback
// only, no routes), gives the Node a documentation address, and starts the
// API server with an egress selector that sends all "cluster" traffic
// through an HTTP CONNECT proxy on a Unix socket; the proxy connects that
// address to a fake kubelet on 127.0.0.1. The configuration never runs
// outside the namespace, so no packet can leave the machine.
func TestAPIServerProxyInNetns(t *testing.T) {
	if os.Getenv(netnsEnv) != "1" {
		if _, err := exec.LookPath("unshare"); err != nil {
			t.Skip("apiserverProxy mode test skipped: unshare(1) is not installed")
		}
		if _, err := exec.LookPath("ip"); err != nil {
			t.Skip("apiserverProxy mode test skipped: ip(8) from iproute2 is not installed")
		}
		probe := exec.Command("unshare", "-n", "true")
		if out, err := probe.CombinedOutput(); err != nil {
			t.Skipf("apiserverProxy mode test skipped: cannot create a network namespace here (%v: %s)", err, strings.TrimSpace(string(out)))
		}
		cmd := exec.Command("unshare", "-n", "--", "sh", "-c", `ip link set lo up && exec "$0" "$@"`,
			os.Args[0], "-test.run=^TestAPIServerProxyInNetns$", "-test.v", "-test.count=1")
		cmd.Env = append(os.Environ(), netnsEnv+"=1")
		out, err := cmd.CombinedOutput()
		t.Logf("inside the network namespace:\n%s", out)
		require.NoError(t, err, "the test inside the network namespace failed")
		require.Contains(t, string(out), "--- PASS: TestAPIServerProxyInNetns")
		return
	}

	// Inside: prove there is no route out before configuring anything.
	_, err := net.Dial("udp", "192.0.2.1:53")
	require.Error(t, err, "the namespace must have no routes")

	kl, err := kubelettest.New(kubelettest.Options{NodeName: "proxied-node"})
	require.NoError(t, err)
	require.NoError(t, kl.Start())
	t.Cleanup(kl.Close)
	kl.SetVolume("shop", "db-0", "data", 6<<30, 10<<30, 10, 100)

	dir := t.TempDir()
	sock := filepath.Join(dir, "konnectivity.sock")
	startConnectProxy(t, sock, fmt.Sprintf("%s:%d", nodeIP, kl.Port()), fmt.Sprintf("127.0.0.1:%d", kl.Port()))
	egress := filepath.Join(dir, "egress.yaml")
	require.NoError(t, os.WriteFile(egress, []byte(`apiVersion: apiserver.k8s.io/v1beta1
kind: EgressSelectorConfiguration
egressSelections:
- name: cluster
  connection:
    proxyProtocol: HTTPConnect
    transport:
      uds:
        udsName: `+sock+`
`), 0o600))

	// Watchkeeper's identity holds exactly what deploy/ ships for this mode.
	env := testenv.StartTest(t, testenv.Options{
		APIServerFlags:   []string{"--egress-selector-config-file=" + egress},
		WatchkeeperRBAC:  []string{filepath.Join("..", "..", "deploy", "rbac-apiserver-proxy.yaml")},
		BindClusterRoles: []string{"watchkeeper-apiserver-proxy"},
	})
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	admin, err := kubernetes.NewForConfig(env.AdminConfig)
	require.NoError(t, err)
	node, err := admin.CoreV1().Nodes().Create(ctx, &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "proxied-node"}}, metav1.CreateOptions{})
	require.NoError(t, err)
	node.Status.Addresses = []corev1.NodeAddress{{Type: corev1.NodeInternalIP, Address: nodeIP}}
	node.Status.DaemonEndpoints.KubeletEndpoint.Port = kl.Port()
	_, err = admin.CoreV1().Nodes().UpdateStatus(ctx, node, metav1.UpdateOptions{})
	require.NoError(t, err)

	c, err := NewClient(Config{Source: SourceAPIServerProxy}, env.WatchkeeperConfig, zerolog.Nop())
	require.NoError(t, err)
	stats, err := c.Summary(ctx, Node{Name: "proxied-node", Address: nodeIP, Port: kl.Port()})
	require.NoError(t, err)
	require.Len(t, stats, 1)
	require.Equal(t, "data", stats[0].PVC)
	require.Equal(t, uint64(6<<30), stats[0].UsedBytes)
	require.GreaterOrEqual(t, kl.Requests(), 1, "the request reached the fake kubelet through the API server and the proxy")

	// Without the add-on role the mode is refused: nodes/proxy is needed,
	// which is why it is opt-in.
	plain, err := env.NewUserConfig("no-proxy-role")
	require.NoError(t, err)
	c, err = NewClient(Config{Source: SourceAPIServerProxy}, plain, zerolog.Nop())
	require.NoError(t, err)
	_, err = c.Summary(ctx, Node{Name: "proxied-node", Address: nodeIP, Port: kl.Port()})
	require.ErrorIs(t, err, ErrForbidden)
}

// startConnectProxy serves HTTP CONNECT on a Unix socket, the way
// konnectivity does for the API server's egress selector, and connects
// only the one expected target to the given local address.
func startConnectProxy(t *testing.T, sock, target, local string) {
	t.Helper()
	ln, err := net.Listen("unix", sock)
	require.NoError(t, err)
	var wg sync.WaitGroup
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	wg.Go(func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Go(func() { proxyOne(conn, target, local) })
		}
	})
}

func proxyOne(conn net.Conn, target, local string) {
	defer conn.Close()
	br := bufio.NewReader(conn)
	req, err := http.ReadRequest(br)
	if err != nil {
		return
	}
	if req.Method != http.MethodConnect || req.Host != target {
		_, _ = io.WriteString(conn, "HTTP/1.1 403 Forbidden\r\n\r\n")
		return
	}
	up, err := net.Dial("tcp", local)
	if err != nil {
		_, _ = io.WriteString(conn, "HTTP/1.1 502 Bad Gateway\r\n\r\n")
		return
	}
	defer up.Close()
	if _, err := io.WriteString(conn, "HTTP/1.1 200 Connection established\r\n\r\n"); err != nil {
		return
	}
	done := make(chan struct{}, 2)
	go func() { _, _ = io.Copy(up, br); done <- struct{}{} }()
	go func() { _, _ = io.Copy(conn, up); done <- struct{}{} }()
	<-done
}
