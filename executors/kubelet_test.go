package executors

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/watchkeeper/watchkeeper/internal/kubelettest"
)

// The shared control plane needs no extra kube-apiserver flags to proxy
// pods/log to a fake kubelet: LogLocation (pkg/registry/core/pod) dials the
// Node's preferred address (InternalIP is in the default
// --kubelet-preferred-address-types) at daemonEndpoints.kubeletEndpoint.port,
// with no loopback check (unlike nodes/proxy); without
// --kubelet-certificate-authority the API server does not verify the
// kubelet's serving certificate, and without --kubelet-client-certificate it
// connects as system:anonymous, which the fake allows unless told otherwise.

// wlKubelet starts a fake kubelet and registers it as a Node the API server
// can reach: InternalIP 127.0.0.1 and the fake's port. Pods with
// spec.nodeName set to the returned node's name get their logs from it.
func wlKubelet(t *testing.T, opts kubelettest.Options) (*kubelettest.Kubelet, string) {
	t.Helper()
	cs := admin(t)
	n, err := cs.CoreV1().Nodes().Create(t.Context(), &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{GenerateName: "wk-kubelet-"},
	}, metav1.CreateOptions{})
	require.NoError(t, err)
	t.Cleanup(func() { _ = cs.CoreV1().Nodes().Delete(context.Background(), n.Name, metav1.DeleteOptions{}) })

	opts.NodeName = n.Name
	k := kubelettest.NewTest(t, opts)
	n.Status.Addresses = []corev1.NodeAddress{{Type: corev1.NodeInternalIP, Address: "127.0.0.1"}}
	n.Status.DaemonEndpoints.KubeletEndpoint.Port = k.Port()
	_, err = cs.CoreV1().Nodes().UpdateStatus(t.Context(), n, metav1.UpdateOptions{})
	require.NoError(t, err)
	return k, n.Name
}
