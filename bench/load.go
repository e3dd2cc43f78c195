package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"sync/atomic"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
)

// Loader creates the objects controllers and kubelets would: namespaces,
// Ready nodes, Deployments with their ReplicaSets, and running pods.
type Loader struct {
	c           kubernetes.Interface
	kubelet     *Kubelet
	profile     Profile
	concurrency int
	nodes       []string
	next        atomic.Int64 // round-robin node assignment
}

// NewLoader returns a Loader using admin (client-side rate limiting off).
func NewLoader(admin *rest.Config, profile Profile, concurrency int) (*Loader, error) {
	cfg := rest.CopyConfig(admin)
	cfg.QPS, cfg.Burst = -1, 0
	cfg.ContentType = "application/vnd.kubernetes.protobuf"
	cfg.AcceptContentTypes = "application/vnd.kubernetes.protobuf,application/json"
	// Apply bodies must be JSON/YAML; the client picks the patch type's
	// content type per request, so only responses use protobuf.
	c, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("load client: %w", err)
	}
	return &Loader{c: c, kubelet: &Kubelet{c: c}, profile: profile, concurrency: concurrency}, nil
}

// Client is the Loader's clientset.
func (l *Loader) Client() kubernetes.Interface { return l.c }

// Kubelet is the Loader's status writer.
func (l *Loader) Kubelet() *Kubelet { return l.kubelet }

// Namespace creates ns if missing.
func (l *Loader) Namespace(ctx context.Context, ns string) error {
	_, err := l.c.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{})
	if err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("create namespace %s: %w", ns, err)
	}
	return nil
}

// Nodes creates n Ready nodes, node-0000 onwards, whose kubelet endpoint
// is 127.0.0.1:kubeletPort (one fake kubelet serves every node's logs).
func (l *Loader) Nodes(ctx context.Context, n int, kubeletPort int32) error {
	for i := range n {
		name := fmt.Sprintf("node-%04d", i)
		node, status := readyNode(name, kubeletPort)
		if _, err := l.c.CoreV1().Nodes().Create(ctx, node, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
			return fmt.Errorf("create node %s: %w", name, err)
		}
		body, _ := json.Marshal(map[string]any{"status": status})
		if _, err := l.c.CoreV1().Nodes().Patch(ctx, name, types.StrategicMergePatchType, body,
			metav1.PatchOptions{FieldManager: "kubelet"}, "status"); err != nil {
			return fmt.Errorf("node %s status: %w", name, err)
		}
		l.nodes = append(l.nodes, name)
	}
	return nil
}

// WorkloadSpec asks for Count workloads of Replicas pods each in Namespace,
// named Prefix-000, Prefix-001, ...
type WorkloadSpec struct {
	Namespace, Prefix string
	Count, Replicas   int
}

// Workloads creates the Deployments, ReplicaSets and running pods of spec
// and returns the pods, in workload order.
func (l *Loader) Workloads(ctx context.Context, spec WorkloadSpec) ([]PodRef, error) {
	if err := l.Namespace(ctx, spec.Namespace); err != nil {
		return nil, err
	}
	pods := make([]PodRef, 0, spec.Count*spec.Replicas)
	owners := make([]metav1.OwnerReference, spec.Count)
	err := parallel(ctx, spec.Count, l.concurrency, func(ctx context.Context, w int) error {
		name := fmt.Sprintf("%s-%03d", spec.Prefix, w)
		owner, err := l.owner(ctx, spec.Namespace, name, spec.Replicas)
		owners[w] = owner
		return err
	})
	if err != nil {
		return nil, err
	}
	for w := range spec.Count {
		name := fmt.Sprintf("%s-%03d", spec.Prefix, w)
		for r := range spec.Replicas {
			node := ""
			if len(l.nodes) > 0 {
				node = l.nodes[int(l.next.Add(1))%len(l.nodes)]
			}
			pods = append(pods, PodRef{Namespace: spec.Namespace, Name: fmt.Sprintf("%s-7d9f8c-%05d", name, r),
				Workload: name, Node: node, Init: l.profile == Realistic})
		}
	}
	err = parallel(ctx, len(pods), l.concurrency, func(ctx context.Context, i int) error {
		return l.pod(ctx, pods[i], owners[i/spec.Replicas])
	})
	return pods, err
}

// owner creates a Deployment and its ReplicaSet and returns the reference
// pods carry.
func (l *Loader) owner(ctx context.Context, ns, name string, replicas int) (metav1.OwnerReference, error) {
	labels := map[string]string{"app": name}
	n := int32(replicas)
	tmpl := corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: "registry.example/" + name + ":1.0"}}}}
	d, err := l.c.AppsV1().Deployments(ns).Create(ctx, &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels},
		Spec:       appsv1.DeploymentSpec{Replicas: &n, Selector: &metav1.LabelSelector{MatchLabels: labels}, Template: tmpl},
	}, metav1.CreateOptions{})
	if err != nil {
		return metav1.OwnerReference{}, fmt.Errorf("create deployment %s/%s: %w", ns, name, err)
	}
	rs, err := l.c.AppsV1().ReplicaSets(ns).Create(ctx, &appsv1.ReplicaSet{
		ObjectMeta: metav1.ObjectMeta{Name: name + "-7d9f8c", Labels: labels, OwnerReferences: []metav1.OwnerReference{{
			APIVersion: "apps/v1", Kind: "Deployment", Name: d.Name, UID: d.UID, Controller: ptr(true), BlockOwnerDeletion: ptr(true)}}},
		Spec: appsv1.ReplicaSetSpec{Replicas: &n, Selector: &metav1.LabelSelector{MatchLabels: labels}, Template: tmpl},
	}, metav1.CreateOptions{})
	if err != nil {
		return metav1.OwnerReference{}, fmt.Errorf("create replicaset %s/%s: %w", ns, name, err)
	}
	return metav1.OwnerReference{APIVersion: "apps/v1", Kind: "ReplicaSet", Name: rs.Name, UID: rs.UID,
		Controller: ptr(true), BlockOwnerDeletion: ptr(true)}, nil
}

// pod applies the pod (server-side apply, as the ReplicaSet controller's
// field manager) and writes a running status as the kubelet.
func (l *Loader) pod(ctx context.Context, p PodRef, owner metav1.OwnerReference) error {
	body, err := json.Marshal(podSpec(l.profile, p.Namespace, p.Workload, p.Name, p.Node, owner))
	if err != nil {
		return err
	}
	if _, err := l.c.CoreV1().Pods(p.Namespace).Patch(ctx, p.Name, types.ApplyPatchType, body,
		metav1.PatchOptions{FieldManager: "kube-controller-manager", Force: ptr(true)}); err != nil {
		return fmt.Errorf("apply pod %s/%s: %w", p.Namespace, p.Name, err)
	}
	_, _, err = l.kubelet.Patch(ctx, p, Running(p, 0))
	return err
}

// PodSize is the JSON size of a stored pod, managedFields included.
func (l *Loader) PodSize(ctx context.Context, p PodRef) (int, error) {
	raw, err := l.c.CoreV1().RESTClient().Get().Namespace(p.Namespace).Resource("pods").Name(p.Name).
		SetHeader("Accept", "application/json").DoRaw(ctx)
	if err != nil {
		return 0, fmt.Errorf("get pod %s/%s: %w", p.Namespace, p.Name, err)
	}
	return len(raw), nil
}

// parallel runs fn(0..n-1) on up to conc goroutines and returns the first
// error, cancelling the rest.
func parallel(ctx context.Context, n, conc int, fn func(context.Context, int) error) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(conc, n) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= n || ctx.Err() != nil {
					return
				}
				if err := fn(ctx, i); err != nil {
					cancel(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if err := context.Cause(ctx); err != nil && err != context.Canceled {
		return err
	}
	return nil
}
