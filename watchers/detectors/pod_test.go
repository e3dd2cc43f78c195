package detectors_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"

	"github.com/watchkeeper/watchkeeper/notifier"
	"github.com/watchkeeper/watchkeeper/watchers/detectors"
)

const appImage = "registry.example.com/shop/app:1.4.2"

// finding is the part of an alert the table asserts.
type finding struct {
	Container string
	Reason    string
	Cause     string
	Exit      *int32
	Restarts  int32
	Image     string
	Severity  notifier.Severity
}

func project(alerts []notifier.Alert) []finding {
	var out []finding
	for _, a := range alerts {
		out = append(out, finding{a.Container, a.Reason, a.Cause, a.ExitCode, a.Restarts, a.Image, a.Severity})
	}
	return out
}

func exit(n int32) *int32 { return &n }

const (
	critical = notifier.SeverityCritical
	warning  = notifier.SeverityWarning
)

func TestPod(t *testing.T) {
	tests := []struct {
		name string
		pod  *corev1.Pod
		want []finding
	}{
		{name: "healthy", pod: newPod("api")},

		// Crash loops: the cause is the last termination, not the back-off.
		{
			name: "crash loop after OOM kill is one OOMKilled finding",
			pod:  newPod("api", withWaiting("CrashLoopBackOff", "back-off 2m40s restarting failed container=app pod=api_shop(uid-api)"), withLastTerminated("OOMKilled", 137, 30*time.Second), withRestarts(5)),
			want: []finding{
				{"app", "OOMKilled", "OOMKilled (exit code 137)", exit(137), 5, appImage, critical},
			},
		},
		{
			name: "crash loop with error exit whose last run is outside the restart window",
			pod:  newPod("api", withWaiting("CrashLoopBackOff"), withLastTerminated("Error", 1, 20*time.Minute), withRestarts(12)),
			want: []finding{{"app", "CrashLoopBackOff", "Error (exit code 1)", exit(1), 12, appImage, critical}},
		},
		{
			name: "crash loop on SIGSEGV",
			pod:  newPod("api", withWaiting("CrashLoopBackOff"), withLastTerminated("Error", 139, 20*time.Minute), withRestarts(3)),
			want: []finding{{"app", "CrashLoopBackOff", "killed by signal SIGSEGV (exit code 139)", exit(139), 3, appImage, critical}},
		},
		{
			name: "crash loop with the signal reported by the runtime",
			pod:  newPod("api", withWaiting("CrashLoopBackOff"), withLastTerminated("Error", 2, 20*time.Minute), withLastSignal(6), withRestarts(3)),
			want: []finding{{"app", "CrashLoopBackOff", "killed by signal SIGABRT (exit code 2)", exit(2), 3, appImage, critical}},
		},
		{
			name: "crash loop on exit 137 without OOM reads as a plain exit code",
			pod:  newPod("api", withWaiting("CrashLoopBackOff"), withLastTerminated("Error", 137, 20*time.Minute), withRestarts(3)),
			want: []finding{{"app", "CrashLoopBackOff", "Error (exit code 137)", exit(137), 3, appImage, critical}},
		},
		{
			name: "crash loop on a command that cannot run (docker)",
			pod: newPod("api", withWaiting("CrashLoopBackOff"), withLastTerminated("ContainerCannotRun", 127, 20*time.Minute),
				withLastMessage(`OCI runtime create failed: container_linux.go:380: starting container process caused: exec: "serve": executable file not found in $PATH: unknown`), withRestarts(4)),
			want: []finding{{"app", "CrashLoopBackOff", `ContainerCannotRun: OCI runtime create failed: container_linux.go:380: starting container process caused: exec: "serve": executable file not found in $PATH`, exit(127), 4, appImage, critical}},
		},
		{
			name: "crash loop on a command that cannot start (containerd)",
			pod: newPod("api", withWaiting("CrashLoopBackOff"), withLastTerminated("StartError", 128, 20*time.Minute),
				withLastMessage(`failed to create containerd task: failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: error during container init: exec: "serve": executable file not found in $PATH: unknown`), withRestarts(4)),
			want: []finding{{"app", "CrashLoopBackOff", `StartError: exec: "serve": executable file not found in $PATH`, exit(128), 4, appImage, critical}},
		},
		{
			name: "crash loop whose last termination the kubelet lost",
			pod:  newPod("api", withWaiting("CrashLoopBackOff"), withRestarts(7)),
			want: []finding{{"app", "CrashLoopBackOff", "back-off restarting failed container", nil, 7, appImage, critical}},
		},

		// Restarts before (or without) back-off, seen through the last termination.
		{
			name: "running again after an OOM kill",
			pod:  newPod("api", withRunning(90*time.Second), withLastTerminated("OOMKilled", 137, 2*time.Minute), withRestarts(1)),
			want: []finding{{"app", "OOMKilled", "OOMKilled (exit code 137)", exit(137), 1, appImage, critical}},
		},
		{
			name: "running again after an error exit",
			pod:  newPod("api", withRunning(50*time.Second), withLastTerminated("Error", 2, time.Minute), withRestarts(1)),
			// Same reason as the back-off that usually follows: one incident per crash cycle.
			want: []finding{{"app", "CrashLoopBackOff", "Error (exit code 2)", exit(2), 1, appImage, warning}},
		},
		{
			name: "waiting to start again after a liveness kill",
			pod:  newPod("api", withWaiting("ContainerCreating"), withLastTerminated("Error", 143, 5*time.Second), withRestarts(2)),
			want: []finding{{"app", "CrashLoopBackOff", "Error (exit code 143)", exit(143), 2, appImage, warning}},
		},
		{
			name: "error exit older than the restart window",
			pod:  newPod("api", withRunning(29*time.Minute), withLastTerminated("Error", 2, 30*time.Minute), withRestarts(1)),
		},
		{
			name: "clean exit and restart",
			pod:  newPod("api", withRunning(time.Minute), withLastTerminated("Completed", 0, time.Minute), withRestarts(3)),
		},

		// Image pulls: ErrImagePull and ImagePullBackOff are one incident.
		{
			name: "image tag not found, image taken from spec",
			pod: newPod("api", withWaiting("ErrImagePull", `rpc error: code = NotFound desc = failed to pull and unpack image "registry.example.com/shop/app:1.4.2": failed to resolve reference "registry.example.com/shop/app:1.4.2": registry.example.com/shop/app:1.4.2: not found`),
				withoutStatusImage(), withPhase(corev1.PodPending)),
			want: []finding{{"app", "ImagePullBackOff", "image not found", nil, 0, appImage, critical}},
		},
		{
			name: "back-off after unauthorized pull",
			pod: newPod("api", withWaiting("ImagePullBackOff", `Back-off pulling image "ghcr.io/acme/private:1.2": ErrImagePull: failed to pull and unpack image "ghcr.io/acme/private:1.2": failed to resolve reference "ghcr.io/acme/private:1.2": failed to authorize: failed to fetch anonymous token: unexpected status from GET request to https://ghcr.io/token?scope=repository%3Aacme%2Fprivate%3Apull&service=ghcr.io: 401 Unauthorized`),
				withContainerImage("ghcr.io/acme/private:1.2"), withPhase(corev1.PodPending)),
			want: []finding{{"app", "ImagePullBackOff", "unauthorized", nil, 0, "ghcr.io/acme/private:1.2", critical}},
		},
		{
			name: "docker hub cannot tell missing from private",
			pod: newPod("api", withWaiting("ErrImagePull", `failed to pull and unpack image "docker.io/acme/secret-app:1": failed to resolve reference "docker.io/acme/secret-app:1": pull access denied, repository does not exist or may require authorization: server message: insufficient_scope: authorization failed`),
				withContainerImage("acme/secret-app:1"), withPhase(corev1.PodPending)),
			want: []finding{{"app", "ImagePullBackOff", "image not found or unauthorized", nil, 0, "acme/secret-app:1", critical}},
		},
		{
			name: "registry host does not resolve",
			pod: newPod("api", withWaiting("ErrImagePull", `rpc error: code = Unknown desc = failed to pull and unpack image "registry.internal:5000/app:1": failed to resolve reference "registry.internal:5000/app:1": failed to do request: Head "https://registry.internal:5000/v2/app/manifests/1": dial tcp: lookup registry.internal on 10.96.0.10:53: no such host`),
				withContainerImage("registry.internal:5000/app:1"), withPhase(corev1.PodPending)),
			want: []finding{{"app", "ImagePullBackOff", "timeout/network", nil, 0, "registry.internal:5000/app:1", critical}},
		},
		{
			name: "registry unavailable",
			pod: newPod("api", withWaiting("RegistryUnavailable", `image pull failed for quay.io/acme/app:2 because the registry is unavailable: 503 Service Unavailable`),
				withContainerImage("quay.io/acme/app:2"), withPhase(corev1.PodPending)),
			want: []finding{{"app", "ImagePullBackOff", "timeout/network", nil, 0, "quay.io/acme/app:2", critical}},
		},
		{
			name: "docker hub rate limit",
			pod: newPod("api", withWaiting("ErrImagePull", `failed to pull and unpack image "docker.io/library/redis:7": failed to copy: httpReadSeeker: failed open: unexpected status code https://registry-1.docker.io/v2/library/redis/manifests/sha256:4040aa: 429 Too Many Requests - Server message: toomanyrequests: You have reached your pull rate limit.`),
				withContainerImage("redis:7"), withPhase(corev1.PodPending)),
			want: []finding{{"app", "ImagePullBackOff", "rate limited", nil, 0, "redis:7", critical}},
		},
		{
			name: "image name that looks like an error word",
			pod: newPod("api", withWaiting("ErrImagePull", `failed to pull and unpack image "docker.io/acme/timeout-svc:3": failed to resolve reference "docker.io/acme/timeout-svc:3": docker.io/acme/timeout-svc:3: not found`),
				withContainerImage("acme/timeout-svc:3"), withPhase(corev1.PodPending)),
			want: []finding{{"app", "ImagePullBackOff", "image not found", nil, 0, "acme/timeout-svc:3", critical}},
		},
		{
			name: "unclassified pull failure",
			pod:  newPod("api", withWaiting("ErrImagePull", `failed to unpack image on snapshotter overlayfs: mismatched image rootfs and manifest layers`), withPhase(corev1.PodPending)),
			want: []finding{{"app", "ImagePullBackOff", "other", nil, 0, appImage, critical}},
		},
		{
			name: "invalid image name",
			pod: newPod("api", withWaiting("InvalidImageName", `Failed to apply default image tag "Shop/App:1": couldn't parse image name "Shop/App:1": invalid reference format: repository name must be lowercase`),
				withContainerImage("Shop/App:1"), withPhase(corev1.PodPending)),
			want: []finding{{"app", "InvalidImageName", "invalid image name", nil, 0, "Shop/App:1", critical}},
		},
		{
			name: "image absent with pull policy Never",
			pod:  newPod("api", withWaiting("ErrImageNeverPull", `Container image "registry.example.com/shop/app:1.4.2" is not present with pull policy of Never`), withPhase(corev1.PodPending)),
			want: []finding{{"app", "ErrImageNeverPull", "image not present and pull policy Never", nil, 0, appImage, critical}},
		},

		// Configuration errors.
		{
			name: "missing secret",
			pod:  newPod("api", withWaiting("CreateContainerConfigError", `secret "db" not found`), withPhase(corev1.PodPending)),
			want: []finding{{"app", "CreateContainerConfigError", `secret "db" not found`, nil, 0, appImage, critical}},
		},
		{
			name: "missing secret key",
			pod:  newPod("api", withWaiting("CreateContainerConfigError", `couldn't find key password in Secret shop/db`), withPhase(corev1.PodPending)),
			want: []finding{{"app", "CreateContainerConfigError", `couldn't find key password in Secret shop/db`, nil, 0, appImage, critical}},
		},
		{
			name: "container cannot be created",
			pod:  newPod("api", withWaiting("CreateContainerError", "Error: failed to generate container \"0123\" spec:\n failed to generate spec: no command specified"), withPhase(corev1.PodPending)),
			want: []finding{{"app", "CreateContainerError", `failed to generate container "0123" spec: failed to generate spec: no command specified`, nil, 0, appImage, critical}},
		},
		{
			name: "container cannot be run",
			pod: newPod("api", withWaiting("RunContainerError", `failed to create containerd task: failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: error during container init: exec: "serve": executable file not found in $PATH: unknown`),
				withRestarts(1)),
			want: []finding{{"app", "RunContainerError", `exec: "serve": executable file not found in $PATH`, nil, 1, appImage, critical}},
		},

		// Init containers and ordering.
		{
			name: "init container crash loop blocks the app",
			pod: newPod("api", withPhase(corev1.PodPending), withWaiting("PodInitializing"),
				withInit("migrate", "registry.example.com/shop/migrate:7"), withWaiting("CrashLoopBackOff"), withLastTerminated("Error", 1, 20*time.Minute), withRestarts(6)),
			want: []finding{{"migrate", "CrashLoopBackOff", "Error (exit code 1)", exit(1), 6, "registry.example.com/shop/migrate:7", critical}},
		},
		{
			name: "init containers first, then containers in spec order",
			pod: func() *corev1.Pod {
				p := newPod("api",
					withWaiting("CreateContainerConfigError", `configmap "app" not found`),
					withContainer("proxy", "envoyproxy/envoy:v1.31"), withWaiting("ErrImagePull", "manifest unknown"),
					withInit("sidecar", "fluent/fluent-bit:3"), withNativeSidecar(), withWaiting("CrashLoopBackOff"), withLastTerminated("Error", 1, 20*time.Minute), withRestarts(2))
				// The API server does not promise status order matches spec order.
				s := p.Status.ContainerStatuses
				s[0], s[1] = s[1], s[0]
				return p
			}(),
			want: []finding{
				{"sidecar", "CrashLoopBackOff", "Error (exit code 1)", exit(1), 2, "fluent/fluent-bit:3", critical},
				{"app", "CreateContainerConfigError", `configmap "app" not found`, nil, 0, appImage, critical},
				{"proxy", "ImagePullBackOff", "image not found", nil, 0, "envoyproxy/envoy:v1.31", critical},
			},
		},

		// Failed pods.
		{
			name: "evicted for memory pressure",
			pod: newPod("api", withPhase(corev1.PodFailed),
				withPodReason("Evicted", "The node was low on resource: memory. Threshold quantity: 100Mi, available: 51200Ki. Container app was using 1Gi, request is 256Mi, has larger consumption of memory."),
				withCondition(corev1.DisruptionTarget, corev1.ConditionTrue, corev1.PodReasonTerminationByKubelet, "The node was low on resource: memory.", time.Minute),
				withTerminated("Error", 137, time.Minute)),
			want: []finding{{"", "Evicted", "The node was low on resource: memory. Threshold quantity: 100Mi, available: 51200Ki. Container app was using 1Gi, request is 256Mi, has larger consumption of memory.", nil, 0, "", warning}},
		},
		{
			name: "bare pod failed",
			pod:  newPod("api", withPhase(corev1.PodFailed), withTerminated("Error", 2, time.Minute)),
			want: []finding{{"app", "PodFailed", "Error (exit code 2)", exit(2), 0, appImage, warning}},
		},
		{
			name: "job pod failed",
			pod:  newPod("backup-29123", withOwner("Job", "batch/v1", "backup-29123"), withPhase(corev1.PodFailed), withTerminated("Error", 1, time.Minute)),
			want: []finding{{"app", "JobFailed", "Error (exit code 1)", exit(1), 0, appImage, warning}},
		},
		{
			name: "job pod failed in an init container",
			pod: newPod("backup-29123", withOwner("Job", "batch/v1", "backup-29123"), withPhase(corev1.PodFailed),
				withWaiting("PodInitializing"),
				withInit("fetch", "curlimages/curl:8"), withTerminated("OOMKilled", 137, 2*time.Minute)),
			want: []finding{{"fetch", "JobFailed", "OOMKilled (exit code 137)", exit(137), 0, "curlimages/curl:8", warning}},
		},
		{
			name: "job pod past its deadline",
			pod: newPod("backup-29123", withOwner("Job", "batch/v1", "backup-29123"), withPhase(corev1.PodFailed),
				withPodReason("DeadlineExceeded", "Pod was active on the node longer than the specified deadline"), withTerminated("Error", 137, time.Minute)),
			want: []finding{{"", "JobFailed", "DeadlineExceeded: Pod was active on the node longer than the specified deadline", nil, 0, "", warning}},
		},
		{
			name: "pod owned by a non-batch Job kind is a plain pod failure",
			pod:  newPod("x", withOwner("Job", "example.com/v1", "x"), withPhase(corev1.PodFailed), withTerminated("Error", 1, time.Minute)),
			want: []finding{{"app", "PodFailed", "Error (exit code 1)", exit(1), 0, appImage, warning}},
		},

		// Pending.
		{
			name: "unschedulable past the threshold",
			pod: newPod("api", withUnscheduled(12*time.Minute),
				withCondition(corev1.PodScheduled, corev1.ConditionFalse, corev1.PodReasonUnschedulable, "0/3 nodes are available: 3 Insufficient cpu. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.", 12*time.Minute)),
			want: []finding{{"", "Unschedulable", "0/3 nodes are available: 3 Insufficient cpu. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.", nil, 0, "", warning}},
		},
		{
			name: "unschedulable within the threshold",
			pod: newPod("api", withUnscheduled(2*time.Minute),
				withCondition(corev1.PodScheduled, corev1.ConditionFalse, corev1.PodReasonUnschedulable, "0/3 nodes are available: 3 Insufficient cpu.", 2*time.Minute)),
		},
		{
			name: "scheduling gated on purpose",
			pod: newPod("api", withUnscheduled(time.Hour),
				withCondition(corev1.PodScheduled, corev1.ConditionFalse, corev1.PodReasonSchedulingGated, "Scheduling is blocked due to non-empty scheduling gates", time.Hour)),
		},
		{
			name: "never picked up by a scheduler",
			pod:  newPod("api", withUnscheduled(10*time.Minute), withSchedulerName("batch-scheduler")),
			want: []finding{{"", "PendingTooLong", "not scheduled (schedulerName batch-scheduler)", nil, 0, "", warning}},
		},
		{
			name: "stuck creating the container",
			pod:  newPod("api", withScheduled(8*time.Minute)),
			want: []finding{{"", "PendingTooLong", `container "app" waiting: ContainerCreating`, nil, 0, "", warning}},
		},
		{
			name: "creating the container within the threshold",
			pod:  newPod("api", withScheduled(time.Minute)),
		},
		{
			name: "init container never finishes",
			pod: newPod("api", withScheduled(20*time.Minute), on("app"), withWaiting("PodInitializing"),
				withInit("wait-for-db", "busybox:1.36"), withRunning(20*time.Minute)),
			want: []finding{{"", "PendingTooLong", `init container "wait-for-db" still running`, nil, 0, "", warning}},
		},

		// Not problems.
		{
			name: "terminating pod in a crash loop",
			pod:  newPod("api", withDeletion(), withWaiting("CrashLoopBackOff"), withLastTerminated("Error", 1, time.Minute), withRestarts(5)),
		},
		{
			name: "terminating pod whose container stopped on SIGTERM",
			pod:  newPod("api", withDeletion(), withTerminated("Error", 143, 5*time.Second)),
		},
		{
			name: "preempted pod",
			pod: newPod("api", withCondition(corev1.DisruptionTarget, corev1.ConditionTrue, corev1.PodReasonPreemptionByScheduler, "preempted by shop/critical", 5*time.Second),
				withWaiting("CrashLoopBackOff"), withLastTerminated("Error", 1, time.Minute), withRestarts(5)),
		},
		{
			name: "pod failed by graceful node shutdown",
			pod: newPod("api", withPhase(corev1.PodFailed), withPodReason("Terminated", "Pod was terminated in response to imminent node shutdown."),
				withCondition(corev1.DisruptionTarget, corev1.ConditionTrue, corev1.PodReasonTerminationByKubelet, "Pod was terminated in response to imminent node shutdown.", time.Minute),
				withTerminated("Error", 143, time.Minute)),
		},
		{
			name: "succeeded",
			pod:  newPod("job-1", withPhase(corev1.PodSucceeded), withTerminated("Completed", 0, time.Minute)),
		},
		{
			name: "succeeded after a container stopped on SIGTERM",
			pod:  newPod("job-1", withPhase(corev1.PodSucceeded), withTerminated("Error", 143, time.Minute)),
		},
		{
			name: "creating containers",
			pod:  newPod("api", withScheduled(30*time.Second), withWaiting("ContainerCreating")),
		},
		{
			name: "initializing",
			pod:  newPod("api", withScheduled(30*time.Second), withWaiting("PodInitializing"), withInit("setup", "busybox:1.36"), withRunning(10*time.Second)),
		},
		{name: "nil pod", pod: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var before *corev1.Pod
			if tt.pod != nil {
				before = tt.pod.DeepCopy()
			}
			got := detectors.Pod(tt.pod, now, detectors.Config{})
			require.Equal(t, tt.want, project(got))
			require.Equal(t, before, tt.pod, "Pod must not mutate the cached object")
		})
	}
}

func withContainerImage(image string) podOpt {
	return func(b *podBuilder) {
		b.status().Image = image
		b.pod.Spec.Containers[b.statusAt].Image = image
	}
}

func withSchedulerName(name string) podOpt {
	return func(b *podBuilder) { b.pod.Spec.SchedulerName = name }
}

// TestPodFillsAlert checks every field of one alert, including the ones the
// table leaves out.
func TestPodFillsAlert(t *testing.T) {
	pod := newPod("api-7d9f-x2x", withWaiting("CrashLoopBackOff", "back-off 5m0s restarting failed container=app"),
		withLastTerminated("Error", 1, 40*time.Second), withLastMessage("panic: connect to db: dial tcp 10.0.0.5:5432: connection refused"), withRestarts(9))

	got := detectors.Pod(pod, now, detectors.Config{})

	require.Len(t, got, 1, "a crash loop is one finding")
	require.Equal(t, notifier.Alert{
		Object:    notifier.ObjectRef{Kind: notifier.KindPod, Namespace: "shop", Name: "api-7d9f-x2x", UID: "uid-api-7d9f-x2x"},
		Container: "app",
		Node:      "node-1",
		Reason:    "CrashLoopBackOff",
		Cause:     "Error (exit code 1)",
		Message:   "panic: connect to db: dial tcp 10.0.0.5:5432: connection refused",
		ExitCode:  exit(1),
		Restarts:  9,
		Image:     appImage,
		Severity:  critical,
		Labels:    map[string]string{"app": "shop"},
		Since:     now.Add(-40 * time.Second),
	}, got[0])

	// Labels are a copy: the notifier may keep the alert after the informer
	// has replaced the pod.
	got[0].Labels["app"] = "changed"
	require.Equal(t, "shop", pod.Labels["app"])
}

func TestPodSince(t *testing.T) {
	tests := []struct {
		name string
		pod  *corev1.Pod
		want time.Time
	}{
		{"crash loop: last termination", newPod("api", withWaiting("CrashLoopBackOff"), withLastTerminated("Error", 1, 3*time.Minute), withRestarts(2)), now.Add(-3 * time.Minute)},
		{"image pull: pod start", newPod("api", withScheduled(7*time.Minute), withWaiting("ImagePullBackOff")), now.Add(-7 * time.Minute)},
		{"unschedulable: condition transition", newPod("api", withUnscheduled(time.Hour), withCondition(corev1.PodScheduled, corev1.ConditionFalse, corev1.PodReasonUnschedulable, "no nodes", 30*time.Minute)), now.Add(-30 * time.Minute)},
		{"stuck creating: scheduled", newPod("api", withScheduled(9*time.Minute)), now.Add(-9 * time.Minute)},
		{"not scheduled: created", newPod("api", withUnscheduled(11*time.Minute)), now.Add(-11 * time.Minute)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := detectors.Pod(tt.pod, now, detectors.Config{})
			require.NotEmpty(t, got)
			require.Equal(t, tt.want, got[0].Since)
		})
	}
}

func TestPodConfig(t *testing.T) {
	recentError := newPod("api", withRunning(4*time.Minute), withLastTerminated("Error", 1, 5*time.Minute), withRestarts(1))
	unschedulable := newPod("api", withUnscheduled(3*time.Minute),
		withCondition(corev1.PodScheduled, corev1.ConditionFalse, corev1.PodReasonUnschedulable, "no nodes", 3*time.Minute))

	require.Len(t, detectors.Pod(recentError, now, detectors.Config{}), 1)
	require.Empty(t, detectors.Pod(recentError, now, detectors.Config{RecentRestartWindow: 2 * time.Minute}))

	require.Empty(t, detectors.Pod(unschedulable, now, detectors.Config{}))
	require.Len(t, detectors.Pod(unschedulable, now, detectors.Config{PendingThreshold: time.Minute}), 1)
}

func TestConfigWithDefaults(t *testing.T) {
	require.Equal(t, detectors.Config{
		PendingThreshold: 5 * time.Minute, RecentRestartWindow: 10 * time.Minute,
		NodeNotReadyGrace: time.Minute, NodeStartupGrace: 5 * time.Minute,
		PVCPendingThreshold: 5 * time.Minute, PVCResizeEventWindow: 30 * time.Minute,
	}, detectors.Config{}.WithDefaults())
	got := detectors.Config{PendingThreshold: -1, RecentRestartWindow: time.Minute}.WithDefaults()
	require.Equal(t, 5*time.Minute, got.PendingThreshold)
	require.Equal(t, time.Minute, got.RecentRestartWindow)
}

func BenchmarkPodHealthy(b *testing.B) {
	pod := newPod("api", withContainer("proxy", "envoyproxy/envoy:v1.31"), withInit("setup", "busybox:1.36"))
	cfg := detectors.Config{}.WithDefaults()
	b.ReportAllocs()
	for b.Loop() {
		if detectors.Pod(pod, now, cfg) != nil {
			b.Fatal("healthy pod alerted")
		}
	}
}

func BenchmarkPodCrashLoop(b *testing.B) {
	pod := newPod("api", withWaiting("CrashLoopBackOff"), withLastTerminated("OOMKilled", 137, 30*time.Second), withRestarts(5),
		withContainer("proxy", "envoyproxy/envoy:v1.31"))
	cfg := detectors.Config{}.WithDefaults()
	b.ReportAllocs()
	for b.Loop() {
		if len(detectors.Pod(pod, now, cfg)) != 1 {
			b.Fatal("want one finding (the crash loop)")
		}
	}
}
