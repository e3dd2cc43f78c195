package main

import (
	"context"
	"fmt"
	"hash/fnv"
	"os"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/util/retry"
)

// createPod creates a pod bound to the node, as the scheduler would.
func (s *seeder) createPod(ctx context.Context, p *corev1.Pod) (*corev1.Pod, error) {
	p.Namespace = s.ns
	p.Spec.NodeName = s.node
	out, err := s.c.CoreV1().Pods(s.ns).Create(ctx, p, metav1.CreateOptions{})
	if err != nil {
		return nil, fmt.Errorf("create pod %s: %w", p.Name, err)
	}
	s.event(ctx, "Pod", "v1", out.ObjectMeta, "default-scheduler", corev1.EventTypeNormal, "Scheduled",
		fmt.Sprintf("Successfully assigned %s/%s to %s", s.ns, out.Name, s.node), 1)
	return out, nil
}

// podStatus writes the status mutate builds through the status
// subresource, as the kubelet does.
func (s *seeder) podStatus(ctx context.Context, p *corev1.Pod, mutate func(*corev1.Pod, metav1.Time)) (*corev1.Pod, error) {
	var out *corev1.Pod
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		cur, err := s.c.CoreV1().Pods(p.Namespace).Get(ctx, p.Name, metav1.GetOptions{})
		if err != nil {
			return err
		}
		mutate(cur, metav1.Now())
		out, err = s.c.CoreV1().Pods(p.Namespace).UpdateStatus(ctx, cur, metav1.UpdateOptions{})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("pod %s status: %w", p.Name, err)
	}
	return out, nil
}

// The status builders below write what a kubelet reports in each state.

func running(p *corev1.Pod, now metav1.Time) {
	scheduled(p, now, corev1.PodRunning, true)
	p.Status.ContainerStatuses = nil
	for _, c := range p.Spec.Containers {
		p.Status.ContainerStatuses = append(p.Status.ContainerStatuses, corev1.ContainerStatus{
			Name: c.Name, Image: c.Image, ImageID: imageID(c.Image), ContainerID: containerID(p.Name + c.Name),
			Ready: true, Started: ptr(true),
			State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: now}},
		})
	}
}

func containerCreating(p *corev1.Pod, now metav1.Time) {
	scheduled(p, now, corev1.PodPending, false)
	p.Status.PodIP, p.Status.PodIPs = "", nil
	p.Status.ContainerStatuses = nil
	for _, c := range p.Spec.Containers {
		p.Status.ContainerStatuses = append(p.Status.ContainerStatuses, corev1.ContainerStatus{
			Name: c.Name, Image: c.Image, Started: ptr(false),
			State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "ContainerCreating"}},
		})
	}
}

// oomKilled: the first container was killed at its memory limit, restarts
// times, and is waiting out the back-off.
func oomKilled(restarts int32) func(*corev1.Pod, metav1.Time) {
	return func(p *corev1.Pod, now metav1.Time) {
		scheduled(p, now, corev1.PodRunning, false)
		c := p.Spec.Containers[0]
		p.Status.ContainerStatuses = []corev1.ContainerStatus{{
			Name: c.Name, Image: c.Image, ImageID: imageID(c.Image), ContainerID: containerID(fmt.Sprint(p.Name, restarts)),
			Ready: false, Started: ptr(false), RestartCount: restarts,
			State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "CrashLoopBackOff",
				Message: fmt.Sprintf("back-off 1m20s restarting failed container=%s pod=%s_%s(%s)", c.Name, p.Name, p.Namespace, p.UID)}},
			LastTerminationState: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{
				Reason: "OOMKilled", ExitCode: 137, ContainerID: containerID(fmt.Sprint(p.Name, restarts)),
				StartedAt: metav1.NewTime(now.Add(-47 * time.Second)), FinishedAt: metav1.NewTime(now.Add(-2 * time.Second))}},
		}}
	}
}

// pullFailedMessage is containerd's answer for a tag that was never pushed.
func pullFailedMessage(image string) string {
	return fmt.Sprintf("rpc error: code = NotFound desc = failed to pull and unpack image %q: failed to resolve reference %q: %s: not found", image, image, image)
}

func imagePullBackOff(p *corev1.Pod, now metav1.Time) {
	scheduled(p, now, corev1.PodPending, false)
	p.Status.PodIP, p.Status.PodIPs = "", nil
	c := p.Spec.Containers[0]
	p.Status.ContainerStatuses = []corev1.ContainerStatus{{
		Name: c.Name, Image: c.Image, Started: ptr(false),
		State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "ImagePullBackOff",
			Message: fmt.Sprintf("Back-off pulling image %q: ErrImagePull: %s", c.Image, pullFailedMessage(c.Image))}},
	}}
}

// scheduled sets the phase and the pod conditions of a pod on the node.
func scheduled(p *corev1.Pod, now metav1.Time, phase corev1.PodPhase, ready bool) {
	start := p.CreationTimestamp
	p.Status.Phase = phase
	p.Status.HostIP = "127.0.0.1"
	p.Status.HostIPs = []corev1.HostIP{{IP: "127.0.0.1"}}
	p.Status.PodIP = podIP(p.Name)
	p.Status.PodIPs = []corev1.PodIP{{IP: p.Status.PodIP}}
	p.Status.StartTime = &start
	p.Status.QOSClass = corev1.PodQOSBurstable
	readyStatus, reason := corev1.ConditionTrue, ""
	if !ready {
		readyStatus, reason = corev1.ConditionFalse, "ContainersNotReady"
	}
	cond := func(t corev1.PodConditionType, st corev1.ConditionStatus, reason string) corev1.PodCondition {
		return corev1.PodCondition{Type: t, Status: st, Reason: reason, LastTransitionTime: now}
	}
	p.Status.Conditions = []corev1.PodCondition{
		cond(corev1.PodReadyToStartContainers, corev1.ConditionTrue, ""),
		cond(corev1.PodInitialized, corev1.ConditionTrue, ""),
		cond(corev1.PodReady, readyStatus, reason),
		cond(corev1.ContainersReady, readyStatus, reason),
		cond(corev1.PodScheduled, corev1.ConditionTrue, ""),
	}
}

// event records an event as component would. Events only enrich the
// demo (describe, events, alert context), so a failure is reported and
// the seed goes on.
func (s *seeder) event(ctx context.Context, kind, apiVersion string, obj metav1.ObjectMeta, component, typ, reason, msg string, count int32) {
	now := metav1.Now()
	first := now
	if count > 1 {
		first = metav1.NewTime(now.Add(-time.Duration(count) * 40 * time.Second))
	}
	host := ""
	if component == "kubelet" {
		host = s.node
	}
	_, err := s.c.CoreV1().Events(s.ns).Create(ctx, &corev1.Event{
		ObjectMeta: metav1.ObjectMeta{GenerateName: obj.Name + "."},
		InvolvedObject: corev1.ObjectReference{Kind: kind, APIVersion: apiVersion, Namespace: s.ns, Name: obj.Name,
			UID: obj.UID, ResourceVersion: obj.ResourceVersion},
		Reason: reason, Message: msg, Type: typ, Count: count,
		Source:         corev1.EventSource{Component: component, Host: host},
		FirstTimestamp: first, LastTimestamp: now,
		ReportingController: component, ReportingInstance: s.node,
	}, metav1.CreateOptions{})
	if err != nil {
		fmt.Fprintf(os.Stderr, "seed: event %s on %s/%s: %v\n", reason, kind, obj.Name, err)
	}
}

// Stable, plausible identifiers derived from names.

func sum(s string) uint64 {
	h := fnv.New64a()
	_, _ = h.Write([]byte(s))
	return h.Sum64()
}

func podIP(name string) string { return fmt.Sprintf("10.244.0.%d", 2+sum(name)%250) }

func imageID(image string) string {
	return fmt.Sprintf("%s@sha256:%016x%016x%016x%016x", image, sum(image), sum(image+"1"), sum(image+"2"), sum(image+"3"))
}

func containerID(seed string) string {
	return fmt.Sprintf("containerd://%016x%016x%016x%016x", sum(seed), sum(seed+"1"), sum(seed+"2"), sum(seed+"3"))
}

func ptr[T any](v T) *T { return &v }
