package watchers

import (
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	v1 "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"

	"github.com/watchkeeper/watchkeeper/notifier"
	"github.com/watchkeeper/watchkeeper/watchers/detectors"
)

// nodeSync observes one node from the cache.
func (w *Watcher) nodeSync(lister v1.NodeLister) func(cache.ObjectName) (time.Duration, error) {
	return func(key cache.ObjectName) (time.Duration, error) {
		ref := notifier.ObjectRef{Kind: notifier.KindNode, Name: key.Name}
		now := w.cfg.Now()
		node, err := lister.Get(key.Name)
		if apierrors.IsNotFound(err) {
			return 0, w.sink.Observe(notifier.Observation{Object: ref, Gone: true, At: now})
		}
		if err != nil {
			return 0, err
		}
		ref.UID = string(node.UID)
		alerts := detectors.Node(node, now, w.cfg.Detectors)
		for i := range alerts {
			alerts[i].Cluster = w.cfg.Cluster
		}
		if err := w.sink.Observe(notifier.Observation{Object: ref, Alerts: alerts, At: now}); err != nil {
			return 0, err
		}
		return recheckAfter(detectors.NodeNextCheck(node, now, w.cfg.Detectors), now), nil
	}
}

// trimNode keeps what node detection, kubelet addressing and routing read;
// status.images alone can be tens of KiB per node.
func trimNode(obj any) (any, error) {
	n, ok := obj.(*corev1.Node)
	if !ok {
		return obj, nil
	}
	return &corev1.Node{
		TypeMeta: n.TypeMeta,
		ObjectMeta: metav1.ObjectMeta{
			Name: n.Name, UID: n.UID, ResourceVersion: n.ResourceVersion, Labels: n.Labels,
			CreationTimestamp: n.CreationTimestamp, DeletionTimestamp: n.DeletionTimestamp,
		},
		Spec: corev1.NodeSpec{Unschedulable: n.Spec.Unschedulable, Taints: n.Spec.Taints},
		Status: corev1.NodeStatus{
			Conditions: n.Status.Conditions, Addresses: n.Status.Addresses,
			Allocatable: n.Status.Allocatable, DaemonEndpoints: n.Status.DaemonEndpoints,
		},
	}, nil
}
