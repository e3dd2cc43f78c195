package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
)

// Kubelet writes pods/status with strategic merge patches under the field
// manager "kubelet", as a kubelet does, and records when each was acked.
type Kubelet struct {
	c kubernetes.Interface
}

// PodRef names a generated pod.
type PodRef struct {
	Namespace, Name, Workload, Node string
	Init                            bool // has the realistic profile's init container
}

// Patch sends one status patch and returns the time the response arrived
// and the resulting resourceVersion.
func (k *Kubelet) Patch(ctx context.Context, p PodRef, patch map[string]any) (time.Time, string, error) {
	body, err := json.Marshal(map[string]any{"status": patch})
	if err != nil {
		return time.Time{}, "", err
	}
	out, err := k.c.CoreV1().Pods(p.Namespace).Patch(ctx, p.Name, types.StrategicMergePatchType, body,
		metav1.PatchOptions{FieldManager: "kubelet"}, "status")
	at := time.Now()
	if err != nil {
		return at, "", fmt.Errorf("patch status of %s/%s: %w", p.Namespace, p.Name, err)
	}
	return at, out.ResourceVersion, nil
}

func rfc(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// Running is a started, ready pod with restarts restarts so far.
func Running(p PodRef, restarts int) map[string]any {
	now := rfc(time.Now())
	conds := []map[string]any{}
	for _, t := range []string{"PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady", "PodScheduled"} {
		conds = append(conds, map[string]any{"type": t, "status": "True", "lastTransitionTime": now, "lastProbeTime": nil})
	}
	st := map[string]any{
		"phase": "Running", "hostIP": "10.0.0.10", "hostIPs": []map[string]any{{"ip": "10.0.0.10"}},
		"podIP": "10.244.1.10", "podIPs": []map[string]any{{"ip": "10.244.1.10"}},
		"startTime": now, "qosClass": "Burstable", "conditions": conds,
		"containerStatuses": []map[string]any{{
			"name": "app", "image": "registry.example/" + p.Workload + ":1.0",
			"imageID":     "registry.example/" + p.Workload + "@sha256:4f2a9e1c7b3d5f8a0c2e4b6d8f1a3c5e7b9d0f2a4c6e8b1d3f5a7c9e0b2d4f6a",
			"containerID": "containerd://8b1f3d5a7c9e0b2d4f6a8c1e3b5d7f9a0c2e4b6d8f1a3c5e7b9d0f2a4c6e8b1d",
			"ready":       true, "started": true, "restartCount": restarts,
			"state": map[string]any{"waiting": nil, "terminated": nil, "running": map[string]any{"startedAt": now}},
		}},
	}
	if p.Init {
		st["initContainerStatuses"] = []map[string]any{{
			"name": "init-config", "image": "registry.example/config-render:2.3", "ready": true, "restartCount": 0,
			"imageID":     "registry.example/config-render@sha256:1c3e5b7d9f2a4c6e8b0d1f3a5c7e9b2d4f6a8c0e1b3d5f7a9c2e4b6d8f0a1c3e",
			"containerID": "containerd://2d4f6a8c0e1b3d5f7a9c2e4b6d8f0a1c3e5b7d9f2a4c6e8b0d1f3a5c7e9b2d4f",
			"state": map[string]any{"terminated": map[string]any{"exitCode": 0, "reason": "Completed",
				"startedAt": now, "finishedAt": now, "containerID": "containerd://2d4f6a8c0e1b3d5f7a9c2e4b6d8f0a1c3e5b7d9f2a4c6e8b0d1f3a5c7e9b2d4f"}},
		}}
	}
	return st
}

func notReady(now string) []map[string]any {
	return []map[string]any{
		{"type": "Ready", "status": "False", "reason": "ContainersNotReady", "lastTransitionTime": now},
		{"type": "ContainersReady", "status": "False", "reason": "ContainersNotReady", "lastTransitionTime": now},
	}
}

// CrashLoop is the container in CrashLoopBackOff after it terminated with
// reason and exitCode (Error/1, OOMKilled/137).
func CrashLoop(p PodRef, restarts int, reason string, exitCode int) map[string]any {
	now := time.Now()
	return map[string]any{
		"phase": "Running", "conditions": notReady(rfc(now)),
		"containerStatuses": []map[string]any{{
			"name": "app", "image": "registry.example/" + p.Workload + ":1.0", "ready": false, "started": false, "restartCount": restarts,
			"state": map[string]any{"running": nil, "terminated": nil, "waiting": map[string]any{"reason": "CrashLoopBackOff",
				"message": fmt.Sprintf("back-off 40s restarting failed container=app pod=%s_%s", p.Name, p.Namespace)}},
			"lastState": map[string]any{"terminated": map[string]any{"reason": reason, "exitCode": exitCode,
				"startedAt": rfc(now.Add(-10 * time.Second)), "finishedAt": rfc(now)}},
		}},
	}
}

// ImagePull is the container waiting in ImagePullBackOff.
func ImagePull(p PodRef) map[string]any {
	now := rfc(time.Now())
	img := "registry.example/" + p.Workload + ":1.1"
	return map[string]any{
		"phase": "Running", "conditions": notReady(now),
		"containerStatuses": []map[string]any{{
			"name": "app", "image": img, "ready": false, "started": false,
			"state": map[string]any{"running": nil, "terminated": nil, "waiting": map[string]any{"reason": "ImagePullBackOff",
				"message": `Back-off pulling image "` + img + `": rpc error: code = NotFound desc = failed to pull and unpack image: not found`}},
		}},
	}
}

// Noise changes nothing a detector reads: the probe time of the Ready
// condition, as status updates from readiness probes do.
func Noise() map[string]any {
	return map[string]any{"conditions": []map[string]any{{"type": "Ready", "status": "True", "lastProbeTime": rfc(time.Now())}}}
}

// readyNode is a Ready node with capacity for pods.
func readyNode(name string, kubeletPort int32) (*corev1.Node, map[string]any) {
	n := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{
		"kubernetes.io/hostname": name, "kubernetes.io/os": "linux", "node.kubernetes.io/instance-type": "m6i.2xlarge"}}}
	now := rfc(time.Now())
	conds := []map[string]any{{"type": "Ready", "status": "True", "reason": "KubeletReady", "lastHeartbeatTime": now, "lastTransitionTime": now}}
	for _, t := range []string{"MemoryPressure", "DiskPressure", "PIDPressure"} {
		conds = append(conds, map[string]any{"type": t, "status": "False", "lastHeartbeatTime": now, "lastTransitionTime": now})
	}
	status := map[string]any{"conditions": conds,
		"capacity":        map[string]any{"cpu": "8", "memory": "32Gi", "pods": "110"},
		"allocatable":     map[string]any{"cpu": "7800m", "memory": "31Gi", "pods": "110"},
		"addresses":       []map[string]any{{"type": "InternalIP", "address": "127.0.0.1"}, {"type": "Hostname", "address": name}},
		"daemonEndpoints": map[string]any{"kubeletEndpoint": map[string]any{"Port": kubeletPort}}}
	return n, status
}
