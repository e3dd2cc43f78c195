package notifier

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"time"
)

// Severity orders how urgent an alert is.
type Severity string

// Severities, most urgent first.
const (
	SeverityCritical Severity = "critical"
	SeverityWarning  Severity = "warning"
	SeverityInfo     Severity = "info"
)

// Kinds of object an alert is about.
const (
	KindPod  = "Pod"
	KindPVC  = "PersistentVolumeClaim"
	KindNode = "Node"
)

// ReasonNodeNotReady is the node detector's NotReady reason; pod alerts on
// such a node fold into its incident.
const ReasonNodeNotReady = "NodeNotReady"

// ObjectRef names the object an observation is about.
type ObjectRef struct {
	Kind      string // KindPod, KindPVC, KindNode
	Namespace string // empty for nodes
	Name      string
	UID       string
}

// Key is "namespace/name" (or "name" for cluster-scoped objects).
func (r ObjectRef) Key() string {
	if r.Namespace == "" {
		return r.Name
	}
	return r.Namespace + "/" + r.Name
}

// Owner is the workload an object belongs to, resolved as far up as the
// cache allows (Pod → ReplicaSet → Deployment; Job → CronJob).
type Owner struct {
	Kind string // Deployment, StatefulSet, DaemonSet, Job, CronJob, ReplicaSet, or Pod for bare pods
	Name string
}

// Alert is one problem with one object, as the detectors found it now. It
// holds only cluster-derived facts; rendering escapes them.
type Alert struct {
	Cluster   string
	Object    ObjectRef
	Owner     Owner
	Container string // empty when the alert is about the whole pod or another kind
	Node      string
	// Reason is the machine-readable cause class: CrashLoopBackOff, OOMKilled,
	// ImagePullBackOff, CreateContainerConfigError, Evicted, Unschedulable, ...
	Reason string
	// Cause is the human explanation: "OOMKilled (exit code 137)", "image not found", ...
	Cause    string
	Message  string // the status message from Kubernetes, if any
	ExitCode *int32
	Restarts int32
	Image    string
	Severity Severity
	// Labels of the object, for routing.
	Labels map[string]string
	// Since is when the condition started, as far as the object tells.
	Since time.Time
}

// Fingerprint identifies the incident an alert belongs to: several pods of
// one workload failing the same way are one incident.
func (a Alert) Fingerprint() string {
	h := sha256.New()
	for _, part := range []string{a.Cluster, a.Object.Kind, a.Object.Namespace, a.Owner.Kind, a.Owner.Name, a.Container, a.Reason} {
		h.Write([]byte(part))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// Observation is the current state of one object as a watcher worker saw it:
// every alert that holds now, or none. The notifier compares observations
// over time to open, update and resolve incidents.
type Observation struct {
	Object ObjectRef
	// Alerts holds now; an empty list means the object is healthy.
	Alerts []Alert
	// Gone means the object was deleted or left the watched scope.
	Gone bool
	At   time.Time
}

// Title is a short, single-line summary used in fallbacks and logs.
func (a Alert) Title() string {
	var b strings.Builder
	b.WriteString(a.Reason)
	b.WriteString(" in ")
	if a.Object.Namespace != "" {
		b.WriteString(a.Object.Namespace)
		b.WriteString("/")
	}
	if a.Owner.Name != "" && a.Owner.Kind != KindPod {
		b.WriteString(a.Owner.Name)
	} else {
		b.WriteString(a.Object.Name)
	}
	return b.String()
}
