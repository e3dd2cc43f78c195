package main

import (
	"context"
	"fmt"
	"maps"
	"slices"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// incidents makes the workloads whose fate is not healthy fail, as their
// kubelet would report it: api's containers are OOM-killed and back off,
// worker's image tag does not exist.
func (s *seeder) incidents(ctx context.Context) error {
	for _, name := range slices.Sorted(maps.Keys(deployments)) {
		w := deployments[name]
		if w.fate == healthy {
			continue
		}
		d, err := s.c.AppsV1().Deployments(s.ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return fmt.Errorf("get deployment %s: %w", name, err)
		}
		rs, err := s.c.AppsV1().ReplicaSets(s.ns).Get(ctx, name+"-"+w.hash, metav1.GetOptions{})
		if err != nil {
			return fmt.Errorf("get replicaset of %s (run stage world first): %w", name, err)
		}
		for i, suffix := range w.pods {
			p, err := s.c.CoreV1().Pods(s.ns).Get(ctx, rs.Name+"-"+suffix, metav1.GetOptions{})
			if err != nil {
				return fmt.Errorf("get pod: %w", err)
			}
			c := p.Spec.Containers[0]
			switch w.fate {
			case oomCrashLoop:
				restarts := int32(4 - i) // the replicas started a little apart
				if _, err := s.podStatus(ctx, p, oomKilled(restarts)); err != nil {
					return err
				}
				s.event(ctx, "Pod", "v1", p.ObjectMeta, "kubelet", corev1.EventTypeNormal, "Pulled",
					fmt.Sprintf("Container image %q already present on machine", c.Image), restarts+1)
				s.event(ctx, "Pod", "v1", p.ObjectMeta, "kubelet", corev1.EventTypeWarning, "BackOff",
					fmt.Sprintf("Back-off restarting failed container %s in pod %s_%s(%s)", c.Name, p.Name, p.Namespace, p.UID), 3*restarts)
				fmt.Printf("seed: (as the kubelet) pod %s: OOMKilled (exit code 137), CrashLoopBackOff, %d restarts\n", p.Name, restarts)
			case imagePullNotFound:
				if _, err := s.podStatus(ctx, p, imagePullBackOff); err != nil {
					return err
				}
				s.event(ctx, "Pod", "v1", p.ObjectMeta, "kubelet", corev1.EventTypeNormal, "Pulling",
					fmt.Sprintf("Pulling image %q", c.Image), 3)
				s.event(ctx, "Pod", "v1", p.ObjectMeta, "kubelet", corev1.EventTypeWarning, "Failed",
					fmt.Sprintf("Failed to pull image %q: %s", c.Image, pullFailedMessage(c.Image)), 3)
				s.event(ctx, "Pod", "v1", p.ObjectMeta, "kubelet", corev1.EventTypeNormal, "BackOff",
					fmt.Sprintf("Back-off pulling image %q", c.Image), 5)
				fmt.Printf("seed: (as the kubelet) pod %s: ImagePullBackOff, %s not found\n", p.Name, c.Image)
			}
		}
		if err := s.workloadStatus(ctx, rs, d, len(w.pods), 0); err != nil {
			return err
		}
	}
	return nil
}
