package watchers

import (
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/cache"

	"github.com/watchkeeper/watchkeeper/notifier"
)

// ownerResolver walks a pod's controller chain from the caches, never the
// API: Pod → ReplicaSet → Deployment, Pod → Job → CronJob; StatefulSets and
// DaemonSets own their pods directly.
type ownerResolver struct {
	replicaSets cache.GenericLister
	jobs        cache.GenericLister
}

func newOwnerResolver(rs, jobs cache.GenericLister) *ownerResolver {
	return &ownerResolver{replicaSets: rs, jobs: jobs}
}

func (r *ownerResolver) resolve(pod *corev1.Pod) notifier.Owner {
	ref := metav1.GetControllerOf(pod)
	if ref == nil {
		return notifier.Owner{Kind: notifier.KindPod, Name: pod.Name}
	}
	owner := notifier.Owner{Kind: ref.Kind, Name: ref.Name}
	var lister cache.GenericLister
	switch ref.Kind {
	case "ReplicaSet":
		lister = r.replicaSets
	case "Job":
		lister = r.jobs
	default:
		return owner
	}
	obj, err := lister.ByNamespace(pod.Namespace).Get(ref.Name)
	if err != nil {
		return owner // not in the cache (yet): the direct owner is still useful
	}
	m, ok := obj.(*metav1.PartialObjectMetadata)
	if !ok {
		return owner
	}
	if parent := metav1.GetControllerOf(m); parent != nil && (parent.Kind == "Deployment" || parent.Kind == "CronJob") {
		return notifier.Owner{Kind: parent.Kind, Name: parent.Name}
	}
	return owner
}
