package main

import (
	"context"
	"crypto/x509"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/watchkeeper/watchkeeper/internal/kubelettest"
	"github.com/watchkeeper/watchkeeper/internal/slacktest"
)

const gib = uint64(1) << 30

// fakeNode registers a Node whose kubelet is a kubelettest server on
// 127.0.0.1. The fake kubelet authorizes each request with a real
// SubjectAccessReview against the test apiserver, as a kubelet does, so
// the shipped ClusterRole must grant nodes/stats.
func (k *cluster) fakeNode(name string) *kubelettest.Kubelet {
	k.t.Helper()
	pool := x509.NewCertPool()
	require.True(k.t, pool.AppendCertsFromPEM(env.AdminConfig.TLSClientConfig.CAData))
	// Watchkeeper runs with a ServiceAccount token, which the kubelet checks
	// with a TokenReview, as a real kubelet with webhook authentication does.
	kl, err := kubelettest.New(kubelettest.Options{ClientCAs: pool, AuthenticateToken: kubelettest.TokenReviewAuthenticator(k.c),
		Authorize: kubelettest.SARAuthorizer(k.c, name)})
	require.NoError(k.t, err)
	require.NoError(k.t, kl.Start())
	k.t.Cleanup(kl.Close)
	n, err := k.c.CoreV1().Nodes().Create(k.ctx(), &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: name}}, metav1.CreateOptions{})
	require.NoError(k.t, err)
	k.t.Cleanup(func() { _ = k.c.CoreV1().Nodes().Delete(context.Background(), name, metav1.DeleteOptions{}) })
	n.Status = corev1.NodeStatus{
		Addresses:       []corev1.NodeAddress{{Type: corev1.NodeInternalIP, Address: "127.0.0.1"}},
		DaemonEndpoints: corev1.NodeDaemonEndpoints{KubeletEndpoint: corev1.DaemonEndpoint{Port: kl.Port()}},
		Conditions:      []corev1.NodeCondition{{Type: corev1.NodeReady, Status: corev1.ConditionTrue, LastTransitionTime: metav1.Now(), LastHeartbeatTime: metav1.Now()}},
	}
	_, err = k.c.CoreV1().Nodes().UpdateStatus(k.ctx(), n, metav1.UpdateOptions{})
	require.NoError(k.t, err)
	return kl
}

func (k *cluster) nodeReady(name string, status corev1.ConditionStatus, since time.Duration) {
	k.t.Helper()
	n, err := k.c.CoreV1().Nodes().Get(k.ctx(), name, metav1.GetOptions{})
	require.NoError(k.t, err)
	n.Status.Conditions = []corev1.NodeCondition{{Type: corev1.NodeReady, Status: status, Reason: "KubeletStopPosting",
		Message: "Kubelet stopped posting node status.", LastTransitionTime: metav1.NewTime(time.Now().Add(-since))}}
	_, err = k.c.CoreV1().Nodes().UpdateStatus(k.ctx(), n, metav1.UpdateOptions{})
	require.NoError(k.t, err)
}

// boundPVC creates a bound PVC of the given size.
func (k *cluster) boundPVC(ns, name string, size string) {
	k.t.Helper()
	q := resource.MustParse(size)
	p, err := k.c.CoreV1().PersistentVolumeClaims(ns).Create(k.ctx(), &corev1.PersistentVolumeClaim{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: corev1.PersistentVolumeClaimSpec{AccessModes: []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
			Resources: corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: q}}, VolumeName: "pv-" + name},
	}, metav1.CreateOptions{})
	require.NoError(k.t, err)
	p.Status = corev1.PersistentVolumeClaimStatus{Phase: corev1.ClaimBound, Capacity: corev1.ResourceList{corev1.ResourceStorage: q}}
	_, err = k.c.CoreV1().PersistentVolumeClaims(ns).UpdateStatus(k.ctx(), p, metav1.UpdateOptions{})
	require.NoError(k.t, err)
}

// podWithPVC runs a bare pod on node mounting claim.
func (k *cluster) podWithPVC(ns, name, node, claim string) *corev1.Pod {
	k.t.Helper()
	p, err := k.c.CoreV1().Pods(ns).Create(k.ctx(), &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: corev1.PodSpec{NodeName: node, Containers: []corev1.Container{{Name: "app", Image: "registry.example/db:1"}},
			Volumes: []corev1.Volume{{Name: "data", VolumeSource: corev1.VolumeSource{PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: claim}}}}},
	}, metav1.CreateOptions{})
	require.NoError(k.t, err)
	return k.running(p)
}

func capacityConfig(t *testing.T, fake *slacktest.Server, caPEM []byte, ns string, extra string) string {
	ca := filepath.Join(t.TempDir(), "kubelet-ca.pem")
	require.NoError(t, os.WriteFile(ca, caPEM, 0o600))
	return alertConfig(fake, fmt.Sprintf(`watchers:
  namespaces:
    include: [%q]
  pvc:
    caFile: %s
    interval: 1s
    timeout: 60s
    fullHorizon: 1h
    pendingThreshold: 1s
  nodes:
    notReadyGrace: 1s
`, ns, ca)+extra)
}

// TestCapacityAndNodes runs PVC usage (kubelet mode), stuck PVCs and node
// alerts end to end, with Watchkeeper holding exactly deploy/rbac.yaml.
func TestCapacityAndNodes(t *testing.T) {
	k := newCluster(t)
	resetState(t, k)
	fake := slacktest.NewTestServer(t, slacktest.Options{BotToken: testBotToken, AppToken: testAppToken, PingInterval: time.Second})
	ns := k.namespace("storage")
	nodeA := k.fakeNode(ns + "-a")
	nodeB := k.fakeNode(ns + "-b")
	nodeB.SetHang(true) // a dead kubelet: requests never answer

	k.boundPVC(ns, "data", "10Gi")
	k.podWithPVC(ns, "db-0", ns+"-a", "data")
	k.boundPVC(ns, "logs", "10Gi")
	k.podWithPVC(ns, "logger-0", ns+"-a", "logs")
	k.boundPVC(ns, "cache", "10Gi")
	k.podWithPVC(ns, "cache-0", ns+"-b", "cache")
	nodeA.SetVolume(ns, "db-0", "data", 5*gib, 10*gib, 100, 1000)
	nodeA.SetVolume(ns, "logger-0", "logs", 1*gib, 10*gib, 100, 1000)

	// Each fake kubelet has its own CA: caFile holds both, as a cluster's
	// kubelet CA bundle would.
	in := startInstance(t, nil, capacityConfig(t, fake, kubelettest.CABundle(nodeA, nodeB), ns, ""))
	in.waitReady(t)

	t.Run("usage over the threshold alerts once, resolves under the clear mark", func(t *testing.T) {
		nodeA.SetVolume(ns, "db-0", "data", 85*gib/10, 10*gib, 100, 1000)
		m := waitMessage(t, fake, contains("data", "PVCUsageHigh"))
		require.Contains(t, text(m), "85%")
		require.Contains(t, text(m), "db-0", "the pod using the PVC is named")
		// Node B's kubelet is still hanging: the alert did not wait for it.
		require.GreaterOrEqual(t, nodeB.Requests(), 1)

		nodeA.SetVolume(ns, "db-0", "data", 87*gib/10, 10*gib, 100, 1000)
		sentinel := k.deployment(ns, "sentinel-c", 1)
		k.crashLoop(sentinel[0], "Error", 1, 1)
		waitMessage(t, fake, contains(sentinel[0].Name))
		require.Len(t, posts(fake, alertChannel, "PVCUsageHigh"), 1, dump(fake))

		nodeA.SetVolume(ns, "db-0", "data", 7*gib, 10*gib, 100, 1000)
		waitMessage(t, fake, func(p slacktest.PostedMessage) bool {
			return p.TS == m.TS && strings.Contains(text(p), "Resolved")
		})
	})

	t.Run("a steadily growing volume warns before the threshold", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		go func() {
			used := 2 * gib
			tick := time.NewTicker(200 * time.Millisecond)
			defer tick.Stop()
			for used < 7*gib {
				select {
				case <-ctx.Done():
					return
				case <-tick.C:
					used += 20 << 20 // 100 MiB/s: full in about a minute, under the 1h horizon
					nodeA.SetVolume(ns, "logger-0", "logs", used, 10*gib, 100, 1000)
				}
			}
		}()
		m := waitMessage(t, fake, contains("logs", "PVCFillingUp"))
		require.Contains(t, text(m), "full in")
	})

	t.Run("a PVC stuck Pending alerts with the provisioner's reason", func(t *testing.T) {
		_, err := k.c.CoreV1().PersistentVolumeClaims(ns).Create(k.ctx(), &corev1.PersistentVolumeClaim{
			ObjectMeta: metav1.ObjectMeta{Name: "stuck"},
			Spec: corev1.PersistentVolumeClaimSpec{AccessModes: []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
				Resources: corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("1Gi")}}},
		}, metav1.CreateOptions{})
		require.NoError(t, err)
		pvc, err := k.c.CoreV1().PersistentVolumeClaims(ns).Get(k.ctx(), "stuck", metav1.GetOptions{})
		require.NoError(t, err)
		_, err = k.c.CoreV1().Events(ns).Create(k.ctx(), &corev1.Event{
			ObjectMeta:     metav1.ObjectMeta{GenerateName: "stuck-"},
			InvolvedObject: corev1.ObjectReference{Kind: "PersistentVolumeClaim", Namespace: ns, Name: "stuck", UID: pvc.UID},
			Reason:         "ProvisioningFailed", Message: "storageclass.storage.k8s.io \"fast\" not found", Type: "Warning",
			FirstTimestamp: metav1.Now(), LastTimestamp: metav1.Now(), Count: 3,
		}, metav1.CreateOptions{})
		require.NoError(t, err)
		// The threshold passes without any change to the PVC: the watcher
		// rechecks it on its own.
		m := waitMessage(t, fake, contains("stuck", "PVCPending"))
		require.Contains(t, text(m), "ProvisioningFailed")
	})

	t.Run("a NotReady node alerts and its failing pods fold into it", func(t *testing.T) {
		k.nodeReady(ns+"-b", corev1.ConditionUnknown, 2*time.Minute)
		m := waitMessage(t, fake, contains(ns+"-b", "NodeNotReady"))
		var victims []*corev1.Pod
		for i := range 2 {
			p, err := k.c.CoreV1().Pods(ns).Create(k.ctx(), &corev1.Pod{
				ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("edge-%d", i)},
				Spec:       corev1.PodSpec{NodeName: ns + "-b", Containers: []corev1.Container{{Name: "app", Image: "registry.example/edge:1"}}},
			}, metav1.CreateOptions{})
			require.NoError(t, err)
			victims = append(victims, k.crashLoop(p, "Error", 1, 2))
		}
		waitMessage(t, fake, func(p slacktest.PostedMessage) bool {
			return p.TS == m.TS && strings.Contains(text(p), "edge-0") && strings.Contains(text(p), "edge-1")
		})
		for _, v := range victims {
			got := posts(fake, alertChannel, v.Name)
			require.Len(t, got, 1, "folded into the node's message: %s", dump(fake))
			require.Equal(t, m.TS, got[0].TS)
		}
	})
}
