package detectors

import (
	"maps"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/watchkeeper/watchkeeper/notifier"
)

// Reasons the pod detector reports. They are part of each incident's
// fingerprint, so a reason must not change while the problem persists.
const (
	// ReasonCrashLoopBackOff marks a crashing container: in back-off, or
	// with a failed exit within Config.RecentRestartWindow; ReasonOOMKilled
	// the same when the last run was OOM-killed.
	ReasonCrashLoopBackOff = "CrashLoopBackOff"
	ReasonOOMKilled        = "OOMKilled"
	// ReasonImagePullBackOff covers ErrImagePull, ImagePullBackOff,
	// RegistryUnavailable and SignatureValidationFailed: the kubelet flips a
	// failing pull between these on every retry, and one incident must not
	// resolve and reopen each time it does.
	ReasonImagePullBackOff           = "ImagePullBackOff"
	ReasonInvalidImageName           = "InvalidImageName"
	ReasonErrImageNeverPull          = "ErrImageNeverPull"
	ReasonCreateContainerConfigError = "CreateContainerConfigError"
	ReasonCreateContainerError       = "CreateContainerError"
	ReasonRunContainerError          = "RunContainerError"
	ReasonEvicted                    = "Evicted"
	ReasonPodFailed                  = "PodFailed"
	ReasonJobFailed                  = "JobFailed"
	ReasonUnschedulable              = "Unschedulable"
	ReasonPendingTooLong             = "PendingTooLong"
)

// Pod returns every problem that holds for pod now; an empty result means
// healthy. It fills every Alert field except Cluster and Owner, which the
// caller resolves. Pod-level findings (Evicted, PodFailed, JobFailed,
// Unschedulable, PendingTooLong) stand alone; container findings come init
// containers first, each list in spec order.
//
// Pod never mutates pod (it is usually the informer's shared copy) and does
// not allocate for a healthy pod.
func Pod(pod *corev1.Pod, now time.Time, cfg Config) []notifier.Alert {
	if pod == nil || pod.DeletionTimestamp != nil {
		// A terminating pod's containers exit with 137/143 by design.
		return nil
	}
	cfg = cfg.WithDefaults()
	switch pod.Status.Phase {
	case corev1.PodSucceeded:
		return nil
	case corev1.PodFailed:
		// Node-pressure eviction also sets DisruptionTarget (reason
		// TerminationByKubelet); it is still worth an alert, so it is
		// checked before the disruption filter below.
		if pod.Status.Reason == ReasonEvicted {
			return []notifier.Alert{evicted(pod)}
		}
	}
	if hasCondition(pod, corev1.DisruptionTarget, corev1.ConditionTrue) {
		// Preemption, drains, taint eviction and node shutdown are planned
		// disruptions, not faults.
		return nil
	}
	if pod.Status.Phase == corev1.PodFailed {
		return []notifier.Alert{failed(pod)}
	}

	var out []notifier.Alert
	out = containerAlerts(out, pod, true, now, cfg)
	out = containerAlerts(out, pod, false, now, cfg)
	if pod.Status.Phase == corev1.PodPending && len(out) == 0 {
		if a, ok := pending(pod, now, cfg); ok {
			out = append(out, a)
		}
	}
	return out
}

// base is an alert about pod with the fields every finding shares.
func base(pod *corev1.Pod) notifier.Alert {
	return notifier.Alert{
		Object: notifier.ObjectRef{
			Kind:      notifier.KindPod,
			Namespace: pod.Namespace,
			Name:      pod.Name,
			UID:       string(pod.UID),
		},
		Node: pod.Spec.NodeName,
		// A copy: alerts outlive this call and the pod belongs to the cache.
		Labels: maps.Clone(pod.Labels),
	}
}

func evicted(pod *corev1.Pod) notifier.Alert {
	a := base(pod)
	a.Reason = ReasonEvicted
	a.Cause = oneLine(pod.Status.Message)
	a.Message = pod.Status.Message
	a.Severity = notifier.SeverityWarning
	a.Since = podStart(pod)
	if c := condition(pod, corev1.DisruptionTarget); c != nil && !c.LastTransitionTime.IsZero() {
		a.Since = c.LastTransitionTime.Time
	}
	return a
}

// failed reports a pod that ended in phase Failed. A Job's pods get their own
// reason so routing can tell batch failures from service failures. Both are
// warnings: the Job controller may retry the pod, and whether the Job as a
// whole failed is on the Job object, not the pod.
func failed(pod *corev1.Pod) notifier.Alert {
	a := base(pod)
	a.Reason = ReasonPodFailed
	if ownedByJob(pod) {
		a.Reason = ReasonJobFailed
	}
	a.Severity = notifier.SeverityWarning
	a.Message = pod.Status.Message
	a.Since = podStart(pod)

	// A pod-level reason (DeadlineExceeded, OutOfcpu, NodeAffinity, ...)
	// explains more than the exit codes of the containers it killed.
	if pod.Status.Reason != "" {
		a.Cause = pod.Status.Reason
		if msg := oneLine(pod.Status.Message); msg != "" {
			a.Cause += ": " + msg
		}
		a.Cause = truncate(a.Cause)
		return a
	}
	if name, st := failedContainer(pod); st != nil {
		t := st.State.Terminated
		a.Container = name
		a.Cause = terminationCause(t)
		a.ExitCode = new(t.ExitCode)
		a.Restarts = st.RestartCount
		a.Image = image(pod, st)
		if t.Message != "" {
			a.Message = t.Message
		}
		if !t.FinishedAt.IsZero() {
			a.Since = t.FinishedAt.Time
		}
		return a
	}
	a.Cause = "pod failed"
	return a
}

// failedContainer is the first container, init containers first, whose
// current state is a failed termination.
func failedContainer(pod *corev1.Pod) (string, *corev1.ContainerStatus) {
	for _, list := range [][]corev1.ContainerStatus{pod.Status.InitContainerStatuses, pod.Status.ContainerStatuses} {
		for i := range list {
			if t := list[i].State.Terminated; t != nil && failedExit(t) {
				return list[i].Name, &list[i]
			}
		}
	}
	return "", nil
}

func ownedByJob(pod *corev1.Pod) bool {
	for _, ref := range pod.OwnerReferences {
		if ref.Kind == "Job" && strings.HasPrefix(ref.APIVersion, "batch/") {
			return true
		}
	}
	return false
}

// pending reports a Pending pod that has made no progress for longer than
// the threshold and has no more specific finding.
func pending(pod *corev1.Pod, now time.Time, cfg Config) (notifier.Alert, bool) {
	a, ok := pendingFinding(pod)
	if !ok || now.Sub(a.Since) < cfg.PendingThreshold {
		return a, false
	}
	return a, true
}

// pendingFinding is what a Pending pod is waiting for and since when,
// before the threshold is applied.
func pendingFinding(pod *corev1.Pod) (notifier.Alert, bool) {
	a := base(pod)
	a.Severity = notifier.SeverityWarning
	a.Since = pod.CreationTimestamp.Time

	sched := condition(pod, corev1.PodScheduled)
	switch {
	case sched != nil && sched.Status == corev1.ConditionFalse && sched.Reason == corev1.PodReasonSchedulingGated,
		sched == nil && len(pod.Spec.SchedulingGates) > 0:
		// Held back on purpose (a queueing system owns the gate).
		return a, false
	case sched != nil && sched.Status == corev1.ConditionFalse && sched.Reason == corev1.PodReasonUnschedulable:
		a.Reason = ReasonUnschedulable
		a.Cause = truncate(oneLine(sched.Message))
		a.Message = sched.Message
		if !sched.LastTransitionTime.IsZero() {
			a.Since = sched.LastTransitionTime.Time
		}
	case pod.Spec.NodeName == "" && (sched == nil || sched.Status != corev1.ConditionTrue):
		// No scheduler has acted on it: a wrong schedulerName, or the
		// scheduler is down.
		a.Reason = ReasonPendingTooLong
		a.Cause = "not scheduled"
		if sched != nil && sched.Reason != "" {
			a.Cause += ": " + sched.Reason
		}
		if pod.Spec.SchedulerName != "" && pod.Spec.SchedulerName != corev1.DefaultSchedulerName {
			a.Cause += " (schedulerName " + pod.Spec.SchedulerName + ")"
		}
	default:
		// Scheduled but not started: typically a volume that will not
		// mount, a CNI failure or an init container that never finishes.
		// The enricher's events say which.
		a.Reason = ReasonPendingTooLong
		a.Cause, a.Message = stuckOn(pod)
		if sched != nil && sched.Status == corev1.ConditionTrue && !sched.LastTransitionTime.IsZero() {
			a.Since = sched.LastTransitionTime.Time
		} else if pod.Status.StartTime != nil {
			a.Since = pod.Status.StartTime.Time
		}
	}
	return a, !a.Since.IsZero()
}

// stuckOn names what a scheduled Pending pod is waiting for. It describes
// state, not duration, so the cause does not change while the pod waits.
func stuckOn(pod *corev1.Pod) (cause, message string) {
	for i := range pod.Spec.InitContainers {
		c := &pod.Spec.InitContainers[i]
		st := status(pod.Status.InitContainerStatuses, c.Name)
		sidecar := c.RestartPolicy != nil && *c.RestartPolicy == corev1.ContainerRestartPolicyAlways
		switch {
		case st == nil:
			return `init container "` + c.Name + `" not started`, ""
		case st.State.Waiting != nil:
			return `init container "` + c.Name + `" waiting: ` + st.State.Waiting.Reason, st.State.Waiting.Message
		case st.State.Running != nil && !sidecar:
			return `init container "` + c.Name + `" still running`, ""
		}
	}
	for i := range pod.Spec.Containers {
		c := &pod.Spec.Containers[i]
		if st := status(pod.Status.ContainerStatuses, c.Name); st != nil && st.State.Waiting != nil {
			return `container "` + c.Name + `" waiting: ` + st.State.Waiting.Reason, st.State.Waiting.Message
		}
	}
	return "pod has not started", ""
}

func condition(pod *corev1.Pod, t corev1.PodConditionType) *corev1.PodCondition {
	for i := range pod.Status.Conditions {
		if pod.Status.Conditions[i].Type == t {
			return &pod.Status.Conditions[i]
		}
	}
	return nil
}

func hasCondition(pod *corev1.Pod, t corev1.PodConditionType, s corev1.ConditionStatus) bool {
	c := condition(pod, t)
	return c != nil && c.Status == s
}

// podStart is when the kubelet took the pod on, or when it was created.
func podStart(pod *corev1.Pod) time.Time {
	if pod.Status.StartTime != nil && !pod.Status.StartTime.IsZero() {
		return pod.Status.StartTime.Time
	}
	return pod.CreationTimestamp.Time
}
