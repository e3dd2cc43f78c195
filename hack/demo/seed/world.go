package main

import (
	"context"
	"fmt"
	"strconv"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// world creates what the controllers would for every Deployment and
// StatefulSet in the namespace, all healthy except that the worker's pod
// is still ContainerCreating.
func (s *seeder) world(ctx context.Context) error {
	ds, err := s.c.AppsV1().Deployments(s.ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		return fmt.Errorf("list deployments: %w", err)
	}
	for i := range ds.Items {
		if err := s.deployment(ctx, &ds.Items[i]); err != nil {
			return err
		}
	}
	sts, err := s.c.AppsV1().StatefulSets(s.ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		return fmt.Errorf("list statefulsets: %w", err)
	}
	for i := range sts.Items {
		if err := s.statefulSet(ctx, &sts.Items[i]); err != nil {
			return err
		}
	}
	return nil
}

func (s *seeder) deployment(ctx context.Context, d *appsv1.Deployment) error {
	w, ok := deployments[d.Name]
	if !ok {
		return fmt.Errorf("deployment %s: not in the seed's table of names", d.Name)
	}
	if replicas(d.Spec.Replicas) != int32(len(w.pods)) {
		return fmt.Errorf("deployment %s: %d replicas, the seed's table names %d pods", d.Name, replicas(d.Spec.Replicas), len(w.pods))
	}
	labels := with(d.Spec.Template.Labels, "pod-template-hash", w.hash)
	tmpl := *d.Spec.Template.DeepCopy()
	tmpl.Labels = labels
	rs, err := s.c.AppsV1().ReplicaSets(s.ns).Create(ctx, &appsv1.ReplicaSet{
		ObjectMeta: metav1.ObjectMeta{
			Name: d.Name + "-" + w.hash, Labels: labels,
			Annotations:     map[string]string{"deployment.kubernetes.io/revision": "1", "deployment.kubernetes.io/desired-replicas": strconv.Itoa(len(w.pods))},
			OwnerReferences: []metav1.OwnerReference{controllerRef("apps/v1", "Deployment", d.Name, d.UID)},
		},
		Spec: appsv1.ReplicaSetSpec{
			Replicas: d.Spec.Replicas,
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: tmpl,
		},
	}, metav1.CreateOptions{})
	if err != nil {
		return fmt.Errorf("create replicaset for %s: %w", d.Name, err)
	}
	s.event(ctx, "Deployment", "apps/v1", d.ObjectMeta, "deployment-controller", corev1.EventTypeNormal, "ScalingReplicaSet",
		fmt.Sprintf("Scaled up replica set %s from 0 to %d", rs.Name, len(w.pods)), 1)

	ready := 0
	for _, suffix := range w.pods {
		pod := &corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{
				Name: rs.Name + "-" + suffix, Labels: labels,
				OwnerReferences: []metav1.OwnerReference{controllerRef("apps/v1", "ReplicaSet", rs.Name, rs.UID)},
			},
			Spec: *tmpl.Spec.DeepCopy(),
		}
		p, err := s.createPod(ctx, pod)
		if err != nil {
			return err
		}
		s.event(ctx, "ReplicaSet", "apps/v1", rs.ObjectMeta, "replicaset-controller", corev1.EventTypeNormal, "SuccessfulCreate", "Created pod: "+p.Name, 1)
		if w.fate == imagePullNotFound {
			// Its image is being pulled; stage incidents says how that ends.
			if _, err := s.podStatus(ctx, p, containerCreating); err != nil {
				return err
			}
			continue
		}
		if _, err := s.podStatus(ctx, p, running); err != nil {
			return err
		}
		ready++
	}
	if err := s.workloadStatus(ctx, rs, d, len(w.pods), ready); err != nil {
		return err
	}
	fmt.Printf("seed: deployment %s: replicaset %s, %d pods on %s\n", d.Name, rs.Name, len(w.pods), s.node)
	return nil
}

// statefulSet creates each replica's PVCs (bound to a PV a provisioner
// would have made) and its pod.
func (s *seeder) statefulSet(ctx context.Context, st *appsv1.StatefulSet) error {
	for i := range replicas(st.Spec.Replicas) {
		name := fmt.Sprintf("%s-%d", st.Name, i)
		spec := *st.Spec.Template.Spec.DeepCopy()
		for _, vct := range st.Spec.VolumeClaimTemplates {
			claim := fmt.Sprintf("%s-%s", vct.Name, name)
			if err := s.boundPVC(ctx, claim, st.Spec.Template.Labels, vct.Spec); err != nil {
				return err
			}
			spec.Volumes = append(spec.Volumes, corev1.Volume{Name: vct.Name, VolumeSource: corev1.VolumeSource{
				PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: claim}}})
		}
		labels := with(st.Spec.Template.Labels, "statefulset.kubernetes.io/pod-name", name)
		labels["apps.kubernetes.io/pod-index"] = strconv.Itoa(int(i))
		spec.Hostname, spec.Subdomain = name, st.Spec.ServiceName
		p, err := s.createPod(ctx, &corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels,
				OwnerReferences: []metav1.OwnerReference{controllerRef("apps/v1", "StatefulSet", st.Name, st.UID)}},
			Spec: spec,
		})
		if err != nil {
			return err
		}
		if _, err := s.podStatus(ctx, p, running); err != nil {
			return err
		}
		fmt.Printf("seed: statefulset %s: pod %s on %s\n", st.Name, name, s.node)
	}
	n := replicas(st.Spec.Replicas)
	st.Status = appsv1.StatefulSetStatus{ObservedGeneration: st.Generation, Replicas: n, ReadyReplicas: n,
		CurrentReplicas: n, UpdatedReplicas: n, AvailableReplicas: n}
	if _, err := s.c.AppsV1().StatefulSets(s.ns).UpdateStatus(ctx, st, metav1.UpdateOptions{}); err != nil {
		return fmt.Errorf("statefulset %s status: %w", st.Name, err)
	}
	return nil
}

// boundPVC creates a claim and a PV for it, and binds them as the PV
// controller does after dynamic provisioning.
func (s *seeder) boundPVC(ctx context.Context, name string, labels map[string]string, spec corev1.PersistentVolumeClaimSpec) error {
	pvc, err := s.c.CoreV1().PersistentVolumeClaims(s.ns).Create(ctx, &corev1.PersistentVolumeClaim{
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels, Annotations: map[string]string{
			"volume.kubernetes.io/storage-provisioner": "csi.demo.example", "volume.kubernetes.io/selected-node": s.node}},
		Spec: spec,
	}, metav1.CreateOptions{})
	if err != nil {
		return fmt.Errorf("create pvc %s: %w", name, err)
	}
	size := spec.Resources.Requests[corev1.ResourceStorage]
	pv, err := s.c.CoreV1().PersistentVolumes().Create(ctx, &corev1.PersistentVolume{
		ObjectMeta: metav1.ObjectMeta{Name: "pvc-" + string(pvc.UID),
			Annotations: map[string]string{"pv.kubernetes.io/provisioned-by": "csi.demo.example"}},
		Spec: corev1.PersistentVolumeSpec{
			Capacity:                      corev1.ResourceList{corev1.ResourceStorage: size},
			AccessModes:                   spec.AccessModes,
			StorageClassName:              ptrValue(spec.StorageClassName),
			PersistentVolumeReclaimPolicy: corev1.PersistentVolumeReclaimDelete,
			ClaimRef: &corev1.ObjectReference{Kind: "PersistentVolumeClaim", APIVersion: "v1",
				Namespace: s.ns, Name: name, UID: pvc.UID},
			PersistentVolumeSource: corev1.PersistentVolumeSource{CSI: &corev1.CSIPersistentVolumeSource{
				Driver: "csi.demo.example", VolumeHandle: "vol-" + string(pvc.UID)[:8], FSType: "ext4"}},
		},
	}, metav1.CreateOptions{})
	if err != nil {
		return fmt.Errorf("create pv for %s: %w", name, err)
	}
	pv.Status = corev1.PersistentVolumeStatus{Phase: corev1.VolumeBound}
	if _, err := s.c.CoreV1().PersistentVolumes().UpdateStatus(ctx, pv, metav1.UpdateOptions{}); err != nil {
		return fmt.Errorf("pv %s status: %w", pv.Name, err)
	}
	// volumeName may be set once, by the binder.
	pvc.Spec.VolumeName = pv.Name
	pvc.Annotations["pv.kubernetes.io/bind-completed"] = "yes"
	pvc.Annotations["pv.kubernetes.io/bound-by-controller"] = "yes"
	if pvc, err = s.c.CoreV1().PersistentVolumeClaims(s.ns).Update(ctx, pvc, metav1.UpdateOptions{}); err != nil {
		return fmt.Errorf("bind pvc %s: %w", name, err)
	}
	pvc.Status = corev1.PersistentVolumeClaimStatus{Phase: corev1.ClaimBound, AccessModes: spec.AccessModes,
		Capacity: corev1.ResourceList{corev1.ResourceStorage: size}}
	if _, err := s.c.CoreV1().PersistentVolumeClaims(s.ns).UpdateStatus(ctx, pvc, metav1.UpdateOptions{}); err != nil {
		return fmt.Errorf("pvc %s status: %w", name, err)
	}
	fmt.Printf("seed: pvc %s bound to %s (%s)\n", name, pv.Name, size.String())
	return nil
}

// workloadStatus writes the ReplicaSet's and Deployment's status for n
// replicas of which ready are ready.
func (s *seeder) workloadStatus(ctx context.Context, rs *appsv1.ReplicaSet, d *appsv1.Deployment, n, ready int) error {
	rs, err := s.c.AppsV1().ReplicaSets(s.ns).Get(ctx, rs.Name, metav1.GetOptions{})
	if err != nil {
		return fmt.Errorf("get replicaset %s: %w", rs.Name, err)
	}
	rs.Status = appsv1.ReplicaSetStatus{Replicas: int32(n), FullyLabeledReplicas: int32(n), ReadyReplicas: int32(ready),
		AvailableReplicas: int32(ready), ObservedGeneration: rs.Generation}
	if _, err := s.c.AppsV1().ReplicaSets(s.ns).UpdateStatus(ctx, rs, metav1.UpdateOptions{}); err != nil {
		return fmt.Errorf("replicaset %s status: %w", rs.Name, err)
	}
	d, err = s.c.AppsV1().Deployments(s.ns).Get(ctx, d.Name, metav1.GetOptions{})
	if err != nil {
		return fmt.Errorf("get deployment %s: %w", d.Name, err)
	}
	now := metav1.Now()
	available := appsv1.DeploymentCondition{Type: appsv1.DeploymentAvailable, Status: corev1.ConditionTrue,
		Reason: "MinimumReplicasAvailable", Message: "Deployment has minimum availability.", LastUpdateTime: now, LastTransitionTime: now}
	if ready < n {
		available.Status, available.Reason, available.Message = corev1.ConditionFalse, "MinimumReplicasUnavailable", "Deployment does not have minimum availability."
	}
	d.Status = appsv1.DeploymentStatus{
		ObservedGeneration: d.Generation, Replicas: int32(n), UpdatedReplicas: int32(n), ReadyReplicas: int32(ready),
		AvailableReplicas: int32(ready), UnavailableReplicas: int32(n - ready),
		Conditions: []appsv1.DeploymentCondition{available, {Type: appsv1.DeploymentProgressing, Status: corev1.ConditionTrue,
			Reason: "NewReplicaSetAvailable", Message: fmt.Sprintf("ReplicaSet %q has successfully progressed.", rs.Name),
			LastUpdateTime: now, LastTransitionTime: now}},
	}
	if _, err := s.c.AppsV1().Deployments(s.ns).UpdateStatus(ctx, d, metav1.UpdateOptions{}); err != nil {
		return fmt.Errorf("deployment %s status: %w", d.Name, err)
	}
	return nil
}

func controllerRef(apiVersion, kind, name string, uid types.UID) metav1.OwnerReference {
	t := true
	return metav1.OwnerReference{APIVersion: apiVersion, Kind: kind, Name: name, UID: uid,
		Controller: &t, BlockOwnerDeletion: &t}
}

func replicas(r *int32) int32 {
	if r == nil {
		return 1
	}
	return *r
}

// with copies m and sets k to v.
func with(m map[string]string, k, v string) map[string]string {
	out := make(map[string]string, len(m)+1)
	for mk, mv := range m {
		out[mk] = mv
	}
	out[k] = v
	return out
}

func ptrValue(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
