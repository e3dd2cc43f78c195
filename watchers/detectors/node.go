package detectors

import (
	"cmp"
	"maps"
	"slices"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/watchkeeper/watchkeeper/notifier"
)

// Reasons the node detector reports.
const (
	// ReasonNodeNotReady covers Ready False and Unknown alike: the node
	// lifecycle controller turns a False node Unknown when its kubelet
	// stops posting, and one outage must stay one incident.
	ReasonNodeNotReady           = "NodeNotReady"
	ReasonNodeMemoryPressure     = "NodeMemoryPressure"
	ReasonNodeDiskPressure       = "NodeDiskPressure"
	ReasonNodePIDPressure        = "NodePIDPressure"
	ReasonNodeNetworkUnavailable = "NodeNetworkUnavailable"
)

// Taints that announce a node is about to be removed on purpose. Such a
// node goes NotReady when its machine is shut down, shortly before its Node
// object is deleted; that is a planned disruption, not a fault.
var removalTaints = []string{
	"ToBeDeletedByClusterAutoscaler", // cluster-autoscaler scale-down
	"karpenter.sh/disrupted",         // Karpenter v1 consolidation, drift, expiry
	"karpenter.sh/disruption",        // Karpenter v0.3x
}

// pressures are the kubelet's resource pressure conditions, in the order
// their findings are reported.
var pressures = []struct {
	cond   corev1.NodeConditionType
	reason string
	cause  string // when the kubelet leaves the message empty
}{
	{corev1.NodeMemoryPressure, ReasonNodeMemoryPressure, "memory pressure"},
	{corev1.NodeDiskPressure, ReasonNodeDiskPressure, "disk pressure"},
	{corev1.NodePIDPressure, ReasonNodePIDPressure, "PID pressure"},
}

// Node returns every problem that holds for node now; an empty result means
// healthy. It fills every Alert field except Cluster. Findings come in a
// fixed order: NotReady, the pressures (memory, disk, PID), then
// NetworkUnavailable.
//
// NotReady and NetworkUnavailable wait for Config.NodeNotReadyGrace from
// the condition's transition, and on a node that has been NotReady since it
// registered, for Config.NodeStartupGrace from its creation, so a kubelet
// restart or a node still joining stays quiet. Pressures alert at once: the
// kubelet already holds a pressure condition for its
// eviction-pressure-transition-period (5m by default) after the pressure
// ends, and while it is True the kubelet is evicting.
//
// A node with no Ready condition is still registering and is healthy. A
// cordoned node is healthy: cordoning is an operator's choice. A deleted
// node, or one tainted for removal by an autoscaler, reports nothing.
//
// Node never mutates node and does not allocate for a healthy node.
func Node(node *corev1.Node, now time.Time, cfg Config) []notifier.Alert {
	if node == nil || node.DeletionTimestamp != nil || removing(node) {
		return nil
	}
	cfg = cfg.WithDefaults()
	var out []notifier.Alert
	if c := nodeCondition(node, corev1.NodeReady); c != nil && c.Status != corev1.ConditionTrue && !graceDue(node, c, now, cfg).After(now) {
		out = append(out, notReady(node, c))
	}
	for _, p := range pressures {
		c := nodeCondition(node, p.cond)
		if c == nil || c.Status != corev1.ConditionTrue {
			continue
		}
		a := nodeBase(node)
		a.Reason = p.reason
		a.Severity = notifier.SeverityWarning
		a.Cause = cmp.Or(truncate(oneLine(c.Message)), p.cause)
		a.Message = c.Message
		a.Since = c.LastTransitionTime.Time
		out = append(out, a)
	}
	if c := nodeCondition(node, corev1.NodeNetworkUnavailable); c != nil && c.Status == corev1.ConditionTrue && !graceDue(node, c, now, cfg).After(now) {
		a := nodeBase(node)
		a.Reason = ReasonNodeNetworkUnavailable
		// Warning: the matching taint keeps new pods off the node, and a
		// CNI that is really down also turns Ready False.
		a.Severity = notifier.SeverityWarning
		a.Cause = conditionCause(c.Reason, c.Message, "pod network not configured")
		a.Message = c.Message
		a.Since = c.LastTransitionTime.Time
		out = append(out, a)
	}
	return out
}

// NodeNextCheck returns when Node's answer for node may next change although
// node itself has not: a NotReady or NetworkUnavailable condition outlasting
// its grace. It returns the zero time when only a change to node can change
// the answer.
//
// A node whose kubelet stops posting changes once (to Unknown) and then
// not at all, so without this recheck the alert would never fire.
func NodeNextCheck(node *corev1.Node, now time.Time, cfg Config) time.Time {
	if node == nil || node.DeletionTimestamp != nil || removing(node) {
		return time.Time{}
	}
	cfg = cfg.WithDefaults()
	var next time.Time
	consider := func(c *corev1.NodeCondition, bad bool) {
		if c == nil || !bad {
			return
		}
		if t := graceDue(node, c, now, cfg); t.After(now) && (next.IsZero() || t.Before(next)) {
			next = t
		}
	}
	ready := nodeCondition(node, corev1.NodeReady)
	consider(ready, ready != nil && ready.Status != corev1.ConditionTrue)
	network := nodeCondition(node, corev1.NodeNetworkUnavailable)
	consider(network, network != nil && network.Status == corev1.ConditionTrue)
	return next
}

// registrationSlack is how close to the node's creation a condition's
// transition must be to count as "bad since the node registered". The
// kubelet writes its first conditions as it registers; the slack covers its
// clock differing from the API server's.
const registrationSlack = time.Minute

// graceDue is when a bad Ready or NetworkUnavailable condition starts to
// alert: NodeNotReadyGrace after its transition, or, for a condition the
// kubelet has reported bad since the node registered (a new node waiting
// for its CNI or route), NodeStartupGrace after the node's creation if that
// is later. Unknown is the controller's verdict on a silent kubelet, never
// a start-up state, so it gets no start-up grace. A zero transition time
// (never written by a real control plane) does not hold the alert back.
func graceDue(node *corev1.Node, c *corev1.NodeCondition, now time.Time, cfg Config) time.Time {
	if c.LastTransitionTime.IsZero() {
		return now
	}
	due := c.LastTransitionTime.Add(cfg.NodeNotReadyGrace)
	created := node.CreationTimestamp.Time
	if c.Status != corev1.ConditionUnknown && !created.IsZero() &&
		c.LastTransitionTime.Sub(created).Abs() <= registrationSlack {
		if t := created.Add(cfg.NodeStartupGrace); t.After(due) {
			due = t
		}
	}
	return due
}

func notReady(node *corev1.Node, c *corev1.NodeCondition) notifier.Alert {
	a := nodeBase(node)
	a.Reason = ReasonNodeNotReady
	a.Severity = notifier.SeverityCritical
	a.Message = c.Message
	a.Since = c.LastTransitionTime.Time
	if c.Status == corev1.ConditionUnknown {
		// The controller's reason and message ("NodeStatusUnknown: Kubelet
		// stopped posting node status.") say only this, less plainly.
		a.Cause = "node stopped reporting (status Unknown)"
		return a
	}
	// The kubelet's own verdict: "KubeletNotReady: container runtime
	// network not ready: ...", "KubeletNotReady: PLEG is not healthy: ...".
	a.Cause = conditionCause(c.Reason, c.Message, "Ready is "+string(c.Status))
	return a
}

// nodeBase is an alert about node with the fields every finding shares.
// A node is its own owner: its incidents group per node.
func nodeBase(node *corev1.Node) notifier.Alert {
	return notifier.Alert{
		Object: notifier.ObjectRef{Kind: notifier.KindNode, Name: node.Name, UID: string(node.UID)},
		Owner:  notifier.Owner{Kind: notifier.KindNode, Name: node.Name},
		Node:   node.Name,
		// A copy: alerts outlive this call and the node belongs to the cache.
		Labels: maps.Clone(node.Labels),
	}
}

// conditionCause is "Reason: message" on one line, or fallback when the
// condition says nothing.
func conditionCause(reason, message, fallback string) string {
	msg := oneLine(message)
	switch {
	case reason != "" && msg != "":
		return truncate(reason + ": " + msg)
	case msg != "":
		return truncate(msg)
	case reason != "":
		return reason
	}
	return fallback
}

// removing reports whether node carries a taint announcing its removal.
func removing(node *corev1.Node) bool {
	for i := range node.Spec.Taints {
		if slices.Contains(removalTaints, node.Spec.Taints[i].Key) {
			return true
		}
	}
	return false
}

func nodeCondition(node *corev1.Node, t corev1.NodeConditionType) *corev1.NodeCondition {
	for i := range node.Status.Conditions {
		if node.Status.Conditions[i].Type == t {
			return &node.Status.Conditions[i]
		}
	}
	return nil
}
