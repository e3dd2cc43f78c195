package watchers

import (
	"context"
	"sort"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	v1 "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"

	"github.com/watchkeeper/watchkeeper/notifier"
	"github.com/watchkeeper/watchkeeper/watchers/detectors"
)

// pvcIndex indexes pods by the PVCs they mount ("namespace/claim").
const pvcIndex = "pvc"

func podPVCs(obj any) ([]string, error) {
	pod, ok := obj.(*corev1.Pod)
	if !ok {
		return nil, nil
	}
	var keys []string
	for _, v := range pod.Spec.Volumes {
		if v.PersistentVolumeClaim != nil {
			keys = append(keys, pod.Namespace+"/"+v.PersistentVolumeClaim.ClaimName)
		}
	}
	return keys, nil
}

// pvcSync observes one PVC: its own state (pending, lost, resize failed)
// and its usage as last measured by the usage sweeper.
func (w *Watcher) pvcSync(ctx context.Context, lister v1.PersistentVolumeClaimLister, pods cache.Indexer, owners *ownerResolver, usage *usageState) func(cache.ObjectName) (time.Duration, error) {
	return func(key cache.ObjectName) (time.Duration, error) {
		ref := notifier.ObjectRef{Kind: notifier.KindPVC, Namespace: key.Namespace, Name: key.Name}
		now := w.cfg.Now()
		pvc, err := lister.PersistentVolumeClaims(key.Namespace).Get(key.Name)
		if apierrors.IsNotFound(err) {
			usage.forget(key.String())
			return 0, w.sink.Observe(notifier.Observation{Object: ref, Gone: true, At: now})
		}
		if err != nil {
			return 0, err
		}
		ref.UID = string(pvc.UID)
		var events []corev1.Event
		if w.pvcNeedsEvents(pvc, now) {
			// Off the hot path: only for a PVC already stuck or failing a
			// resize, whose events carry the reason.
			events = w.pvcEvents(ctx, pvc)
		}
		alerts := detectors.PVC(pvc, events, now, w.cfg.Detectors)
		if a, ok := usage.alert(key.String(), pvc); ok {
			alerts = append(alerts, a)
		}
		if len(alerts) > 0 {
			owner, node := w.pvcUser(pvc, pods, owners)
			for i := range alerts {
				alerts[i].Cluster = w.cfg.Cluster
				alerts[i].Owner = owner
				if alerts[i].Node == "" {
					alerts[i].Node = node
				}
			}
		}
		if err := w.sink.Observe(notifier.Observation{Object: ref, Alerts: alerts, At: now}); err != nil {
			return 0, err
		}
		return recheckAfter(detectors.PVCNextCheck(pvc, now, w.cfg.Detectors), now), nil
	}
}

func (w *Watcher) pvcNeedsEvents(pvc *corev1.PersistentVolumeClaim, now time.Time) bool {
	if pvc.Status.Phase == corev1.ClaimPending && now.Sub(pvc.CreationTimestamp.Time) >= w.cfg.Detectors.WithDefaults().PVCPendingThreshold {
		return true
	}
	// A resize in flight or failed: spec asks for more than status has.
	want, have := pvc.Spec.Resources.Requests[corev1.ResourceStorage], pvc.Status.Capacity[corev1.ResourceStorage]
	return pvc.Status.Phase == corev1.ClaimBound && want.Cmp(have) > 0
}

func (w *Watcher) pvcEvents(ctx context.Context, pvc *corev1.PersistentVolumeClaim) []corev1.Event {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	sel := fields.Set{"involvedObject.kind": "PersistentVolumeClaim", "involvedObject.name": pvc.Name}
	if pvc.UID != "" {
		sel["involvedObject.uid"] = string(pvc.UID)
	}
	list, err := w.client.CoreV1().Events(pvc.Namespace).List(ctx, metav1.ListOptions{FieldSelector: sel.AsSelector().String(), ResourceVersion: "0"})
	if err != nil {
		w.log.Debug().Err(err).Str("namespace", pvc.Namespace).Str("name", pvc.Name).Msg("pvc events unavailable")
		return nil
	}
	return list.Items
}

// pvcUser names the workload using a PVC (from the pod cache) and the node
// it is mounted on.
func (w *Watcher) pvcUser(pvc *corev1.PersistentVolumeClaim, pods cache.Indexer, owners *ownerResolver) (notifier.Owner, string) {
	objs, _ := pods.ByIndex(pvcIndex, pvc.Namespace+"/"+pvc.Name)
	var users []*corev1.Pod
	for _, o := range objs {
		if p, ok := o.(*corev1.Pod); ok && p.DeletionTimestamp == nil {
			users = append(users, p)
		}
	}
	if len(users) == 0 {
		return notifier.Owner{Kind: "PersistentVolumeClaim", Name: pvc.Name}, ""
	}
	sort.Slice(users, func(i, j int) bool { return users[i].Name < users[j].Name })
	return owners.resolve(users[0]), users[0].Spec.NodeName
}

// trimPVC keeps what PVC detection and messages read.
func trimPVC(obj any) (any, error) {
	p, ok := obj.(*corev1.PersistentVolumeClaim)
	if !ok {
		return obj, nil
	}
	return &corev1.PersistentVolumeClaim{
		TypeMeta: p.TypeMeta,
		ObjectMeta: metav1.ObjectMeta{
			Name: p.Name, Namespace: p.Namespace, UID: p.UID, ResourceVersion: p.ResourceVersion, Labels: p.Labels,
			Annotations: keepAnnotations(p.Annotations), CreationTimestamp: p.CreationTimestamp, DeletionTimestamp: p.DeletionTimestamp,
		},
		Spec: corev1.PersistentVolumeClaimSpec{
			StorageClassName: p.Spec.StorageClassName, VolumeName: p.Spec.VolumeName, Resources: p.Spec.Resources,
		},
		Status: p.Status,
	}, nil
}
