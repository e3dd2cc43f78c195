package detectors_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"

	"github.com/watchkeeper/watchkeeper/watchers/detectors"
)

func TestNextCheck(t *testing.T) {
	tests := []struct {
		name string
		pod  *corev1.Pod
		want time.Time // zero: nothing to wait for
	}{
		{"healthy", newPod("api"), time.Time{}},
		{"recent failure leaves the window", newPod("api", withRunning(time.Minute), withLastTerminated("Error", 1, 2*time.Minute), withRestarts(1)),
			now.Add(8*time.Minute + time.Second)},
		{"earliest of several", newPod("api",
			withRunning(time.Minute), withLastTerminated("Error", 1, 2*time.Minute), withRestarts(1),
			withContainer("proxy", "envoyproxy/envoy:v1.31"), withRunning(time.Minute), withLastTerminated("OOMKilled", 137, 7*time.Minute), withRestarts(1)),
			now.Add(3*time.Minute + time.Second)},
		{"failure already outside the window", newPod("api", withRunning(time.Hour), withLastTerminated("Error", 1, time.Hour), withRestarts(1)), time.Time{}},
		{"clean exit", newPod("api", withRunning(time.Minute), withLastTerminated("Completed", 0, 2*time.Minute), withRestarts(1)), time.Time{}},
		{"unschedulable crosses the threshold", newPod("api", withUnscheduled(2*time.Minute),
			withCondition(corev1.PodScheduled, corev1.ConditionFalse, corev1.PodReasonUnschedulable, "no nodes", 2*time.Minute)),
			now.Add(3 * time.Minute)},
		{"stuck creating crosses the threshold", newPod("api", withScheduled(time.Minute)), now.Add(4 * time.Minute)},
		{"pending already past the threshold", newPod("api", withScheduled(time.Hour)), time.Time{}},
		{"gated", newPod("api", withUnscheduled(time.Minute),
			withCondition(corev1.PodScheduled, corev1.ConditionFalse, corev1.PodReasonSchedulingGated, "gated", time.Minute)), time.Time{}},
		{"terminating", newPod("api", withDeletion(), withRunning(time.Minute), withLastTerminated("Error", 1, 2*time.Minute), withRestarts(1)), time.Time{}},
		{"failed", newPod("api", withPhase(corev1.PodFailed), withTerminated("Error", 1, time.Minute)), time.Time{}},
		{"nil", nil, time.Time{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := detectors.NextCheck(tt.pod, now, detectors.Config{})
			require.Equal(t, tt.want, got)
			if got.IsZero() || tt.pod == nil {
				return
			}
			// The recheck sees a different answer than now.
			require.NotEqual(t, len(detectors.Pod(tt.pod, now, detectors.Config{})), len(detectors.Pod(tt.pod, got, detectors.Config{})))
		})
	}
}
