package executors

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/watchkeeper/watchkeeper/internal/kubelettest"
	"github.com/watchkeeper/watchkeeper/internal/redact"
)

// wlScheduledPod creates a pod bound to node; ready marks it Running and
// Ready since readySince.
func wlScheduledPod(t *testing.T, ns, name, node string, labels map[string]string, readySince *time.Time, containers ...string) {
	t.Helper()
	cs := admin(t)
	p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels}, Spec: corev1.PodSpec{NodeName: node}}
	for _, c := range containers {
		p.Spec.Containers = append(p.Spec.Containers, corev1.Container{Name: c, Image: "app"})
	}
	p, err := cs.CoreV1().Pods(ns).Create(t.Context(), p, metav1.CreateOptions{})
	require.NoError(t, err)
	if readySince == nil {
		return
	}
	p.Status.Phase = corev1.PodRunning
	p.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue,
		LastTransitionTime: metav1.NewTime(*readySince)}}
	_, err = cs.CoreV1().Pods(ns).UpdateStatus(t.Context(), p, metav1.UpdateOptions{})
	require.NoError(t, err)
}

func logsCmd(resource, name, ns string) Command {
	return Command{Tool: ToolKubectl, Verb: "logs", Action: "logs", Resource: resource, Names: []string{name}, Namespace: ns}
}

func TestLogs(t *testing.T) {
	var (
		mu   sync.Mutex
		seen []string
	)
	k, node := wlKubelet(t, kubelettest.Options{Authorize: func(_ context.Context, _ string, _ []string, verb, resource, sub string) error {
		mu.Lock()
		defer mu.Unlock()
		seen = append(seen, verb+" "+resource+"/"+sub)
		return nil
	}})
	ns := wlNamespace(t)
	long := time.Now().Add(-time.Hour)
	wlScheduledPod(t, ns, "one", node, nil, &long, "app")
	wlScheduledPod(t, ns, "multi", node, nil, &long, "a", "b")
	var lines []string
	for i := 1; i <= 10; i++ {
		lines = append(lines, fmt.Sprintf("line %d", i))
	}
	lines = append(lines, "connecting with password=hunter2")
	k.SetLogs(ns, "one", "app", lines, false)
	k.SetLogs(ns, "one", "app", []string{"panic: boom"}, true)
	k.SetLogs(ns, "multi", "b", []string{"from b"}, false)
	old := time.Now().Add(-2 * time.Hour)
	k.SetLogLines(ns, "multi", "a", []kubelettest.LogLine{{Time: old, Text: "old a"}, {Time: time.Now(), Text: "new a"}}, false)

	reader := wlIdentity(t, ns)
	wlGrant(t, ns, reader, wlRule("", "pods", "get", "list"), wlRule("", "pods/log", "get"), wlRule("apps", "deployments", "get"))
	r := newRunner(t, func(o *Options) {
		o.Redact = redact.Default().Line
		o.DefaultTail = 4
		o.MaxTail = 6
	})
	run := func(t *testing.T, cmd Command) Result {
		t.Helper()
		res, err := r.Run(t.Context(), reader, cmd)
		require.NoError(t, err)
		return res
	}

	t.Run("default tail and redaction", func(t *testing.T) {
		res := run(t, logsCmd("pods", "one", ns))
		require.Equal(t, "line 8\nline 9\nline 10\nconnecting with password="+redact.Mask+"\n", res.Text)
		require.NotContains(t, res.Text, "hunter2")
		require.False(t, res.Truncated)
		require.Empty(t, res.Summary)
	})
	t.Run("tail", func(t *testing.T) {
		cmd := logsCmd("pods", "one", ns)
		cmd.Tail = 2
		require.Equal(t, "line 10\nconnecting with password="+redact.Mask+"\n", run(t, cmd).Text)
	})
	t.Run("tail capped", func(t *testing.T) {
		cmd := logsCmd("pods", "one", ns)
		cmd.Tail = 1000
		require.Equal(t, 6, strings.Count(run(t, cmd).Text, "\n"))
	})
	t.Run("previous", func(t *testing.T) {
		cmd := logsCmd("po", "one", ns)
		cmd.Previous = true
		require.Equal(t, "panic: boom\n", run(t, cmd).Text)
	})
	t.Run("no previous", func(t *testing.T) {
		cmd := logsCmd("po", "multi", ns)
		cmd.Container, cmd.Previous = "b", true
		_, err := r.Run(t.Context(), reader, cmd)
		require.Contains(t, wlUserError(t, err), "Error from server")
	})
	t.Run("container must be chosen", func(t *testing.T) {
		_, err := r.Run(t.Context(), reader, logsCmd("pods", "multi", ns))
		require.Equal(t, "a container name must be specified for pod multi, choose one of: [a b]", wlUserError(t, err))
	})
	t.Run("container", func(t *testing.T) {
		cmd := logsCmd("pods", "multi", ns)
		cmd.Container = "b"
		require.Equal(t, "from b\n", run(t, cmd).Text)
	})
	t.Run("since", func(t *testing.T) {
		cmd := logsCmd("pods", "multi", ns)
		cmd.Container, cmd.Since = "a", 90*time.Minute
		require.Equal(t, "new a\n", run(t, cmd).Text)
	})
	t.Run("truncated", func(t *testing.T) {
		small := newRunner(t, func(o *Options) { o.MaxOutputBytes = 10 })
		res, err := small.Run(t.Context(), reader, logsCmd("pods", "one", ns))
		require.NoError(t, err)
		require.True(t, res.Truncated)
		require.LessOrEqual(t, len(res.Text), 10)
		require.Equal(t, "line 1\nlin", res.Text)
	})
	t.Run("forbidden", func(t *testing.T) {
		_, err := r.Run(t.Context(), nobody, logsCmd("pods", "one", ns))
		require.Contains(t, wlUserError(t, err), "The cluster refused: ")
	})

	mu.Lock()
	require.NotEmpty(t, seen)
	for _, s := range seen {
		require.Equal(t, "get nodes/proxy", s, "what the kubelet authorizes /containerLogs as")
	}
	mu.Unlock()
}

func TestLogsWorkload(t *testing.T) {
	k, node := wlKubelet(t, kubelettest.Options{})
	ns := wlNamespace(t)
	wlDeployment(t, ns, "api", "app", 2)
	labels := map[string]string{"app": "api"}
	longAgo, recently := time.Now().Add(-time.Hour), time.Now().Add(-time.Minute)
	wlScheduledPod(t, ns, "api-pending", node, labels, nil, "app")
	wlScheduledPod(t, ns, "api-new", node, labels, &recently, "app")
	wlScheduledPod(t, ns, "api-old", node, labels, &longAgo, "app")
	for _, p := range []string{"api-pending", "api-new", "api-old"} {
		k.SetLogs(ns, p, "app", []string{"hello from " + p}, false)
	}
	reader := wlIdentity(t, ns)
	wlGrant(t, ns, reader, wlRule("", "pods", "get", "list"), wlRule("", "pods/log", "get"), wlRule("apps", "deployments", "get"))
	r := newRunner(t, nil)

	// kubectl's choice (sort.Reverse(podutils.ActivePods)): running and
	// ready before pending, then ready the longest.
	res, err := r.Run(t.Context(), reader, logsCmd("deploy", "api", ns))
	require.NoError(t, err)
	require.Equal(t, "hello from api-old\n", res.Text)
	require.Equal(t, "Found 3 pods, using pod/api-old", res.Summary)

	_, err = r.Run(t.Context(), reader, logsCmd("sts", "api", ns))
	require.Contains(t, wlUserError(t, err), "The cluster refused: ")

	wlDeployment(t, ns, "empty", "app", 1)
	_, err = r.Run(t.Context(), reader, logsCmd("deployments", "empty", ns))
	require.Equal(t, "no pods found for deployment.apps/empty in namespace "+ns, wlUserError(t, err))
}
