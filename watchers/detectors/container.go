package detectors

import (
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/watchkeeper/watchkeeper/notifier"
)

// containerAlerts appends the findings for the pod's init containers (init
// true) or regular containers, in spec order. Statuses without a spec entry
// (never seen from a real API server) follow in status order, so nothing the
// kubelet reports is silently skipped. Ephemeral (debug) containers are not
// inspected.
func containerAlerts(out []notifier.Alert, pod *corev1.Pod, init bool, now time.Time, cfg Config) []notifier.Alert {
	specs, statuses := pod.Spec.Containers, pod.Status.ContainerStatuses
	if init {
		specs, statuses = pod.Spec.InitContainers, pod.Status.InitContainerStatuses
	}
	for i := range specs {
		if st := status(statuses, specs[i].Name); st != nil {
			out = containerFindings(out, pod, st, now, cfg)
		}
	}
	for i := range statuses {
		if !inSpec(specs, statuses[i].Name) {
			out = containerFindings(out, pod, &statuses[i], now, cfg)
		}
	}
	return out
}

// containerFindings appends what is wrong with one container. A crashing
// container is one finding whatever phase of the cycle it is in: in
// back-off, briefly running between back-offs, or after its first failed
// exit. Its reason is OOMKilled when the last run was OOM-killed, else
// CrashLoopBackOff, so the incident neither splits in two nor resolves and
// reopens on every crash cycle.
func containerFindings(out []notifier.Alert, pod *corev1.Pod, st *corev1.ContainerStatus, now time.Time, cfg Config) []notifier.Alert {
	if w := st.State.Waiting; w != nil {
		if a, ok := waitingAlert(pod, st, w); ok {
			return append(out, a)
		}
	}
	if a, ok := recentFailure(pod, st, now, cfg); ok {
		out = append(out, a)
	}
	return out
}

func waitingAlert(pod *corev1.Pod, st *corev1.ContainerStatus, w *corev1.ContainerStateWaiting) (notifier.Alert, bool) {
	var a notifier.Alert
	switch w.Reason {
	case "CrashLoopBackOff":
		a = containerBase(pod, st)
		a.Reason = ReasonCrashLoopBackOff
		a.Severity = notifier.SeverityCritical
		a.Message = w.Message
		if t := st.LastTerminationState.Terminated; t != nil {
			if t.Reason == "OOMKilled" {
				a.Reason = ReasonOOMKilled
			}
			a.Cause = terminationCause(t)
			a.ExitCode = new(t.ExitCode)
			if t.Message != "" {
				a.Message = t.Message
			}
			if !t.FinishedAt.IsZero() {
				a.Since = t.FinishedAt.Time
			}
		} else {
			// The kubelet lost the last termination (e.g. it restarted).
			a.Cause = "back-off restarting failed container"
		}
	case "ErrImagePull", "ImagePullBackOff", "RegistryUnavailable", "SignatureValidationFailed":
		a = containerBase(pod, st)
		a.Reason = ReasonImagePullBackOff
		a.Cause = pullCause(w.Reason, w.Message, a.Image)
	case "InvalidImageName":
		a = containerBase(pod, st)
		a.Reason = ReasonInvalidImageName
		a.Cause = "invalid image name"
	case "ErrImageNeverPull":
		a = containerBase(pod, st)
		a.Reason = ReasonErrImageNeverPull
		a.Cause = "image not present and pull policy Never"
	case "CreateContainerConfigError", "CreateContainerError", "RunContainerError":
		a = containerBase(pod, st)
		a.Reason = w.Reason
		a.Cause = cleanMessage(w.Message)
		if a.Cause == "" {
			a.Cause = w.Reason
		}
	default:
		// ContainerCreating, PodInitializing and anything unknown: either
		// progress or covered by PendingTooLong once it lasts.
		return a, false
	}
	if a.Message == "" {
		a.Message = w.Message
	}
	if a.Severity == "" {
		a.Severity = notifier.SeverityCritical
	}
	return a, true
}

// recentFailure reports a container whose last run ended in failure within
// the restart window: the level-based stand-in for "the restart count just
// went up". OOM kills are critical (the limit is wrong or the app leaks);
// other failed exits are warnings until they turn into a crash loop.
func recentFailure(pod *corev1.Pod, st *corev1.ContainerStatus, now time.Time, cfg Config) (notifier.Alert, bool) {
	t := st.LastTerminationState.Terminated
	if t == nil || st.RestartCount == 0 || st.State.Terminated != nil || !failedExit(t) {
		return notifier.Alert{}, false
	}
	if t.FinishedAt.IsZero() || now.Sub(t.FinishedAt.Time) > cfg.RecentRestartWindow {
		return notifier.Alert{}, false
	}
	a := containerBase(pod, st)
	// Same reason as the back-off finding: it is one crash cycle.
	a.Reason = ReasonCrashLoopBackOff
	a.Severity = notifier.SeverityWarning
	if t.Reason == "OOMKilled" {
		a.Reason = ReasonOOMKilled
		a.Severity = notifier.SeverityCritical
	}
	a.Cause = terminationCause(t)
	a.ExitCode = new(t.ExitCode)
	a.Message = t.Message
	a.Since = t.FinishedAt.Time
	return a, true
}

// containerBase is an alert about one container of pod.
func containerBase(pod *corev1.Pod, st *corev1.ContainerStatus) notifier.Alert {
	a := base(pod)
	a.Container = st.Name
	a.Restarts = st.RestartCount
	a.Image = image(pod, st)
	a.Since = podStart(pod)
	return a
}

// failedExit reports whether a termination was a failure rather than a
// clean exit.
func failedExit(t *corev1.ContainerStateTerminated) bool {
	return t.ExitCode != 0 || t.Reason == "OOMKilled" || t.Signal != 0
}

// image is the container's image as the status reports it, or as the spec
// asked for it when the status has none yet (e.g. while the pull fails).
func image(pod *corev1.Pod, st *corev1.ContainerStatus) string {
	if st.Image != "" {
		return st.Image
	}
	for _, list := range [][]corev1.Container{pod.Spec.InitContainers, pod.Spec.Containers} {
		for i := range list {
			if list[i].Name == st.Name {
				return list[i].Image
			}
		}
	}
	return ""
}

func status(list []corev1.ContainerStatus, name string) *corev1.ContainerStatus {
	for i := range list {
		if list[i].Name == name {
			return &list[i]
		}
	}
	return nil
}

func inSpec(list []corev1.Container, name string) bool {
	for i := range list {
		if list[i].Name == name {
			return true
		}
	}
	return false
}
