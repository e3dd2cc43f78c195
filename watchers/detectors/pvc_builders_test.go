package detectors_test

import (
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

type pvcOpt func(*corev1.PersistentVolumeClaim)

// newPVC is a claim created a day ago and bound to a 50Gi gp3 volume.
func newPVC(name string, opts ...pvcOpt) *corev1.PersistentVolumeClaim {
	p := &corev1.PersistentVolumeClaim{
		ObjectMeta: metav1.ObjectMeta{
			Namespace:         "shop",
			Name:              name,
			UID:               types.UID("uid-" + name),
			Labels:            map[string]string{"app": "shop"},
			CreationTimestamp: ago(24 * time.Hour),
		},
		Spec: corev1.PersistentVolumeClaimSpec{
			AccessModes:      []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
			StorageClassName: new("gp3"),
			VolumeName:       "pvc-" + name,
			Resources:        corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("50Gi")}},
		},
		Status: corev1.PersistentVolumeClaimStatus{
			Phase:       corev1.ClaimBound,
			AccessModes: []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
			Capacity:    corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("50Gi")},
		},
	}
	for _, o := range opts {
		o(p)
	}
	return p
}

// withPending makes an unbound claim created createdAgo.
func withPending(createdAgo time.Duration) pvcOpt {
	return func(p *corev1.PersistentVolumeClaim) {
		p.CreationTimestamp = ago(createdAgo)
		p.Spec.VolumeName = ""
		p.Status = corev1.PersistentVolumeClaimStatus{Phase: corev1.ClaimPending}
	}
}

func withLost() pvcOpt {
	return func(p *corev1.PersistentVolumeClaim) {
		p.Status = corev1.PersistentVolumeClaimStatus{Phase: corev1.ClaimLost}
	}
}

func withVolumeName(name string) pvcOpt {
	return func(p *corev1.PersistentVolumeClaim) { p.Spec.VolumeName = name }
}

func withAnnotation(k, v string) pvcOpt {
	return func(p *corev1.PersistentVolumeClaim) {
		if p.Annotations == nil {
			p.Annotations = map[string]string{}
		}
		p.Annotations[k] = v
	}
}

// withRequest asks for size: more than the status capacity is a resize.
func withRequest(size string) pvcOpt {
	return func(p *corev1.PersistentVolumeClaim) {
		p.Spec.Resources.Requests[corev1.ResourceStorage] = resource.MustParse(size)
	}
}

func withPVCCondition(t corev1.PersistentVolumeClaimConditionType, s corev1.ConditionStatus, message string, since time.Duration) pvcOpt {
	return func(p *corev1.PersistentVolumeClaim) {
		p.Status.Conditions = append(p.Status.Conditions, corev1.PersistentVolumeClaimCondition{
			Type: t, Status: s, Message: message, LastTransitionTime: ago(since),
		})
	}
}

// withAllocated records the controller's resize state for size.
func withAllocated(size string, st corev1.ClaimResourceStatus) pvcOpt {
	return func(p *corev1.PersistentVolumeClaim) {
		p.Status.AllocatedResources = corev1.ResourceList{corev1.ResourceStorage: resource.MustParse(size)}
		p.Status.AllocatedResourceStatuses = map[corev1.ResourceName]corev1.ClaimResourceStatus{corev1.ResourceStorage: st}
	}
}

func withPVCDeletion() pvcOpt {
	return func(p *corev1.PersistentVolumeClaim) { p.DeletionTimestamp = new(ago(10 * time.Second)) }
}

type eventOpt func(*corev1.Event)

// newEvent is a core/v1 event about the claim "data" (uid-data), seen once
// lastAgo.
func newEvent(reason, message string, lastAgo time.Duration, opts ...eventOpt) corev1.Event {
	ev := corev1.Event{
		ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "data." + reason, CreationTimestamp: ago(lastAgo)},
		InvolvedObject: corev1.ObjectReference{
			Kind: "PersistentVolumeClaim", Namespace: "shop", Name: "data", UID: "uid-data", APIVersion: "v1",
		},
		Reason: reason, Message: message, Type: corev1.EventTypeNormal, Count: 1,
		FirstTimestamp: ago(lastAgo), LastTimestamp: ago(lastAgo),
	}
	for _, o := range opts {
		o(&ev)
	}
	return ev
}

// firstSeen makes the event a repeat that began firstAgo.
func firstSeen(firstAgo time.Duration) eventOpt {
	return func(ev *corev1.Event) {
		ev.FirstTimestamp, ev.CreationTimestamp, ev.Count = ago(firstAgo), ago(firstAgo), 5
	}
}

// asSeries rewrites the event the way events.k8s.io writers do: eventTime
// and series instead of first/last timestamps.
func asSeries(firstAgo, lastAgo time.Duration) eventOpt {
	return func(ev *corev1.Event) {
		ev.FirstTimestamp, ev.LastTimestamp, ev.Count = metav1.Time{}, metav1.Time{}, 0
		ev.CreationTimestamp = ago(firstAgo)
		ev.EventTime = metav1.NewMicroTime(now.Add(-firstAgo))
		ev.Series = &corev1.EventSeries{Count: 12, LastObservedTime: metav1.NewMicroTime(now.Add(-lastAgo))}
	}
}

func warningEvent() eventOpt {
	return func(ev *corev1.Event) { ev.Type = corev1.EventTypeWarning }
}

// aboutUID points the event at another claim of the same name.
func aboutUID(uid string) eventOpt {
	return func(ev *corev1.Event) { ev.InvolvedObject.UID = types.UID(uid) }
}

// Messages as the PV controller and CSI sidecars write them.
const (
	msgExternalProvisioning    = "Waiting for a volume to be created either by the external provisioner 'ebs.csi.aws.com' or manually by the system administrator. If volume creation is delayed, please verify that the provisioner is running and correctly registered."
	msgExternalProvisioningOld = `waiting for a volume to be created, either by external provisioner "pd.csi.storage.gke.io" or manually created by system administrator`
	msgProvisioningFailed      = `failed to provision volume with StorageClass "gp3": rpc error: code = ResourceExhausted desc = Could not create volume "pvc-1f2e": VolumeLimitExceeded: You have exceeded your maximum gp3 storage limit`
	msgWaitForFirstConsumer    = "waiting for first consumer to be created before binding"
	msgFailedBinding           = "no persistent volumes available for this claim and no storage class is set"
	msgVolumeResizeFailed      = `resize volume "pvc-data" by resizer "ebs.csi.aws.com" failed: rpc error: code = Internal desc = Could not resize volume "vol-0abc": VolumeModificationRateExceeded`
	msgFSResizeFailed          = `MountVolume.NodeExpandVolume failed for volume "pvc-data" : Expander.NodeExpand failed to expand the volume : rpc error: code = Internal desc = resize2fs: Bad magic number in super-block`
)
