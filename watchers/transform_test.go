package watchers

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/tools/cache"

	"github.com/watchkeeper/watchkeeper/notifier"
)

func fullPod() *corev1.Pod {
	ctrl := true
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{
			Name: "api-1", Namespace: "shop", UID: "u1", ResourceVersion: "42",
			Labels:          map[string]string{"app": "api"},
			Annotations:     map[string]string{"kubectl.kubernetes.io/last-applied-configuration": `{"huge":"json"}`, "watchkeeper.io/pvc-warning-percent": "70"},
			ManagedFields:   []metav1.ManagedFieldsEntry{{Manager: "kubectl", Operation: "Apply"}},
			OwnerReferences: []metav1.OwnerReference{{Kind: "ReplicaSet", Name: "api-7d9", Controller: &ctrl}},
		},
		Spec: corev1.PodSpec{
			NodeName: "node-1",
			Containers: []corev1.Container{{Name: "app", Image: "api:1", Env: []corev1.EnvVar{{Name: "DB_PASSWORD", Value: "hunter2"}},
				Command: []string{"/bin/api", "--verbose"}}},
			Volumes: []corev1.Volume{
				{Name: "data", VolumeSource: corev1.VolumeSource{PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: "api-data"}}},
				{Name: "cfg", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{LocalObjectReference: corev1.LocalObjectReference{Name: "cfg"}}}},
			},
		},
		Status: corev1.PodStatus{Phase: corev1.PodRunning, ContainerStatuses: []corev1.ContainerStatus{{Name: "app", RestartCount: 3}}},
	}
}

func TestTrimPodKeepsWhatDetectorsReadAndNothingElse(t *testing.T) {
	in := fullPod()
	before, _ := json.Marshal(in)
	outObj, err := trimPod(in)
	require.NoError(t, err)
	out := outObj.(*corev1.Pod)
	after, _ := json.Marshal(out)

	require.Equal(t, "api-1", out.Name)
	require.Equal(t, "42", out.ResourceVersion)
	require.Equal(t, in.OwnerReferences, out.OwnerReferences)
	require.Equal(t, in.Labels, out.Labels)
	require.Equal(t, map[string]string{"watchkeeper.io/pvc-warning-percent": "70"}, out.Annotations)
	require.Empty(t, out.ManagedFields)
	require.Equal(t, []corev1.Container{{Name: "app", Image: "api:1"}}, out.Spec.Containers, "env and command dropped")
	require.Len(t, out.Spec.Volumes, 1)
	require.Equal(t, "api-data", out.Spec.Volumes[0].PersistentVolumeClaim.ClaimName)
	require.Equal(t, in.Status, out.Status)
	require.NotContains(t, string(after), "hunter2", "secrets in env never reach the cache")
	require.Less(t, len(after), len(before))

	// Tombstones pass through untouched for the delete handler to unwrap.
	tomb := cache.DeletedFinalStateUnknown{Key: "shop/api-1", Obj: in}
	got, err := trimPod(tomb)
	require.NoError(t, err)
	require.Equal(t, tomb, got)
}

func TestOwnerResolution(t *testing.T) {
	ctrl := true
	rsIdx := cache.NewIndexer(cache.MetaNamespaceKeyFunc, cache.Indexers{})
	jobIdx := cache.NewIndexer(cache.MetaNamespaceKeyFunc, cache.Indexers{})
	require.NoError(t, rsIdx.Add(&metav1.PartialObjectMetadata{ObjectMeta: metav1.ObjectMeta{Name: "api-7d9", Namespace: "shop",
		OwnerReferences: []metav1.OwnerReference{{Kind: "Deployment", Name: "api", Controller: &ctrl}}}}))
	require.NoError(t, jobIdx.Add(&metav1.PartialObjectMetadata{ObjectMeta: metav1.ObjectMeta{Name: "nightly-2911", Namespace: "shop",
		OwnerReferences: []metav1.OwnerReference{{Kind: "CronJob", Name: "nightly", Controller: &ctrl}}}}))
	r := newOwnerResolver(
		cache.NewGenericLister(rsIdx, schema.GroupResource{Group: "apps", Resource: "replicasets"}),
		cache.NewGenericLister(jobIdx, schema.GroupResource{Group: "batch", Resource: "jobs"}))

	pod := func(kind, name string) *corev1.Pod {
		p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "p", Namespace: "shop"}}
		if kind != "" {
			p.OwnerReferences = []metav1.OwnerReference{{Kind: kind, Name: name, Controller: &ctrl}}
		}
		return p
	}
	tests := []struct {
		pod  *corev1.Pod
		want notifier.Owner
	}{
		{pod("ReplicaSet", "api-7d9"), notifier.Owner{Kind: "Deployment", Name: "api"}},
		{pod("ReplicaSet", "unknown-rs"), notifier.Owner{Kind: "ReplicaSet", Name: "unknown-rs"}},
		{pod("Job", "nightly-2911"), notifier.Owner{Kind: "CronJob", Name: "nightly"}},
		{pod("StatefulSet", "db"), notifier.Owner{Kind: "StatefulSet", Name: "db"}},
		{pod("DaemonSet", "agent"), notifier.Owner{Kind: "DaemonSet", Name: "agent"}},
		{pod("", ""), notifier.Owner{Kind: "Pod", Name: "p"}},
	}
	for _, tt := range tests {
		require.Equal(t, tt.want, r.resolve(tt.pod))
	}
}

func TestNamespaceFilter(t *testing.T) {
	w := &Watcher{cfg: Config{IncludeNamespaces: []string{"team-*", "default"}, ExcludeNamespaces: []string{"team-sandbox"}}}
	for ns, want := range map[string]bool{"team-a": true, "default": true, "team-sandbox": false, "kube-system": false} {
		require.Equal(t, want, w.watchesNamespace(ns), ns)
	}
	all := &Watcher{cfg: Config{ExcludeNamespaces: []string{"kube-*"}}}
	require.True(t, all.watchesNamespace("anything"))
	require.False(t, all.watchesNamespace("kube-system"))
}
