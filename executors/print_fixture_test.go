package executors

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"

	"github.com/watchkeeper/watchkeeper/internal/testenv"
)

// Helpers shared by the get, describe and events tests. Prefixed pr so they
// cannot collide with other files' helpers.

// prViewersGroup is viewer's group; prGrantViewers binds it to "view".
const prViewersGroup = "watchkeeper:viewers"

// prGrantViewers binds the built-in view ClusterRole, plus reading nodes
// (which view lacks), to prViewersGroup and waits until the authorizer has
// seen it. Idempotent, so every test can call it.
func prGrantViewers(t *testing.T) {
	t.Helper()
	ctx := t.Context()
	e := testenv.Require(t, env)
	cs := admin(t)
	const nodeReader = "watchkeeper-test:node-reader"
	_, err := cs.RbacV1().ClusterRoles().Create(ctx, &rbacv1.ClusterRole{
		ObjectMeta: metav1.ObjectMeta{Name: nodeReader},
		Rules:      []rbacv1.PolicyRule{{APIGroups: []string{""}, Resources: []string{"nodes"}, Verbs: []string{"get", "list", "watch"}}},
	}, metav1.CreateOptions{})
	prIgnoreExists(t, err)
	for _, role := range []string{"view", nodeReader} {
		_, err := cs.RbacV1().ClusterRoleBindings().Create(ctx, &rbacv1.ClusterRoleBinding{
			ObjectMeta: metav1.ObjectMeta{Name: "watchkeeper-test:viewers:" + role},
			Subjects:   []rbacv1.Subject{{APIGroup: rbacv1.GroupName, Kind: rbacv1.GroupKind, Name: prViewersGroup}},
			RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: role},
		}, metav1.CreateOptions{})
		prIgnoreExists(t, err)
	}
	// Fills view's aggregated rules (there is no controller-manager) and
	// waits for the authorizer to see every binding above.
	require.NoError(t, e.BindClusterRole(ctx, "view", viewer.User))
}

func prIgnoreExists(t *testing.T, err error) {
	t.Helper()
	if !apierrors.IsAlreadyExists(err) {
		require.NoError(t, err)
	}
}

// prNamespace creates a fresh namespace (with the default service account
// pods need; there is no controller-manager) and deletes it after the test.
func prNamespace(t *testing.T) string {
	t.Helper()
	cs := admin(t)
	name := strings.ToLower(regexp.MustCompile(`[^a-zA-Z0-9]+`).ReplaceAllString(t.Name(), "-"))
	if len(name) > 30 {
		name = name[:30]
	}
	ns, err := cs.CoreV1().Namespaces().Create(t.Context(), &corev1.Namespace{
		ObjectMeta: metav1.ObjectMeta{GenerateName: "pr-" + strings.Trim(name, "-") + "-"},
	}, metav1.CreateOptions{})
	require.NoError(t, err)
	t.Cleanup(func() {
		_ = cs.CoreV1().Namespaces().Delete(context.Background(), ns.Name, metav1.DeleteOptions{})
	})
	_, err = cs.CoreV1().ServiceAccounts(ns.Name).Create(t.Context(), &corev1.ServiceAccount{
		ObjectMeta: metav1.ObjectMeta{Name: "default"}}, metav1.CreateOptions{})
	prIgnoreExists(t, err)
	return ns.Name
}

// prFixture is what prWorld created.
type prFixture struct {
	ns     string
	label  string // "pr-test=<ns>", on every object created
	deploy string
	rs     string
	pods   []string // running (restarted), crash-looping
	uids   map[string]types.UID
	node   string
}

// prWorld creates, in a fresh namespace, a Deployment "api" with a
// ReplicaSet and two pods owned by it (statuses patched so READY, STATUS and
// RESTARTS say something), a node with status, and events for a pod. The
// container has env DB_PASSWORD=hunter2 and LOG_LEVEL=debug.
func prWorld(t *testing.T) prFixture {
	t.Helper()
	ctx := t.Context()
	cs := admin(t)
	ns := prNamespace(t)
	f := prFixture{ns: ns, label: "pr-test=" + ns, deploy: "api", rs: "api-6d4cf56db6", node: "node-" + ns, uids: map[string]types.UID{}}
	labels := map[string]string{"app": "api", "pr-test": ns}
	podLabels := map[string]string{"app": "api", "pr-test": ns, "pod-template-hash": "6d4cf56db6"}
	container := corev1.Container{
		Name:  "api",
		Image: "registry.example/api:1.4.2",
		Ports: []corev1.ContainerPort{{Name: "http", ContainerPort: 8080, Protocol: corev1.ProtocolTCP}},
		Env: []corev1.EnvVar{
			{Name: "DB_PASSWORD", Value: "hunter2"},
			{Name: "LOG_LEVEL", Value: "debug"},
		},
		Resources: corev1.ResourceRequirements{Requests: corev1.ResourceList{
			corev1.ResourceCPU: resource.MustParse("100m"), corev1.ResourceMemory: resource.MustParse("64Mi")}},
	}
	podSpec := corev1.PodSpec{Containers: []corev1.Container{container}, AutomountServiceAccountToken: ptr.To(false)}

	dep, err := cs.AppsV1().Deployments(ns).Create(ctx, &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: f.deploy, Labels: labels},
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr.To[int32](2),
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "api"}},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels}, Spec: podSpec},
		},
	}, metav1.CreateOptions{})
	require.NoError(t, err)
	dep.Status = appsv1.DeploymentStatus{
		ObservedGeneration: dep.Generation, Replicas: 2, UpdatedReplicas: 2, ReadyReplicas: 1,
		AvailableReplicas: 1, UnavailableReplicas: 1,
		Conditions: []appsv1.DeploymentCondition{{
			Type: appsv1.DeploymentAvailable, Status: corev1.ConditionFalse, Reason: "MinimumReplicasUnavailable",
			Message: "Deployment does not have minimum availability.",
		}},
	}
	_, err = cs.AppsV1().Deployments(ns).UpdateStatus(ctx, dep, metav1.UpdateOptions{})
	require.NoError(t, err)

	rs, err := cs.AppsV1().ReplicaSets(ns).Create(ctx, &appsv1.ReplicaSet{
		ObjectMeta: metav1.ObjectMeta{
			Name: f.rs, Labels: podLabels,
			Annotations:     map[string]string{"deployment.kubernetes.io/revision": "1"},
			OwnerReferences: []metav1.OwnerReference{*metav1.NewControllerRef(dep, appsv1.SchemeGroupVersion.WithKind("Deployment"))},
		},
		Spec: appsv1.ReplicaSetSpec{
			Replicas: ptr.To[int32](2),
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "api", "pod-template-hash": "6d4cf56db6"}},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: podLabels}, Spec: podSpec},
		},
	}, metav1.CreateOptions{})
	require.NoError(t, err)
	rs.Status = appsv1.ReplicaSetStatus{Replicas: 2, FullyLabeledReplicas: 2, ReadyReplicas: 1, AvailableReplicas: 1, ObservedGeneration: rs.Generation}
	_, err = cs.AppsV1().ReplicaSets(ns).UpdateStatus(ctx, rs, metav1.UpdateOptions{})
	require.NoError(t, err)

	// A node with status, so the NODE column and get nodes show something.
	node, err := cs.CoreV1().Nodes().Create(ctx, &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{Name: f.node, Labels: map[string]string{"pr-test": ns, "kubernetes.io/hostname": f.node}},
	}, metav1.CreateOptions{})
	require.NoError(t, err)
	t.Cleanup(func() { _ = cs.CoreV1().Nodes().Delete(context.Background(), f.node, metav1.DeleteOptions{}) })
	node.Status = corev1.NodeStatus{
		Capacity:    corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("4"), corev1.ResourceMemory: resource.MustParse("8Gi"), corev1.ResourcePods: resource.MustParse("110")},
		Allocatable: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("3800m"), corev1.ResourceMemory: resource.MustParse("7Gi"), corev1.ResourcePods: resource.MustParse("110")},
		Conditions: []corev1.NodeCondition{{
			Type: corev1.NodeReady, Status: corev1.ConditionTrue, Reason: "KubeletReady", Message: "kubelet is posting ready status",
			LastHeartbeatTime: metav1.NewTime(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)), LastTransitionTime: metav1.NewTime(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)),
		}},
		Addresses: []corev1.NodeAddress{{Type: corev1.NodeInternalIP, Address: "10.0.0.7"}, {Type: corev1.NodeHostName, Address: f.node}},
		NodeInfo: corev1.NodeSystemInfo{
			KubeletVersion: "v1.37.2", OSImage: "Debian GNU/Linux 13 (trixie)", KernelVersion: "6.12.0",
			ContainerRuntimeVersion: "containerd://2.1.0", OperatingSystem: "linux", Architecture: "amd64",
		},
	}
	_, err = cs.CoreV1().Nodes().UpdateStatus(ctx, node, metav1.UpdateOptions{})
	require.NoError(t, err)

	started := metav1.NewTime(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	finished := metav1.NewTime(time.Date(2026, 1, 2, 4, 0, 0, 0, time.UTC))
	statuses := []corev1.PodStatus{
		{
			Phase: corev1.PodRunning, PodIP: "10.244.0.11", PodIPs: []corev1.PodIP{{IP: "10.244.0.11"}}, HostIP: "10.0.0.7", StartTime: &started,
			Conditions: []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue}, {Type: corev1.PodScheduled, Status: corev1.ConditionTrue}},
			ContainerStatuses: []corev1.ContainerStatus{{
				Name: "api", Image: container.Image, ImageID: "registry.example/api@sha256:0123", ContainerID: "containerd://abc",
				Ready: true, Started: ptr.To(true), RestartCount: 3,
				State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: finished}},
				LastTerminationState: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{
					ExitCode: 137, Reason: "OOMKilled", StartedAt: started, FinishedAt: finished}},
			}},
		},
		{
			Phase: corev1.PodRunning, PodIP: "10.244.0.12", PodIPs: []corev1.PodIP{{IP: "10.244.0.12"}}, HostIP: "10.0.0.7", StartTime: &started,
			Conditions: []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionFalse}, {Type: corev1.PodScheduled, Status: corev1.ConditionTrue}},
			ContainerStatuses: []corev1.ContainerStatus{{
				Name: "api", Image: container.Image, ImageID: "registry.example/api@sha256:0123", ContainerID: "containerd://def",
				RestartCount: 12, Started: ptr.To(false),
				State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{
					Reason: "CrashLoopBackOff", Message: "back-off 5m0s restarting failed container=api"}},
				LastTerminationState: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{
					ExitCode: 1, Reason: "Error", StartedAt: started, FinishedAt: finished}},
			}},
		},
	}
	for i, suffix := range []string{"x7k2p", "q9zvd"} {
		name := f.rs + "-" + suffix
		spec := podSpec
		spec.NodeName = f.node
		pod, err := cs.CoreV1().Pods(ns).Create(ctx, &corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{
				Name: name, Labels: podLabels,
				OwnerReferences: []metav1.OwnerReference{*metav1.NewControllerRef(rs, appsv1.SchemeGroupVersion.WithKind("ReplicaSet"))},
			},
			Spec: spec,
		}, metav1.CreateOptions{})
		require.NoError(t, err)
		pod.Status = statuses[i]
		_, err = cs.CoreV1().Pods(ns).UpdateStatus(ctx, pod, metav1.UpdateOptions{})
		require.NoError(t, err)
		f.pods = append(f.pods, name)
		f.uids[name] = pod.UID
	}

	// Events out of time order, so the sort is visible; relative to now so
	// ages are minutes, which do not tick during a test.
	now := time.Now()
	ev := func(name, reason, typ, msg, obj string, first, last time.Duration, count int32) {
		_, err := cs.CoreV1().Events(ns).Create(ctx, &corev1.Event{
			ObjectMeta:     metav1.ObjectMeta{Name: name},
			InvolvedObject: corev1.ObjectReference{Kind: "Pod", APIVersion: "v1", Namespace: ns, Name: obj, UID: f.uids[obj]},
			Reason:         reason, Message: msg, Type: typ, Count: count,
			FirstTimestamp: metav1.NewTime(now.Add(-first)), LastTimestamp: metav1.NewTime(now.Add(-last)),
			Source: corev1.EventSource{Component: "kubelet", Host: f.node},
		}, metav1.CreateOptions{})
		require.NoError(t, err)
	}
	ev("ev-backoff", "BackOff", corev1.EventTypeWarning, "Back-off restarting failed container api", f.pods[1], 50*time.Minute, 3*time.Minute, 12)
	ev("ev-pulled", "Pulled", corev1.EventTypeNormal, "Container image \"registry.example/api:1.4.2\" already present on machine", f.pods[0], 40*time.Minute, 40*time.Minute, 1)
	ev("ev-oom", "OOMKilling", corev1.EventTypeWarning, "Memory cgroup out of memory: Killed process 4242 (api)", f.pods[0], 30*time.Minute, 20*time.Minute, 3)
	ev("ev-sched", "Scheduled", corev1.EventTypeNormal, "Successfully assigned "+ns+"/"+f.pods[0]+" to "+f.node, f.pods[0], 55*time.Minute, 55*time.Minute, 1)
	return f
}

// prKubectl runs the real kubectl as id and returns its stdout and stderr as
// one stream, in the order written (as a terminal would show them).
func prKubectl(t *testing.T, id Identity, args ...string) string {
	t.Helper()
	e := testenv.Require(t, env)
	dir, err := testenv.BinDir(t.Context())
	require.NoError(t, err)
	full := []string{"--kubeconfig", e.AdminKubeconfig, "--cache-dir", filepath.Join(t.TempDir(), "cache")}
	if id.User != "" {
		full = append(full, "--as", id.User)
		for _, g := range id.Groups {
			full = append(full, "--as-group", g)
		}
	}
	full = append(full, args...)
	cmd := exec.CommandContext(t.Context(), filepath.Join(dir, "kubectl"), full...)
	cmd.Env = append(os.Environ(), "HOME="+t.TempDir(), "KUBECONFIG=", "KUBECTL_KYAML=false")
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		require.NoError(t, err)
	}
	return string(out)
}

// prAge matches a relative time as kubectl prints it (duration.HumanDuration:
// "0s", "45s", "3m2s", "5h", "2d", "3y45d"; or <unknown>/<invalid>) when it
// stands alone: between blanks, at a line end, or in parentheses such as
// "3 (5m ago)" and "2m (x12 over 50m)". Names like "api-6d4cf56db6" and
// quantities like "100m" inside words are left alone: a bare "100m" (CPU)
// does match, identically on both sides of a comparison.
var prAge = regexp.MustCompile(`(^|[ \t(])((?:[0-9]+[ydhms])+|<unknown>|<invalid>)([ \t)]|$)`)

// prMaskAges replaces each relative time with "<age>", token by token.
func prMaskAges(s string) string {
	lines := strings.Split(s, "\n")
	for i, line := range lines {
		for {
			next := prAge.ReplaceAllString(line, "${1}<age>${3}")
			if next == line {
				break
			}
			line = next
		}
		lines[i] = line
	}
	return strings.Join(lines, "\n")
}

// prSame runs ours and kubectl, and compares them byte for byte after
// masking relative times (prSameExact masks nothing). Ages tick, and a tick can change a column's width,
// so ours runs before and after kubectl: when both runs agree, kubectl (in
// between) saw the same ages, and the comparison is exact. Retried until a
// deadline when a tick fell in between.
func prSame(t *testing.T, ours func() string, kubectl func() string) string {
	t.Helper()
	return prCompare(t, prMaskAges, ours, kubectl)
}

// prSameExact is prSame for output without relative times (YAML, JSON,
// names), where a duration-looking value such as "cpu: 100m" must not be
// masked.
func prSameExact(t *testing.T, ours func() string, kubectl func() string) string {
	t.Helper()
	return prCompare(t, func(s string) string { return s }, ours, kubectl)
}

func prCompare(t *testing.T, mask func(string) string, ours func() string, kubectl func() string) string {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		before := ours()
		theirs := kubectl()
		after := ours()
		if before == after || time.Now().After(deadline) {
			require.Equal(t, mask(theirs), mask(before), "kubectl (expected) vs executor (actual)")
			return before
		}
	}
}

// prRun runs cmd through the Runner as id and fails the test on error.
func prRun(t *testing.T, r *Runner, id Identity, cmd Command) Result {
	t.Helper()
	cmd.Tool = ToolKubectl
	res, err := r.Run(t.Context(), id, cmd)
	require.NoError(t, err, "%s", cmd)
	return res
}
