package detectors_test

import (
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

type nodeOpt func(*corev1.Node)

// newNode is a healthy node created 30 days ago and Ready for a day, with
// every pressure False and its pod network configured.
func newNode(name string, opts ...nodeOpt) *corev1.Node {
	n := &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{
			Name:              name,
			UID:               types.UID("uid-" + name),
			Labels:            map[string]string{"node.kubernetes.io/instance-type": "m7i.xlarge", "topology.kubernetes.io/zone": "eu-west-1a"},
			CreationTimestamp: ago(30 * 24 * time.Hour),
		},
		Status: corev1.NodeStatus{Conditions: []corev1.NodeCondition{
			{Type: corev1.NodeNetworkUnavailable, Status: corev1.ConditionFalse, Reason: "RouteCreated", Message: "RouteController created a route", LastTransitionTime: ago(30 * 24 * time.Hour)},
			{Type: corev1.NodeMemoryPressure, Status: corev1.ConditionFalse, Reason: "KubeletHasSufficientMemory", Message: "kubelet has sufficient memory available", LastTransitionTime: ago(24 * time.Hour)},
			{Type: corev1.NodeDiskPressure, Status: corev1.ConditionFalse, Reason: "KubeletHasNoDiskPressure", Message: "kubelet has no disk pressure", LastTransitionTime: ago(24 * time.Hour)},
			{Type: corev1.NodePIDPressure, Status: corev1.ConditionFalse, Reason: "KubeletHasSufficientPID", Message: "kubelet has sufficient PID available", LastTransitionTime: ago(24 * time.Hour)},
			{Type: corev1.NodeReady, Status: corev1.ConditionTrue, Reason: "KubeletReady", Message: "kubelet is posting ready status", LastTransitionTime: ago(24 * time.Hour)},
		}},
	}
	for _, o := range opts {
		o(n)
	}
	return n
}

// withNodeCondition replaces (or adds) a condition that changed since ago.
func withNodeCondition(t corev1.NodeConditionType, s corev1.ConditionStatus, reason, message string, since time.Duration) nodeOpt {
	return func(n *corev1.Node) {
		c := corev1.NodeCondition{Type: t, Status: s, Reason: reason, Message: message, LastHeartbeatTime: ago(0), LastTransitionTime: ago(since)}
		for i := range n.Status.Conditions {
			if n.Status.Conditions[i].Type == t {
				n.Status.Conditions[i] = c
				return
			}
		}
		n.Status.Conditions = append(n.Status.Conditions, c)
	}
}

func withNotReady(since time.Duration) nodeOpt {
	return withNodeCondition(corev1.NodeReady, corev1.ConditionFalse, "KubeletNotReady",
		"container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady message:Network plugin returns error: cni plugin not initialized", since)
}

// withUnknown is what the node lifecycle controller writes when the kubelet
// stops posting status.
func withUnknown(since time.Duration) nodeOpt {
	return withNodeCondition(corev1.NodeReady, corev1.ConditionUnknown, "NodeStatusUnknown", "Kubelet stopped posting node status.", since)
}

func withoutNodeCondition(t corev1.NodeConditionType) nodeOpt {
	return func(n *corev1.Node) {
		out := n.Status.Conditions[:0]
		for _, c := range n.Status.Conditions {
			if c.Type != t {
				out = append(out, c)
			}
		}
		n.Status.Conditions = out
	}
}

func withNodeCreated(createdAgo time.Duration) nodeOpt {
	return func(n *corev1.Node) { n.CreationTimestamp = ago(createdAgo) }
}

func withCordon() nodeOpt {
	return func(n *corev1.Node) {
		n.Spec.Unschedulable = true
		n.Spec.Taints = append(n.Spec.Taints, corev1.Taint{Key: corev1.TaintNodeUnschedulable, Effect: corev1.TaintEffectNoSchedule})
	}
}

func withTaint(key string) nodeOpt {
	return func(n *corev1.Node) {
		n.Spec.Taints = append(n.Spec.Taints, corev1.Taint{Key: key, Effect: corev1.TaintEffectNoSchedule})
	}
}

func withNodeDeletion() nodeOpt {
	return func(n *corev1.Node) { n.DeletionTimestamp = new(ago(10 * time.Second)) }
}
