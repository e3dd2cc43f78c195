package detectors_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"

	"github.com/watchkeeper/watchkeeper/notifier"
	"github.com/watchkeeper/watchkeeper/watchers/detectors"
)

func TestPVC(t *testing.T) {
	const provisioningFailed = `ProvisioningFailed: failed to provision volume with StorageClass "gp3": rpc error: code = ResourceExhausted desc = Could not create volume "pvc-1f2e": VolumeLimitExceeded: You have exceeded your maximum gp3 storage limit`
	tests := []struct {
		name   string
		pvc    *corev1.PersistentVolumeClaim
		events []corev1.Event
		want   []objFinding
	}{
		{name: "bound", pvc: newPVC("data")},
		{name: "nil", pvc: nil},

		// Pending: the threshold, then the latest event explains.
		{
			name:   "pending within the threshold",
			pvc:    newPVC("data", withPending(4*time.Minute)),
			events: []corev1.Event{newEvent("ExternalProvisioning", msgExternalProvisioning, 5*time.Second, firstSeen(4*time.Minute))},
		},
		{
			name:   "waiting for the external provisioner",
			pvc:    newPVC("data", withPending(10*time.Minute)),
			events: []corev1.Event{newEvent("ExternalProvisioning", msgExternalProvisioning, 5*time.Second, firstSeen(10*time.Minute))},
			want:   []objFinding{{"PVCPending", "waiting for external provisioner ebs.csi.aws.com", warning}},
		},
		{
			name:   "waiting for the external provisioner (pre-1.24 message)",
			pvc:    newPVC("data", withPending(10*time.Minute)),
			events: []corev1.Event{newEvent("ExternalProvisioning", msgExternalProvisioningOld, 5*time.Second)},
			want:   []objFinding{{"PVCPending", "waiting for external provisioner pd.csi.storage.gke.io", warning}},
		},
		{
			name:   "provisioner named by the annotation",
			pvc:    newPVC("data", withPending(10*time.Minute), withAnnotation("volume.kubernetes.io/storage-provisioner", "disk.csi.azure.com")),
			events: []corev1.Event{newEvent("ExternalProvisioning", "waiting for a volume", 5*time.Second)},
			want:   []objFinding{{"PVCPending", "waiting for external provisioner disk.csi.azure.com", warning}},
		},
		{
			name:   "provisioner unknown: the storage class instead",
			pvc:    newPVC("data", withPending(10*time.Minute)),
			events: []corev1.Event{newEvent("Provisioning", `External provisioner is provisioning volume for claim "shop/data"`, 5*time.Second)},
			want:   []objFinding{{"PVCPending", "waiting for external provisioner (storage class gp3)", warning}},
		},
		{
			name:   "provisioning failed",
			pvc:    newPVC("data", withPending(10*time.Minute)),
			events: []corev1.Event{newEvent("ProvisioningFailed", msgProvisioningFailed, time.Minute, warningEvent())},
			want:   []objFinding{{"PVCPending", provisioningFailed, critical}},
		},
		{
			name: "provisioning failed, then the PV controller's progress events",
			pvc:  newPVC("data", withPending(10*time.Minute)),
			events: []corev1.Event{
				newEvent("ExternalProvisioning", msgExternalProvisioning, 5*time.Second, firstSeen(10*time.Minute)),
				newEvent("Provisioning", `External provisioner is provisioning volume for claim "shop/data"`, 10*time.Second, firstSeen(10*time.Minute)),
				newEvent("ProvisioningFailed", msgProvisioningFailed, 2*time.Minute, firstSeen(10*time.Minute), warningEvent()),
			},
			want: []objFinding{{"PVCPending", provisioningFailed, critical}},
		},
		{
			name:   "storage class missing",
			pvc:    newPVC("data", withPending(10*time.Minute)),
			events: []corev1.Event{newEvent("ProvisioningFailed", `storageclass.storage.k8s.io "fast" not found`, 15*time.Second, warningEvent())},
			want:   []objFinding{{"PVCPending", `ProvisioningFailed: storageclass.storage.k8s.io "fast" not found`, critical}},
		},
		{
			name:   "no volume to bind",
			pvc:    newPVC("data", withPending(10*time.Minute)),
			events: []corev1.Event{newEvent("FailedBinding", msgFailedBinding, 15*time.Second, warningEvent())},
			want:   []objFinding{{"PVCPending", msgFailedBinding, warning}},
		},
		{
			name: "no events",
			pvc:  newPVC("data", withPending(10*time.Minute)),
			want: []objFinding{{"PVCPending", "not bound, and no events say why", warning}},
		},
		{
			name: "pre-bound to a missing volume",
			pvc:  newPVC("data", withPending(10*time.Minute), withVolumeName("pv-nfs-01")),
			want: []objFinding{{"PVCPending", "waiting for volume pv-nfs-01", warning}},
		},
		{
			name:   "unrelated events do not explain",
			pvc:    newPVC("data", withPending(10*time.Minute)),
			events: []corev1.Event{newEvent("SomethingElse", "hello", time.Second)},
			want:   []objFinding{{"PVCPending", "not bound, and no events say why", warning}},
		},

		// Waiting for a consumer is not a problem.
		{
			name:   "waiting for first consumer",
			pvc:    newPVC("data", withPending(72*time.Hour)),
			events: []corev1.Event{newEvent("WaitForFirstConsumer", msgWaitForFirstConsumer, 5*time.Second, firstSeen(72*time.Hour))},
		},
		{
			name:   "waiting for first consumer (events.k8s.io series)",
			pvc:    newPVC("data", withPending(72*time.Hour)),
			events: []corev1.Event{newEvent("WaitForFirstConsumer", msgWaitForFirstConsumer, 0, asSeries(50*time.Minute, 5*time.Second))},
		},
		{
			name:   "waiting for the consumer pod to schedule: the pod alerts",
			pvc:    newPVC("data", withPending(time.Hour)),
			events: []corev1.Event{newEvent("WaitForPodScheduled", "waiting for pod shop/db-0 to be scheduled", 5*time.Second, firstSeen(time.Hour))},
		},
		{
			name: "consumer arrived recently: provisioning gets its own threshold",
			pvc:  newPVC("data", withPending(72*time.Hour)),
			events: []corev1.Event{
				newEvent("WaitForFirstConsumer", msgWaitForFirstConsumer, 2*time.Minute, firstSeen(72*time.Hour)),
				newEvent("ExternalProvisioning", msgExternalProvisioning, 5*time.Second, firstSeen(2*time.Minute)),
			},
		},
		{
			name: "consumer arrived long ago and provisioning hangs",
			pvc:  newPVC("data", withPending(72*time.Hour)),
			events: []corev1.Event{
				newEvent("WaitForFirstConsumer", msgWaitForFirstConsumer, 20*time.Minute, firstSeen(72*time.Hour)),
				newEvent("ExternalProvisioning", msgExternalProvisioning, 5*time.Second, firstSeen(20*time.Minute)),
			},
			want: []objFinding{{"PVCPending", "waiting for external provisioner ebs.csi.aws.com", warning}},
		},
		{
			name: "provisioning failed, then rescheduled and waiting for a consumer again",
			pvc:  newPVC("data", withPending(time.Hour)),
			events: []corev1.Event{
				newEvent("ProvisioningFailed", msgProvisioningFailed, 10*time.Minute, warningEvent()),
				newEvent("WaitForFirstConsumer", msgWaitForFirstConsumer, 5*time.Second, firstSeen(time.Hour)),
			},
		},
		{
			name: "a failure before the last wait for a consumer was an earlier attempt",
			pvc:  newPVC("data", withPending(time.Hour)),
			events: []corev1.Event{
				newEvent("ProvisioningFailed", msgProvisioningFailed, 30*time.Minute, warningEvent()),
				newEvent("WaitForFirstConsumer", msgWaitForFirstConsumer, 20*time.Minute, firstSeen(time.Hour)),
				newEvent("ExternalProvisioning", msgExternalProvisioning, 5*time.Second, firstSeen(20*time.Minute)),
			},
			want: []objFinding{{"PVCPending", "waiting for external provisioner ebs.csi.aws.com", warning}},
		},
		{
			name: "events of a deleted claim of the same name are ignored",
			pvc:  newPVC("data", withPending(10*time.Minute)),
			events: []corev1.Event{
				newEvent("ProvisioningFailed", msgProvisioningFailed, time.Minute, warningEvent(), aboutUID("uid-old")),
				newEvent("WaitForFirstConsumer", msgWaitForFirstConsumer, 5*time.Second, aboutUID("uid-old")),
				newEvent("ExternalProvisioning", msgExternalProvisioning, 10*time.Second),
			},
			want: []objFinding{{"PVCPending", "waiting for external provisioner ebs.csi.aws.com", warning}},
		},

		// Lost.
		{
			name: "lost",
			pvc:  newPVC("data", withLost()),
			want: []objFinding{{"PVCLost", "bound volume pvc-data is gone", critical}},
		},
		{
			name: "lost without a volume name",
			pvc:  newPVC("data", withLost(), withVolumeName("")),
			want: []objFinding{{"PVCLost", "bound volume is gone", critical}},
		},
		{
			name:   "misbound",
			pvc:    newPVC("data", withLost()),
			events: []corev1.Event{newEvent("ClaimMisbound", "Two claims are bound to the same volume, this one is bound incorrectly", time.Minute, warningEvent())},
			want:   []objFinding{{"PVCLost", "Two claims are bound to the same volume, this one is bound incorrectly", critical}},
		},

		// Resize failures.
		{
			name: "controller resize error (1.31+)",
			pvc:  newPVC("data", withRequest("100Gi"), withPVCCondition("ControllerResizeError", corev1.ConditionTrue, msgVolumeResizeFailed, 3*time.Minute)),
			want: []objFinding{{"PVCResizeFailed", "ControllerResizeError: " + msgVolumeResizeFailed, warning}},
		},
		{
			name: "node resize error (1.31+)",
			pvc: newPVC("data", withRequest("100Gi"), withPVCCondition("FileSystemResizePending", corev1.ConditionTrue, "", time.Hour),
				withPVCCondition("NodeResizeError", corev1.ConditionTrue, msgFSResizeFailed, 3*time.Minute)),
			want: []objFinding{{"PVCResizeFailed", "NodeResizeError: " + msgFSResizeFailed, warning}},
		},
		{
			name: "resize error condition False",
			pvc:  newPVC("data", withPVCCondition("ControllerResizeError", corev1.ConditionFalse, "", 3*time.Minute)),
		},
		{
			name: "controller resize infeasible",
			pvc:  newPVC("data", withRequest("20Ti"), withAllocated("20Ti", "ControllerResizeInfeasible")),
			want: []objFinding{{"PVCResizeFailed", "resize to 20Ti infeasible (ControllerResizeInfeasible)", warning}},
		},
		{
			name: "node resize infeasible",
			pvc:  newPVC("data", withRequest("100Gi"), withAllocated("100Gi", "NodeResizeInfeasible")),
			want: []objFinding{{"PVCResizeFailed", "resize to 100Gi infeasible (NodeResizeInfeasible)", warning}},
		},
		{
			name: "resize in progress",
			pvc:  newPVC("data", withRequest("100Gi"), withAllocated("100Gi", "NodeResizePending")),
		},
		{
			name:   "volume resize failed (event)",
			pvc:    newPVC("data", withRequest("100Gi")),
			events: []corev1.Event{newEvent("VolumeResizeFailed", msgVolumeResizeFailed, 2*time.Minute, warningEvent())},
			want:   []objFinding{{"PVCResizeFailed", "VolumeResizeFailed: " + msgVolumeResizeFailed, warning}},
		},
		{
			name:   "file system resize failed (event)",
			pvc:    newPVC("data", withRequest("100Gi")),
			events: []corev1.Event{newEvent("FileSystemResizeFailed", msgFSResizeFailed, 2*time.Minute, warningEvent())},
			want:   []objFinding{{"PVCResizeFailed", "FileSystemResizeFailed: " + msgFSResizeFailed, warning}},
		},
		{
			name: "resize failed, retry in progress",
			pvc:  newPVC("data", withRequest("100Gi")),
			events: []corev1.Event{
				newEvent("VolumeResizeFailed", msgVolumeResizeFailed, 2*time.Minute, warningEvent()),
				newEvent("Resizing", `External resizer is resizing volume pvc-data`, 10*time.Second),
			},
			want: []objFinding{{"PVCResizeFailed", "VolumeResizeFailed: " + msgVolumeResizeFailed, warning}},
		},
		{
			name:   "resize failure outside the window",
			pvc:    newPVC("data", withRequest("100Gi")),
			events: []corev1.Event{newEvent("VolumeResizeFailed", msgVolumeResizeFailed, 31*time.Minute, warningEvent())},
		},
		{
			name: "resize failed, then succeeded",
			pvc:  newPVC("data", withRequest("100Gi")),
			events: []corev1.Event{
				newEvent("VolumeResizeFailed", msgVolumeResizeFailed, 5*time.Minute, warningEvent()),
				newEvent("VolumeResizeSuccessful", "resize volume pvc-data succeeded", time.Minute),
			},
		},
		{
			name:   "resize failure but nothing outstanding (request lowered back)",
			pvc:    newPVC("data"),
			events: []corev1.Event{newEvent("VolumeResizeFailed", msgVolumeResizeFailed, 2*time.Minute, warningEvent())},
		},

		// Deleted claims say nothing.
		{name: "lost and being deleted", pvc: newPVC("data", withLost(), withPVCDeletion())},
		{name: "pending and being deleted", pvc: newPVC("data", withPending(time.Hour), withPVCDeletion())},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, projectObj(detectors.PVC(tt.pvc, tt.events, now, detectors.Config{})))
		})
	}
}

// TestPVCFillsAlert checks every field of one alert.
func TestPVCFillsAlert(t *testing.T) {
	pvc := newPVC("data", withPending(10*time.Minute))
	events := []corev1.Event{newEvent("ProvisioningFailed", msgProvisioningFailed, time.Minute, warningEvent())}

	got := detectors.PVC(pvc, events, now, detectors.Config{})

	require.Len(t, got, 1)
	require.Equal(t, notifier.Alert{
		Object:   notifier.ObjectRef{Kind: notifier.KindPVC, Namespace: "shop", Name: "data", UID: "uid-data"},
		Owner:    notifier.Owner{Kind: "PersistentVolumeClaim", Name: "data"},
		Reason:   "PVCPending",
		Cause:    "ProvisioningFailed: " + msgProvisioningFailed,
		Message:  msgProvisioningFailed,
		Severity: critical,
		Labels:   map[string]string{"app": "shop"},
		Since:    now.Add(-10 * time.Minute),
	}, got[0])

	got[0].Labels["app"] = "changed"
	require.Equal(t, "shop", pvc.Labels["app"], "labels are a copy")
}

func TestPVCSince(t *testing.T) {
	tests := []struct {
		name   string
		pvc    *corev1.PersistentVolumeClaim
		events []corev1.Event
		want   time.Time
	}{
		{"pending: created", newPVC("data", withPending(10*time.Minute)), nil, now.Add(-10 * time.Minute)},
		{"pending after a wait for a consumer: the wait's end", newPVC("data", withPending(72*time.Hour)), []corev1.Event{
			newEvent("WaitForFirstConsumer", msgWaitForFirstConsumer, 20*time.Minute, firstSeen(72*time.Hour)),
			newEvent("ExternalProvisioning", msgExternalProvisioning, 5*time.Second, firstSeen(20*time.Minute)),
		}, now.Add(-20 * time.Minute)},
		{"lost: the controller's event", newPVC("data", withLost()), []corev1.Event{newEvent("ClaimLost", "Bound claim has lost its PersistentVolume. Data on the volume is lost!", time.Minute, firstSeen(time.Hour))}, now.Add(-time.Hour)},
		{"lost without events: unknown", newPVC("data", withLost()), nil, time.Time{}},
		{"resize condition: transition", newPVC("data", withRequest("100Gi"), withPVCCondition("ControllerResizeError", corev1.ConditionTrue, "boom", 3*time.Minute)), nil, now.Add(-3 * time.Minute)},
		{"resize event: first seen", newPVC("data", withRequest("100Gi")), []corev1.Event{newEvent("VolumeResizeFailed", "boom", time.Minute, firstSeen(25*time.Minute))}, now.Add(-25 * time.Minute)},
		{"resize event series: event time", newPVC("data", withRequest("100Gi")), []corev1.Event{newEvent("VolumeResizeFailed", "boom", 0, asSeries(40*time.Minute, time.Minute))}, now.Add(-40 * time.Minute)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := detectors.PVC(tt.pvc, tt.events, now, detectors.Config{})
			require.Len(t, got, 1)
			require.Equal(t, tt.want, got[0].Since)
		})
	}
}

func TestPVCConfig(t *testing.T) {
	pending := newPVC("data", withPending(3*time.Minute))
	require.Empty(t, detectors.PVC(pending, nil, now, detectors.Config{}))
	require.Len(t, detectors.PVC(pending, nil, now, detectors.Config{PVCPendingThreshold: 2 * time.Minute}), 1)
	require.Empty(t, detectors.PVC(pending, nil, now, detectors.Config{PendingThreshold: 2 * time.Minute}), "the pod threshold does not apply")

	resizing := newPVC("data", withRequest("100Gi"))
	failed := []corev1.Event{newEvent("VolumeResizeFailed", msgVolumeResizeFailed, 45*time.Minute)}
	require.Empty(t, detectors.PVC(resizing, failed, now, detectors.Config{}))
	require.Len(t, detectors.PVC(resizing, failed, now, detectors.Config{PVCResizeEventWindow: time.Hour}), 1)
}

func TestPVCNextCheck(t *testing.T) {
	tests := []struct {
		name string
		pvc  *corev1.PersistentVolumeClaim
		want time.Time // zero: nothing to wait for
	}{
		{"bound", newPVC("data"), time.Time{}},
		{"pending crosses the threshold", newPVC("data", withPending(2*time.Minute)), now.Add(3 * time.Minute)},
		{"pending past the threshold: poll, events decide", newPVC("data", withPending(time.Hour)), now.Add(5 * time.Minute)},
		{"resize outstanding: poll, events decide", newPVC("data", withRequest("100Gi")), now.Add(5 * time.Minute)},
		{"lost", newPVC("data", withLost()), time.Time{}},
		{"being deleted", newPVC("data", withPending(time.Minute), withPVCDeletion()), time.Time{}},
		{"nil", nil, time.Time{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, detectors.PVCNextCheck(tt.pvc, now, detectors.Config{}))
		})
	}
	// Crossing the threshold changes the answer without a change to the claim.
	p := newPVC("data", withPending(2*time.Minute))
	next := detectors.PVCNextCheck(p, now, detectors.Config{})
	require.Empty(t, detectors.PVC(p, nil, now, detectors.Config{}))
	require.Len(t, detectors.PVC(p, nil, next, detectors.Config{}), 1)
}

func BenchmarkPVCBound(b *testing.B) {
	pvc := newPVC("data")
	cfg := detectors.Config{}.WithDefaults()
	b.ReportAllocs()
	for b.Loop() {
		if detectors.PVC(pvc, nil, now, cfg) != nil {
			b.Fatal("healthy claim alerted")
		}
	}
}

func BenchmarkPVCPendingWithEvents(b *testing.B) {
	pvc := newPVC("data", withPending(72*time.Hour))
	events := []corev1.Event{
		newEvent("WaitForFirstConsumer", msgWaitForFirstConsumer, 20*time.Minute, firstSeen(72*time.Hour)),
		newEvent("ExternalProvisioning", msgExternalProvisioning, 5*time.Second, firstSeen(20*time.Minute)),
		newEvent("Provisioning", `External provisioner is provisioning volume for claim "shop/data"`, 10*time.Second),
		newEvent("ProvisioningFailed", msgProvisioningFailed, time.Minute, warningEvent()),
	}
	cfg := detectors.Config{}.WithDefaults()
	b.ReportAllocs()
	for b.Loop() {
		if len(detectors.PVC(pvc, events, now, cfg)) != 1 {
			b.Fatal("want one finding")
		}
	}
}
