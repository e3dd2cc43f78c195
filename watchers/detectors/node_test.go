package detectors_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"

	"github.com/watchkeeper/watchkeeper/notifier"
	"github.com/watchkeeper/watchkeeper/watchers/detectors"
)

// objFinding is the part of a node or PVC alert the tables assert.
type objFinding struct {
	Reason   string
	Cause    string
	Severity notifier.Severity
}

func projectObj(alerts []notifier.Alert) []objFinding {
	var out []objFinding
	for _, a := range alerts {
		out = append(out, objFinding{a.Reason, a.Cause, a.Severity})
	}
	return out
}

const cniNotReady = "KubeletNotReady: container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady message:Network plugin returns error: cni plugin not initialized"

func TestNode(t *testing.T) {
	tests := []struct {
		name string
		node *corev1.Node
		want []objFinding
	}{
		{name: "healthy", node: newNode("n1")},
		{name: "nil", node: nil},

		// Ready False or Unknown, past the grace.
		{
			name: "kubelet not ready",
			node: newNode("n1", withNotReady(2*time.Minute)),
			want: []objFinding{{"NodeNotReady", cniNotReady, critical}},
		},
		{
			name: "kubelet stopped posting",
			node: newNode("n1", withUnknown(3*time.Minute)),
			want: []objFinding{{"NodeNotReady", "node stopped reporting (status Unknown)", critical}},
		},
		{
			name: "not ready exactly at the grace",
			node: newNode("n1", withNotReady(time.Minute)),
			want: []objFinding{{"NodeNotReady", cniNotReady, critical}},
		},
		{
			name: "not ready with a multi-line message",
			node: newNode("n1", withNodeCondition(corev1.NodeReady, corev1.ConditionFalse, "KubeletNotReady", "PLEG is not healthy:\n  pleg was last seen active 3m0s ago", 5*time.Minute)),
			want: []objFinding{{"NodeNotReady", "KubeletNotReady: PLEG is not healthy: pleg was last seen active 3m0s ago", critical}},
		},
		{
			name: "not ready without reason or message",
			node: newNode("n1", withNodeCondition(corev1.NodeReady, corev1.ConditionFalse, "", "", 5*time.Minute)),
			want: []objFinding{{"NodeNotReady", "Ready is False", critical}},
		},
		{name: "not ready within the grace", node: newNode("n1", withNotReady(30*time.Second))},
		{name: "unknown within the grace", node: newNode("n1", withUnknown(59*time.Second))},
		{name: "no Ready condition yet: still registering", node: newNode("n1", withNodeCreated(time.Hour), withoutNodeCondition(corev1.NodeReady))},
		{name: "new node waiting for its CNI", node: newNode("n1", withNodeCreated(3*time.Minute), withNotReady(3*time.Minute))},
		{name: "new node, kubelet clock a little behind", node: newNode("n1", withNodeCreated(3*time.Minute), withNotReady(3*time.Minute+30*time.Second))},
		{
			name: "new node that was ready, then failed",
			node: newNode("n1", withNodeCreated(4*time.Minute), withNotReady(2*time.Minute)),
			want: []objFinding{{"NodeNotReady", cniNotReady, critical}},
		},
		{
			name: "new node whose kubelet went silent",
			node: newNode("n1", withNodeCreated(3*time.Minute), withUnknown(2*time.Minute)),
			want: []objFinding{{"NodeNotReady", "node stopped reporting (status Unknown)", critical}},
		},
		{
			name: "new node that never became ready",
			node: newNode("n1", withNodeCreated(6*time.Minute), withNotReady(6*time.Minute)),
			want: []objFinding{{"NodeNotReady", cniNotReady, critical}},
		},

		// Pressures: one finding each, at once.
		{
			name: "memory pressure",
			node: newNode("n1", withNodeCondition(corev1.NodeMemoryPressure, corev1.ConditionTrue, "KubeletHasInsufficientMemory", "kubelet has insufficient memory available", 10*time.Second)),
			want: []objFinding{{"NodeMemoryPressure", "kubelet has insufficient memory available", warning}},
		},
		{
			name: "disk pressure",
			node: newNode("n1", withNodeCondition(corev1.NodeDiskPressure, corev1.ConditionTrue, "KubeletHasDiskPressure", "kubelet has disk pressure", time.Minute)),
			want: []objFinding{{"NodeDiskPressure", "kubelet has disk pressure", warning}},
		},
		{
			name: "PID pressure without a message",
			node: newNode("n1", withNodeCondition(corev1.NodePIDPressure, corev1.ConditionTrue, "KubeletHasInsufficientPID", "", time.Minute)),
			want: []objFinding{{"NodePIDPressure", "PID pressure", warning}},
		},
		{
			name: "every pressure, in a fixed order",
			node: newNode("n1",
				withNodeCondition(corev1.NodePIDPressure, corev1.ConditionTrue, "KubeletHasInsufficientPID", "kubelet has insufficient PID available", time.Minute),
				withNodeCondition(corev1.NodeDiskPressure, corev1.ConditionTrue, "KubeletHasDiskPressure", "kubelet has disk pressure", time.Minute),
				withNodeCondition(corev1.NodeMemoryPressure, corev1.ConditionTrue, "KubeletHasInsufficientMemory", "kubelet has insufficient memory available", time.Minute)),
			want: []objFinding{
				{"NodeMemoryPressure", "kubelet has insufficient memory available", warning},
				{"NodeDiskPressure", "kubelet has disk pressure", warning},
				{"NodePIDPressure", "kubelet has insufficient PID available", warning},
			},
		},
		{
			name: "pressure Unknown (kubelet gone) is not pressure",
			node: newNode("n1", withNodeCondition(corev1.NodeDiskPressure, corev1.ConditionUnknown, "NodeStatusUnknown", "Kubelet stopped posting node status.", time.Minute)),
		},
		{
			name: "not ready and under disk pressure",
			node: newNode("n1", withNotReady(5*time.Minute), withNodeCondition(corev1.NodeDiskPressure, corev1.ConditionTrue, "KubeletHasDiskPressure", "kubelet has disk pressure", 10*time.Minute)),
			want: []objFinding{
				{"NodeNotReady", cniNotReady, critical},
				{"NodeDiskPressure", "kubelet has disk pressure", warning},
			},
		},

		// NetworkUnavailable: graced like NotReady.
		{
			name: "network unavailable",
			node: newNode("n1", withNodeCondition(corev1.NodeNetworkUnavailable, corev1.ConditionTrue, "NoRouteCreated", "Node created without a route", 2*time.Minute)),
			want: []objFinding{{"NodeNetworkUnavailable", "NoRouteCreated: Node created without a route", warning}},
		},
		{
			name: "network unavailable within the grace",
			node: newNode("n1", withNodeCondition(corev1.NodeNetworkUnavailable, corev1.ConditionTrue, "NoRouteCreated", "Node created without a route", 30*time.Second)),
		},
		{
			name: "network unavailable on a new node",
			node: newNode("n1", withNodeCreated(2*time.Minute), withNodeCondition(corev1.NodeNetworkUnavailable, corev1.ConditionTrue, "NoRouteCreated", "Node created without a route", 2*time.Minute)),
		},

		// Not faults.
		{name: "cordoned", node: newNode("n1", withCordon())},
		{
			name: "cordoned does not hide a fault",
			node: newNode("n1", withCordon(), withUnknown(5*time.Minute)),
			want: []objFinding{{"NodeNotReady", "node stopped reporting (status Unknown)", critical}},
		},
		{name: "being deleted", node: newNode("n1", withNodeDeletion(), withUnknown(5*time.Minute))},
		{name: "scaled down by cluster-autoscaler", node: newNode("n1", withTaint("ToBeDeletedByClusterAutoscaler"), withUnknown(5*time.Minute))},
		{name: "disrupted by Karpenter", node: newNode("n1", withTaint("karpenter.sh/disrupted"), withNotReady(5*time.Minute))},
		{
			name: "a scale-down candidate is not yet being removed",
			node: newNode("n1", withTaint("DeletionCandidateOfClusterAutoscaler"), withUnknown(5*time.Minute)),
			want: []objFinding{{"NodeNotReady", "node stopped reporting (status Unknown)", critical}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, projectObj(detectors.Node(tt.node, now, detectors.Config{})))
		})
	}
}

// TestNodeFillsAlert checks every field of one alert.
func TestNodeFillsAlert(t *testing.T) {
	node := newNode("ip-10-0-1-12.eu-west-1.compute.internal", withUnknown(3*time.Minute))

	got := detectors.Node(node, now, detectors.Config{})

	require.Len(t, got, 1)
	require.Equal(t, notifier.Alert{
		Object:   notifier.ObjectRef{Kind: notifier.KindNode, Name: "ip-10-0-1-12.eu-west-1.compute.internal", UID: "uid-ip-10-0-1-12.eu-west-1.compute.internal"},
		Owner:    notifier.Owner{Kind: "Node", Name: "ip-10-0-1-12.eu-west-1.compute.internal"},
		Node:     "ip-10-0-1-12.eu-west-1.compute.internal",
		Reason:   "NodeNotReady",
		Cause:    "node stopped reporting (status Unknown)",
		Message:  "Kubelet stopped posting node status.",
		Severity: critical,
		Labels:   map[string]string{"node.kubernetes.io/instance-type": "m7i.xlarge", "topology.kubernetes.io/zone": "eu-west-1a"},
		Since:    now.Add(-3 * time.Minute),
	}, got[0])

	got[0].Labels["topology.kubernetes.io/zone"] = "changed"
	require.Equal(t, "eu-west-1a", node.Labels["topology.kubernetes.io/zone"], "labels are a copy")
}

func TestNodeSince(t *testing.T) {
	got := detectors.Node(newNode("n1", withNotReady(7*time.Minute),
		withNodeCondition(corev1.NodeMemoryPressure, corev1.ConditionTrue, "KubeletHasInsufficientMemory", "kubelet has insufficient memory available", 2*time.Minute)), now, detectors.Config{})
	require.Len(t, got, 2)
	require.Equal(t, now.Add(-7*time.Minute), got[0].Since)
	require.Equal(t, now.Add(-2*time.Minute), got[1].Since)
}

func TestNodeConfig(t *testing.T) {
	notReady := newNode("n1", withNotReady(3*time.Minute))
	require.Len(t, detectors.Node(notReady, now, detectors.Config{}), 1)
	require.Empty(t, detectors.Node(notReady, now, detectors.Config{NodeNotReadyGrace: 5 * time.Minute}))

	young := newNode("n1", withNodeCreated(3*time.Minute), withNotReady(3*time.Minute))
	require.Empty(t, detectors.Node(young, now, detectors.Config{}))
	require.Len(t, detectors.Node(young, now, detectors.Config{NodeStartupGrace: 2 * time.Minute}), 1)
}

func TestNodeNextCheck(t *testing.T) {
	tests := []struct {
		name string
		node *corev1.Node
		want time.Time // zero: nothing to wait for
	}{
		{"healthy", newNode("n1"), time.Time{}},
		{"not ready crosses the grace", newNode("n1", withNotReady(20*time.Second)), now.Add(40 * time.Second)},
		{"unknown crosses the grace", newNode("n1", withUnknown(45*time.Second)), now.Add(15 * time.Second)},
		{"already alerting", newNode("n1", withNotReady(5*time.Minute)), time.Time{}},
		{"new node: startup grace is later", newNode("n1", withNodeCreated(2*time.Minute), withNotReady(2*time.Minute)), now.Add(3 * time.Minute)},
		{"network unavailable crosses the grace", newNode("n1", withNodeCondition(corev1.NodeNetworkUnavailable, corev1.ConditionTrue, "NoRouteCreated", "", 10*time.Second)), now.Add(50 * time.Second)},
		{"earliest of two", newNode("n1", withNotReady(10*time.Second), withNodeCondition(corev1.NodeNetworkUnavailable, corev1.ConditionTrue, "NoRouteCreated", "", 30*time.Second)), now.Add(30 * time.Second)},
		{"pressure alerts at once", newNode("n1", withNodeCondition(corev1.NodeDiskPressure, corev1.ConditionTrue, "KubeletHasDiskPressure", "", time.Second)), time.Time{}},
		{"no Ready condition", newNode("n1", withoutNodeCondition(corev1.NodeReady)), time.Time{}},
		{"being deleted", newNode("n1", withNodeDeletion(), withNotReady(10*time.Second)), time.Time{}},
		{"being scaled down", newNode("n1", withTaint("ToBeDeletedByClusterAutoscaler"), withNotReady(10*time.Second)), time.Time{}},
		{"nil", nil, time.Time{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := detectors.NodeNextCheck(tt.node, now, detectors.Config{})
			require.Equal(t, tt.want, got)
			if got.IsZero() {
				return
			}
			// The recheck sees a different answer than now.
			require.NotEqual(t, len(detectors.Node(tt.node, now, detectors.Config{})), len(detectors.Node(tt.node, got, detectors.Config{})))
		})
	}
}

func TestConfigWithDefaultsNodeAndPVC(t *testing.T) {
	got := detectors.Config{}.WithDefaults()
	require.Equal(t, time.Minute, got.NodeNotReadyGrace)
	require.Equal(t, 5*time.Minute, got.NodeStartupGrace)
	require.Equal(t, 5*time.Minute, got.PVCPendingThreshold)
	require.Equal(t, 30*time.Minute, got.PVCResizeEventWindow)

	set := detectors.Config{NodeNotReadyGrace: 2 * time.Minute, NodeStartupGrace: -1, PVCPendingThreshold: time.Minute, PVCResizeEventWindow: time.Hour}.WithDefaults()
	require.Equal(t, 2*time.Minute, set.NodeNotReadyGrace)
	require.Equal(t, 5*time.Minute, set.NodeStartupGrace, "negative means default")
	require.Equal(t, time.Minute, set.PVCPendingThreshold)
	require.Equal(t, time.Hour, set.PVCResizeEventWindow)
	require.Equal(t, 5*time.Minute, set.PendingThreshold, "pod defaults unchanged")
}

func BenchmarkNodeHealthy(b *testing.B) {
	node := newNode("n1")
	cfg := detectors.Config{}.WithDefaults()
	b.ReportAllocs()
	for b.Loop() {
		if detectors.Node(node, now, cfg) != nil {
			b.Fatal("healthy node alerted")
		}
	}
}
