package detectors

import (
	"cmp"
	"maps"
	"slices"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/watchkeeper/watchkeeper/notifier"
)

// Reasons the PVC detector reports.
const (
	// ReasonPVCPending marks a claim left unbound past
	// Config.PVCPendingThreshold; it is critical once provisioning failed.
	ReasonPVCPending = "PVCPending"
	// ReasonPVCLost marks a claim whose bound volume is gone (phase Lost).
	ReasonPVCLost = "PVCLost"
	// ReasonPVCResizeFailed covers controller and node (file system)
	// expansion failures alike: a resize that fails in the controller and
	// then on the node is one problem to the user.
	ReasonPVCResizeFailed = "PVCResizeFailed"
)

// Event reasons written about PVCs by the PV controller, the CSI
// external-provisioner and external-resizer, and the kubelet.
const (
	evWaitForFirstConsumer = "WaitForFirstConsumer"
	evWaitForPodScheduled  = "WaitForPodScheduled"
	evExternalProvisioning = "ExternalProvisioning"
	evProvisioning         = "Provisioning"
	evProvisioningFailed   = "ProvisioningFailed"
	evFailedBinding        = "FailedBinding"
	evClaimLost            = "ClaimLost"
	evClaimMisbound        = "ClaimMisbound"
	evVolumeResizeFailed   = "VolumeResizeFailed"
	evFSResizeFailed       = "FileSystemResizeFailed"
	evVolumeResizeOK       = "VolumeResizeSuccessful"
	evFSResizeOK           = "FileSystemResizeSuccessful"
)

// Annotations the PV controller sets on a claim it hands to an external
// provisioner; the beta key is what clusters before 1.23 write.
var provisionerAnnotations = []string{
	"volume.kubernetes.io/storage-provisioner",
	"volume.beta.kubernetes.io/storage-provisioner",
}

// PVC returns every problem that holds for pvc now; an empty result means
// healthy. events are the claim's events as the caller listed them (any
// order; events about another object, such as a deleted claim of the same
// name, are ignored). It fills every Alert field except Cluster, and sets
// Owner to the claim itself for the caller to replace with the workload
// using it. Usage (bytes, inodes) is not judged here: see package capacity.
//
// A Pending claim alerts after Config.PVCPendingThreshold, unless its
// latest event says it waits for a consumer: a WaitForFirstConsumer claim is
// fine until a pod uses it, and a claim whose pod is not yet scheduled
// (WaitForPodScheduled) is the pod's alert to raise. The threshold runs from
// the claim's creation, or from the end of that wait, so a claim first used
// days after it was created still gets its full threshold to provision.
//
// PVC never mutates pvc or events and does not allocate for a healthy claim.
func PVC(pvc *corev1.PersistentVolumeClaim, events []corev1.Event, now time.Time, cfg Config) []notifier.Alert {
	if pvc == nil || pvc.DeletionTimestamp != nil {
		// A claim being deleted waits on its users (kubernetes.io/pvc-protection).
		return nil
	}
	cfg = cfg.WithDefaults()
	var a notifier.Alert
	var ok bool
	switch pvc.Status.Phase {
	case corev1.ClaimLost:
		a, ok = lost(pvc, events), true
	case corev1.ClaimPending, "":
		// The API server defaults the phase to Pending; "" is an object not
		// yet defaulted (a fake, or a cache fed by hand).
		a, ok = pvcPending(pvc, events, now, cfg)
	case corev1.ClaimBound:
		a, ok = resizeFailed(pvc, events, now, cfg)
	}
	if !ok {
		return nil
	}
	// The shared fields last: building them allocates, and most claims are
	// healthy.
	a.Object = notifier.ObjectRef{Kind: notifier.KindPVC, Namespace: pvc.Namespace, Name: pvc.Name, UID: string(pvc.UID)}
	a.Owner = notifier.Owner{Kind: notifier.KindPVC, Name: pvc.Name}
	// A copy: alerts outlive this call and the claim belongs to the cache.
	a.Labels = maps.Clone(pvc.Labels)
	return []notifier.Alert{a}
}

// PVCNextCheck returns when PVC's answer for pvc may next change although
// pvc itself has not, or the zero time when only a change to pvc can change
// it. Before the pending threshold that is the threshold. After it, and
// while a resize is outstanding, the answer hangs on events, which do not
// change the claim: the worker should look again every PVCPendingThreshold
// (a claim waiting for its first consumer included, since the consumer's
// arrival shows only in events).
func PVCNextCheck(pvc *corev1.PersistentVolumeClaim, now time.Time, cfg Config) time.Time {
	if pvc == nil || pvc.DeletionTimestamp != nil {
		return time.Time{}
	}
	cfg = cfg.WithDefaults()
	switch pvc.Status.Phase {
	case corev1.ClaimPending, "":
		if due := pvc.CreationTimestamp.Add(cfg.PVCPendingThreshold); due.After(now) {
			return due
		}
		return now.Add(cfg.PVCPendingThreshold)
	case corev1.ClaimBound:
		if resizeOutstanding(pvc) {
			return now.Add(cfg.PVCPendingThreshold)
		}
	}
	return time.Time{}
}

// pvcPending reports a claim unbound past the threshold, explained by its
// events. Like lost and resizeFailed, it leaves the fields every finding
// shares to PVC.
func pvcPending(pvc *corev1.PersistentVolumeClaim, events []corev1.Event, now time.Time, cfg Config) (notifier.Alert, bool) {
	var a notifier.Alert
	a.Reason = ReasonPVCPending
	a.Severity = notifier.SeverityWarning
	a.Since = pvc.CreationTimestamp.Time
	if now.Sub(a.Since) < cfg.PVCPendingThreshold {
		// Cheap exit before looking at events: most claims bind in seconds.
		return a, false
	}

	latest := latestEvent(pvc, events, evWaitForFirstConsumer, evWaitForPodScheduled,
		evExternalProvisioning, evProvisioning, evProvisioningFailed, evFailedBinding)
	if latest != nil && (latest.Reason == evWaitForFirstConsumer || latest.Reason == evWaitForPodScheduled) {
		return a, false
	}
	if w := latestEvent(pvc, events, evWaitForFirstConsumer, evWaitForPodScheduled); w != nil {
		// The wait ended when a scheduled pod asked for the volume; the
		// threshold is about provisioning, so it starts there.
		if t := eventLastSeen(w); t.After(a.Since) {
			a.Since = t
		}
		if now.Sub(a.Since) < cfg.PVCPendingThreshold {
			return a, false
		}
	}

	// The PV controller repeats ExternalProvisioning on every resync while
	// the external provisioner retries with back-off, so the two interleave:
	// any failure still on record outranks newer progress events, or the
	// alert would flip between critical and warning on every retry. Events
	// expire (1h by default), so an old failure fades on its own; one from
	// before a wait for a consumer belongs to an earlier attempt.
	if f := latestEvent(pvc, events, evProvisioningFailed); f != nil && !eventLastSeen(f).Before(a.Since) {
		a.Severity = notifier.SeverityCritical
		a.Cause = truncate(evProvisioningFailed + ": " + oneLine(f.Message))
		a.Message = f.Message
		return a, true
	}
	switch {
	case latest == nil && pvc.Spec.VolumeName != "":
		// Pre-bound to a volume that does not exist (yet); the PV
		// controller retries silently.
		a.Cause = "waiting for volume " + pvc.Spec.VolumeName
	case latest == nil:
		// The PV controller explains every unbound claim on each resync; no
		// word from it suggests kube-controller-manager is down or the
		// caller could not list events.
		a.Cause = "not bound, and no events say why"
	case latest.Reason == evFailedBinding:
		a.Cause = truncate(cmp.Or(oneLine(latest.Message), "no volume to bind"))
		a.Message = latest.Message
	default: // ExternalProvisioning, Provisioning
		a.Cause = "waiting for external provisioner"
		if p := provisioner(pvc, events); p != "" {
			a.Cause += " " + p
		} else if sc := pvc.Spec.StorageClassName; sc != nil && *sc != "" {
			a.Cause += " (storage class " + *sc + ")"
		}
		a.Message = latest.Message
	}
	return a, true
}

// lost reports a claim whose volume is gone. The PV controller says
// ClaimMisbound when the volume now belongs to another claim.
func lost(pvc *corev1.PersistentVolumeClaim, events []corev1.Event) notifier.Alert {
	var a notifier.Alert
	a.Reason = ReasonPVCLost
	a.Severity = notifier.SeverityCritical
	a.Cause = "bound volume is gone"
	if pvc.Spec.VolumeName != "" {
		a.Cause = "bound volume " + pvc.Spec.VolumeName + " is gone"
	}
	if ev := latestEvent(pvc, events, evClaimLost, evClaimMisbound); ev != nil {
		a.Message = ev.Message
		a.Since = eventFirstSeen(ev)
		if ev.Reason == evClaimMisbound {
			a.Cause = truncate(cmp.Or(oneLine(ev.Message), "volume bound to another claim"))
		}
	}
	return a
}

// resizeFailed reports a failed expansion of a bound claim. Conditions
// (ControllerResizeError and NodeResizeError, Kubernetes 1.31+) and the
// allocated resource status (Infeasible) are the controllers' own
// verdict and clear when they recover. Older clusters say it only in
// events; one counts while it is recent, no success came after it, and the
// claim still asks for more than it has.
func resizeFailed(pvc *corev1.PersistentVolumeClaim, events []corev1.Event, now time.Time, cfg Config) (notifier.Alert, bool) {
	var a notifier.Alert
	a.Reason = ReasonPVCResizeFailed
	a.Severity = notifier.SeverityWarning
	for _, t := range []corev1.PersistentVolumeClaimConditionType{
		corev1.PersistentVolumeClaimControllerResizeError, corev1.PersistentVolumeClaimNodeResizeError,
	} {
		if c := pvcCondition(pvc, t); c != nil && c.Status == corev1.ConditionTrue {
			a.Cause = truncate(string(t) + ": " + cmp.Or(oneLine(c.Message), "resize failed"))
			a.Message = c.Message
			a.Since = c.LastTransitionTime.Time
			return a, true
		}
	}
	switch st := pvc.Status.AllocatedResourceStatuses[corev1.ResourceStorage]; st {
	case corev1.PersistentVolumeClaimControllerResizeInfeasible, corev1.PersistentVolumeClaimNodeResizeInfeasible:
		// No message or time comes with this status; the storage backend
		// refused the size for good, so the user must lower the request.
		a.Cause = "resize infeasible (" + string(st) + ")"
		if q, ok := pvc.Status.AllocatedResources[corev1.ResourceStorage]; ok {
			a.Cause = "resize to " + q.String() + " infeasible (" + string(st) + ")"
		}
		return a, true
	}
	if !resizeOutstanding(pvc) {
		return a, false
	}
	ev := latestEvent(pvc, events, evVolumeResizeFailed, evFSResizeFailed, evVolumeResizeOK, evFSResizeOK)
	if ev == nil || (ev.Reason != evVolumeResizeFailed && ev.Reason != evFSResizeFailed) ||
		now.Sub(eventLastSeen(ev)) > cfg.PVCResizeEventWindow {
		return a, false
	}
	a.Cause = truncate(ev.Reason + ": " + cmp.Or(oneLine(ev.Message), "resize failed"))
	a.Message = ev.Message
	a.Since = eventFirstSeen(ev)
	return a, true
}

// resizeOutstanding reports whether pvc asks for more storage than it has.
func resizeOutstanding(pvc *corev1.PersistentVolumeClaim) bool {
	want, ok := pvc.Spec.Resources.Requests[corev1.ResourceStorage]
	if !ok {
		return false
	}
	have := pvc.Status.Capacity[corev1.ResourceStorage]
	return want.Cmp(have) > 0
}

// provisioner names the external provisioner a claim waits for: from the
// PV controller's annotation, or from its ExternalProvisioning message
// ("... by the external provisioner 'ebs.csi.aws.com' or ...", or with
// double quotes before 1.24).
func provisioner(pvc *corev1.PersistentVolumeClaim, events []corev1.Event) string {
	for _, k := range provisionerAnnotations {
		if v := pvc.Annotations[k]; v != "" {
			return v
		}
	}
	ev := latestEvent(pvc, events, evExternalProvisioning)
	if ev == nil {
		return ""
	}
	_, rest, ok := strings.Cut(ev.Message, "external provisioner ")
	if !ok || rest == "" || (rest[0] != '\'' && rest[0] != '"') {
		return ""
	}
	name, _, ok := strings.Cut(rest[1:], rest[:1])
	if !ok {
		return ""
	}
	return name
}

// latestEvent is the most recently seen event about pvc with one of
// reasons, or nil. Of events seen in the same second (core/v1 timestamps
// have second precision) the later-created one wins, then the later in
// events.
func latestEvent(pvc *corev1.PersistentVolumeClaim, events []corev1.Event, reasons ...string) *corev1.Event {
	var best *corev1.Event
	var bestAt time.Time
	for i := range events {
		ev := &events[i]
		if !slices.Contains(reasons, ev.Reason) || !aboutPVC(ev, pvc) {
			continue
		}
		at := eventLastSeen(ev)
		if best == nil || at.After(bestAt) || (at.Equal(bestAt) && !ev.CreationTimestamp.Before(&best.CreationTimestamp)) {
			best, bestAt = ev, at
		}
	}
	return best
}

// aboutPVC reports whether ev is about pvc and not a deleted claim of the
// same name.
func aboutPVC(ev *corev1.Event, pvc *corev1.PersistentVolumeClaim) bool {
	o := ev.InvolvedObject
	if o.UID != "" && pvc.UID != "" {
		return o.UID == pvc.UID
	}
	return (o.Kind == "" || o.Kind == notifier.KindPVC) && (o.Name == "" || o.Name == pvc.Name)
}

// eventLastSeen is when an event last happened. Which field says so
// depends on the writer: events.k8s.io clients fill eventTime and series,
// core/v1 clients lastTimestamp and count.
func eventLastSeen(ev *corev1.Event) time.Time {
	t := ev.CreationTimestamp.Time
	for _, c := range []time.Time{ev.LastTimestamp.Time, ev.EventTime.Time, ev.FirstTimestamp.Time} {
		if c.After(t) {
			t = c
		}
	}
	if ev.Series != nil && ev.Series.LastObservedTime.After(t) {
		t = ev.Series.LastObservedTime.Time
	}
	return t
}

// eventFirstSeen is when a (possibly repeated) event first happened.
func eventFirstSeen(ev *corev1.Event) time.Time {
	switch {
	case !ev.FirstTimestamp.IsZero():
		return ev.FirstTimestamp.Time
	case !ev.EventTime.IsZero():
		return ev.EventTime.Time
	}
	return ev.CreationTimestamp.Time
}

func pvcCondition(pvc *corev1.PersistentVolumeClaim, t corev1.PersistentVolumeClaimConditionType) *corev1.PersistentVolumeClaimCondition {
	for i := range pvc.Status.Conditions {
		if pvc.Status.Conditions[i].Type == t {
			return &pvc.Status.Conditions[i]
		}
	}
	return nil
}
