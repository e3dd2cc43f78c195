package main

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/util/retry"

	"github.com/watchkeeper/watchkeeper/internal/slacktest"
)

// cluster drives the test control plane the way controllers and a kubelet
// would: it creates Deployments, ReplicaSets and Pods with owner references
// and writes pod status.
type cluster struct {
	t testing.TB
	c kubernetes.Interface
}

func newCluster(t testing.TB) *cluster {
	t.Helper()
	c, err := kubernetes.NewForConfig(env.AdminConfig)
	require.NoError(t, err)
	return &cluster{t: t, c: c}
}

func (k *cluster) ctx() context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	k.t.Cleanup(cancel)
	return ctx
}

func (k *cluster) namespace(prefix string) string {
	k.t.Helper()
	ns, err := k.c.CoreV1().Namespaces().Create(k.ctx(), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: prefix + "-"}}, metav1.CreateOptions{})
	require.NoError(k.t, err)
	return ns.Name
}

// deployment creates a Deployment, its ReplicaSet and n running, ready pods.
func (k *cluster) deployment(ns, name string, n int) []*corev1.Pod {
	k.t.Helper()
	ctx := k.ctx()
	labels := map[string]string{"app": name}
	image := "registry.example/" + name + ":1.0"
	tmpl := corev1.PodTemplateSpec{
		ObjectMeta: metav1.ObjectMeta{Labels: labels},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: image}}},
	}
	replicas := int32(n)
	d, err := k.c.AppsV1().Deployments(ns).Create(ctx, &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels},
		Spec:       appsv1.DeploymentSpec{Replicas: &replicas, Selector: &metav1.LabelSelector{MatchLabels: labels}, Template: tmpl},
	}, metav1.CreateOptions{})
	require.NoError(k.t, err)
	ctrl := true
	rs, err := k.c.AppsV1().ReplicaSets(ns).Create(ctx, &appsv1.ReplicaSet{
		ObjectMeta: metav1.ObjectMeta{Name: name + "-7d9f8c", Labels: labels, OwnerReferences: []metav1.OwnerReference{{
			APIVersion: "apps/v1", Kind: "Deployment", Name: d.Name, UID: d.UID, Controller: &ctrl}}},
		Spec: appsv1.ReplicaSetSpec{Replicas: &replicas, Selector: &metav1.LabelSelector{MatchLabels: labels}, Template: tmpl},
	}, metav1.CreateOptions{})
	require.NoError(k.t, err)
	var pods []*corev1.Pod
	for i := range n {
		p, err := k.c.CoreV1().Pods(ns).Create(ctx, &corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("%s-7d9f8c-%05d", name, i), Labels: labels, OwnerReferences: []metav1.OwnerReference{{
				APIVersion: "apps/v1", Kind: "ReplicaSet", Name: rs.Name, UID: rs.UID, Controller: &ctrl}}},
			Spec: corev1.PodSpec{NodeName: "node-1", Containers: []corev1.Container{{Name: "app", Image: image}}},
		}, metav1.CreateOptions{})
		require.NoError(k.t, err)
		pods = append(pods, k.running(p))
	}
	return pods
}

// status rewrites a pod's status through the status subresource, as the
// kubelet does.
func (k *cluster) status(p *corev1.Pod, mutate func(*corev1.Pod)) *corev1.Pod {
	k.t.Helper()
	var out *corev1.Pod
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		cur, err := k.c.CoreV1().Pods(p.Namespace).Get(k.ctx(), p.Name, metav1.GetOptions{})
		if err != nil {
			return err
		}
		mutate(cur)
		out, err = k.c.CoreV1().Pods(p.Namespace).UpdateStatus(k.ctx(), cur, metav1.UpdateOptions{})
		return err
	})
	require.NoError(k.t, err)
	return out
}

func (k *cluster) running(p *corev1.Pod) *corev1.Pod {
	return k.status(p, func(p *corev1.Pod) {
		now := metav1.Now()
		p.Status.Phase = corev1.PodRunning
		p.Status.StartTime = &now
		p.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue, LastTransitionTime: now}}
		var restarts int32
		if len(p.Status.ContainerStatuses) > 0 {
			restarts = p.Status.ContainerStatuses[0].RestartCount
		}
		p.Status.ContainerStatuses = []corev1.ContainerStatus{{
			Name: "app", Image: p.Spec.Containers[0].Image, Ready: true, Started: ptr(true), RestartCount: restarts,
			State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: now}},
		}}
	})
}

// crashLoop puts the pod's container in CrashLoopBackOff after it was
// terminated with reason and exit code.
func (k *cluster) crashLoop(p *corev1.Pod, reason string, exitCode int32, restarts int32) *corev1.Pod {
	return k.status(p, func(p *corev1.Pod) {
		now := metav1.Now()
		p.Status.Phase = corev1.PodRunning
		p.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionFalse, Reason: "ContainersNotReady", LastTransitionTime: now}}
		p.Status.ContainerStatuses = []corev1.ContainerStatus{{
			Name: "app", Image: p.Spec.Containers[0].Image, Ready: false, Started: ptr(false), RestartCount: restarts,
			State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "CrashLoopBackOff",
				Message: "back-off 40s restarting failed container=app pod=" + p.Name}},
			LastTerminationState: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{
				Reason: reason, ExitCode: exitCode, StartedAt: metav1.NewTime(now.Add(-10 * time.Second)), FinishedAt: now}},
		}}
	})
}

func (k *cluster) imagePull(p *corev1.Pod, msg string) *corev1.Pod {
	return k.status(p, func(p *corev1.Pod) {
		p.Status.Phase = corev1.PodPending
		p.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionFalse, LastTransitionTime: metav1.Now()}}
		p.Status.ContainerStatuses = []corev1.ContainerStatus{{
			Name: "app", Image: p.Spec.Containers[0].Image, Ready: false,
			State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "ImagePullBackOff", Message: msg}},
		}}
	})
}

func ptr[T any](v T) *T { return &v }

// text is everything a person sees in a message: the fallback and blocks.
func text(m slacktest.PostedMessage) string { return m.Text + "\n" + string(m.Blocks) }

// posts returns the chat.postMessage calls whose message mentions s.
func posts(fake *slacktest.Server, channel, s string) []slacktest.PostedMessage {
	var out []slacktest.PostedMessage
	for _, m := range fake.Messages(channel) {
		if m.Via == slacktest.ViaPostMessage && m.ThreadTS == "" && strings.Contains(text(m), s) {
			out = append(out, m)
		}
	}
	return out
}
