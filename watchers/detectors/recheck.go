package detectors

import (
	"time"

	corev1 "k8s.io/api/core/v1"
)

// NextCheck returns when Pod's answer for pod may next change although pod
// itself has not: a Pending pod crossing PendingThreshold, or a failed run
// leaving RecentRestartWindow. It returns the zero time when only a change
// to pod can change the answer.
//
// The watcher needs this because it only re-reads a pod when the pod
// changes (no informer resync), and a pod stuck Pending may never change:
// the worker should requeue the key after NextCheck(...).Sub(now).
func NextCheck(pod *corev1.Pod, now time.Time, cfg Config) time.Time {
	if pod == nil || pod.DeletionTimestamp != nil {
		return time.Time{}
	}
	switch pod.Status.Phase {
	case corev1.PodSucceeded, corev1.PodFailed:
		return time.Time{}
	}
	cfg = cfg.WithDefaults()
	var next time.Time
	consider := func(t time.Time) {
		if t.After(now) && (next.IsZero() || t.Before(next)) {
			next = t
		}
	}
	for _, list := range [][]corev1.ContainerStatus{pod.Status.InitContainerStatuses, pod.Status.ContainerStatuses} {
		for i := range list {
			st := &list[i]
			if t := st.LastTerminationState.Terminated; t != nil && st.RestartCount > 0 && failedExit(t) && !t.FinishedAt.IsZero() {
				// Just past the window, so the recheck sees it closed.
				consider(t.FinishedAt.Add(cfg.RecentRestartWindow + time.Second))
			}
		}
	}
	if pod.Status.Phase == corev1.PodPending {
		if a, ok := pendingFinding(pod); ok {
			consider(a.Since.Add(cfg.PendingThreshold))
		}
	}
	return next
}
