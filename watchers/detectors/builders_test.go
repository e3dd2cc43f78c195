package detectors_test

import (
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// now is the injected clock for every test.
var now = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func ago(d time.Duration) metav1.Time { return metav1.NewTime(now.Add(-d)) }

// podBuilder tracks which container the container options apply to: the
// last one added (the pod's own "app" container to begin with).
type podBuilder struct {
	pod      *corev1.Pod
	init     bool
	statusAt int
}

type podOpt func(*podBuilder)

// newPod is a healthy, running, single-container pod created an hour ago.
// Container options apply to its container "app" until withContainer or
// withInit adds another.
func newPod(name string, opts ...podOpt) *corev1.Pod {
	b := &podBuilder{pod: &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{
			Namespace:         "shop",
			Name:              name,
			UID:               types.UID("uid-" + name),
			Labels:            map[string]string{"app": "shop"},
			CreationTimestamp: ago(time.Hour),
		},
		Spec: corev1.PodSpec{NodeName: "node-1"},
		Status: corev1.PodStatus{
			Phase:     corev1.PodRunning,
			StartTime: new(ago(time.Hour)),
			Conditions: []corev1.PodCondition{
				{Type: corev1.PodScheduled, Status: corev1.ConditionTrue, LastTransitionTime: ago(time.Hour)},
				{Type: corev1.PodReady, Status: corev1.ConditionTrue, LastTransitionTime: ago(59 * time.Minute)},
			},
		},
	}}
	withContainer("app", "registry.example.com/shop/app:1.4.2")(b)
	for _, o := range opts {
		o(b)
	}
	return b.pod
}

func (b *podBuilder) status() *corev1.ContainerStatus {
	if b.init {
		return &b.pod.Status.InitContainerStatuses[b.statusAt]
	}
	return &b.pod.Status.ContainerStatuses[b.statusAt]
}

func running(d time.Duration) corev1.ContainerState {
	return corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: ago(d)}}
}

// withContainer adds a running container; later container options apply to it.
func withContainer(name, image string) podOpt {
	return func(b *podBuilder) {
		b.pod.Spec.Containers = append(b.pod.Spec.Containers, corev1.Container{Name: name, Image: image})
		b.pod.Status.ContainerStatuses = append(b.pod.Status.ContainerStatuses, corev1.ContainerStatus{
			Name: name, Image: image, State: running(time.Hour), Ready: true, Started: new(true),
		})
		b.init, b.statusAt = false, len(b.pod.Status.ContainerStatuses)-1
	}
}

// withInit adds an init container that completed; later container options
// apply to it.
func withInit(name, image string) podOpt {
	return func(b *podBuilder) {
		b.pod.Spec.InitContainers = append(b.pod.Spec.InitContainers, corev1.Container{Name: name, Image: image})
		b.pod.Status.InitContainerStatuses = append(b.pod.Status.InitContainerStatuses, corev1.ContainerStatus{
			Name: name, Image: image, Ready: true,
			State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{
				Reason: "Completed", StartedAt: ago(time.Hour), FinishedAt: ago(59 * time.Minute),
			}},
		})
		b.init, b.statusAt = true, len(b.pod.Status.InitContainerStatuses)-1
	}
}

// on points later container options at an existing container.
func on(name string) podOpt {
	return func(b *podBuilder) {
		for i, s := range b.pod.Status.InitContainerStatuses {
			if s.Name == name {
				b.init, b.statusAt = true, i
				return
			}
		}
		for i, s := range b.pod.Status.ContainerStatuses {
			if s.Name == name {
				b.init, b.statusAt = false, i
				return
			}
		}
		panic("no container " + name)
	}
}

func withWaiting(reason string, message ...string) podOpt {
	return func(b *podBuilder) {
		st := b.status()
		st.State = corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: reason}}
		if len(message) > 0 {
			st.State.Waiting.Message = message[0]
		}
		st.Ready, st.Started = false, new(false)
	}
}

func withRunning(startedAgo time.Duration) podOpt {
	return func(b *podBuilder) { b.status().State = running(startedAgo) }
}

func terminated(reason string, exit int32, finishedAgo time.Duration) *corev1.ContainerStateTerminated {
	return &corev1.ContainerStateTerminated{
		Reason: reason, ExitCode: exit,
		StartedAt: ago(finishedAgo + 30*time.Second), FinishedAt: ago(finishedAgo),
		ContainerID: "containerd://0123abcd",
	}
}

// withLastTerminated sets how the container's previous run ended.
func withLastTerminated(reason string, exit int32, finishedAgo time.Duration) podOpt {
	return func(b *podBuilder) {
		b.status().LastTerminationState = corev1.ContainerState{Terminated: terminated(reason, exit, finishedAgo)}
	}
}

// withTerminated sets the container's current state to terminated.
func withTerminated(reason string, exit int32, finishedAgo time.Duration) podOpt {
	return func(b *podBuilder) {
		st := b.status()
		st.State = corev1.ContainerState{Terminated: terminated(reason, exit, finishedAgo)}
		st.Ready, st.Started = false, new(false)
	}
}

// withLastMessage sets the previous run's termination message.
func withLastMessage(msg string) podOpt {
	return func(b *podBuilder) { b.status().LastTerminationState.Terminated.Message = msg }
}

func withLastSignal(sig int32) podOpt {
	return func(b *podBuilder) { b.status().LastTerminationState.Terminated.Signal = sig }
}

func withRestarts(n int32) podOpt {
	return func(b *podBuilder) { b.status().RestartCount = n }
}

// withoutStatusImage blanks the status image, as before a first pull.
func withoutStatusImage() podOpt {
	return func(b *podBuilder) { b.status().Image = "" }
}

// withNativeSidecar makes the current init container restartable.
func withNativeSidecar() podOpt {
	return func(b *podBuilder) {
		c := &b.pod.Spec.InitContainers[b.statusAt]
		c.RestartPolicy = new(corev1.ContainerRestartPolicyAlways)
	}
}

func withPhase(p corev1.PodPhase) podOpt {
	return func(b *podBuilder) {
		b.pod.Status.Phase = p
		if p == corev1.PodPending || p == corev1.PodFailed || p == corev1.PodSucceeded {
			b.pod.Status.Conditions = b.pod.Status.Conditions[:1] // not Ready
		}
	}
}

func withPodReason(reason, message string) podOpt {
	return func(b *podBuilder) { b.pod.Status.Reason, b.pod.Status.Message = reason, message }
}

func withCondition(t corev1.PodConditionType, s corev1.ConditionStatus, reason, message string, since time.Duration) podOpt {
	return func(b *podBuilder) {
		c := corev1.PodCondition{Type: t, Status: s, Reason: reason, Message: message, LastTransitionTime: ago(since)}
		for i := range b.pod.Status.Conditions {
			if b.pod.Status.Conditions[i].Type == t {
				b.pod.Status.Conditions[i] = c
				return
			}
		}
		b.pod.Status.Conditions = append(b.pod.Status.Conditions, c)
	}
}

// withUnscheduled makes a pod created createdAgo that no node has taken:
// Pending, no node, no start time and no container statuses.
func withUnscheduled(createdAgo time.Duration) podOpt {
	return func(b *podBuilder) {
		p := b.pod
		p.CreationTimestamp = ago(createdAgo)
		p.Spec.NodeName = ""
		p.Status = corev1.PodStatus{Phase: corev1.PodPending}
	}
}

// withScheduled makes a Pending pod bound to node-1 scheduledAgo, whose
// containers have not started.
func withScheduled(scheduledAgo time.Duration) podOpt {
	return func(b *podBuilder) {
		p := b.pod
		p.CreationTimestamp = ago(scheduledAgo + time.Second)
		p.Status.Phase = corev1.PodPending
		p.Status.StartTime = new(ago(scheduledAgo))
		p.Status.Conditions = []corev1.PodCondition{
			{Type: corev1.PodScheduled, Status: corev1.ConditionTrue, LastTransitionTime: ago(scheduledAgo)},
		}
		for i := range p.Status.ContainerStatuses {
			p.Status.ContainerStatuses[i].State = corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "ContainerCreating"}}
			p.Status.ContainerStatuses[i].Ready = false
			p.Status.ContainerStatuses[i].Started = new(false)
		}
	}
}

func withOwner(kind, apiVersion, name string) podOpt {
	return func(b *podBuilder) {
		b.pod.OwnerReferences = append(b.pod.OwnerReferences, metav1.OwnerReference{
			APIVersion: apiVersion, Kind: kind, Name: name, UID: types.UID("uid-" + name), Controller: new(true),
		})
	}
}

func withDeletion() podOpt {
	return func(b *podBuilder) {
		b.pod.DeletionTimestamp = new(ago(10 * time.Second))
		b.pod.DeletionGracePeriodSeconds = new(int64(30))
	}
}
