package executors

import (
	"testing"

	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func wlPod(t *testing.T, ns, name string, labels map[string]string, containers ...string) *corev1.Pod {
	t.Helper()
	if len(containers) == 0 {
		containers = []string{"app"}
	}
	p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels}}
	for _, c := range containers {
		p.Spec.Containers = append(p.Spec.Containers, corev1.Container{Name: c, Image: "nginx"})
	}
	p, err := admin(t).CoreV1().Pods(ns).Create(t.Context(), p, metav1.CreateOptions{})
	require.NoError(t, err)
	return p
}

func TestDelete(t *testing.T) {
	ns := wlNamespace(t)
	labels := map[string]string{"app": "api"}
	wlPod(t, ns, "api-1", labels)
	wlPod(t, ns, "api-2", labels)
	ops := wlIdentity(t, ns)
	wlGrant(t, ns, ops, wlRule("", "pods", "delete"), wlRule("apps", "deployments", "delete"))
	r := newRunner(t, nil)
	del := func(resource string, names ...string) Command {
		return Command{Tool: ToolKubectl, Verb: "delete", Action: "delete", Resource: resource, Names: names, Namespace: ns, Mutating: true}
	}
	pods := func() []string {
		l, err := admin(t).CoreV1().Pods(ns).List(t.Context(), metav1.ListOptions{})
		require.NoError(t, err)
		var names []string
		for _, p := range l.Items {
			names = append(names, p.Name)
		}
		return names
	}

	t.Run("refusals", func(t *testing.T) {
		sel := del("pods")
		sel.Selector = "app=api"
		all := del("pods", "api-1")
		all.AllNamespaces = true
		for name, cmd := range map[string]Command{
			"two names":     del("po", "api-1", "api-2"),
			"no name":       del("pods"),
			"selector":      sel,
			"all namespace": all,
		} {
			_, err := r.Run(t.Context(), ops, cmd)
			require.Equal(t, "delete works on exactly one named object (TYPE/NAME), not on selectors or lists.", wlUserError(t, err), name)
		}
		wlDeployment(t, ns, "api", "nginx", 1)
		_, err := r.Run(t.Context(), ops, del("deploy", "api"))
		require.Equal(t, "delete is not supported for deployments; it works on pods.", wlUserError(t, err))
		require.ElementsMatch(t, []string{"api-1", "api-2"}, pods())
	})
	t.Run("forbidden", func(t *testing.T) {
		_, err := r.Run(t.Context(), nobody, del("pod", "api-1"))
		require.Contains(t, wlUserError(t, err), "The cluster refused: ")
		require.ElementsMatch(t, []string{"api-1", "api-2"}, pods())
	})
	t.Run("one pod", func(t *testing.T) {
		res, err := r.Run(t.Context(), ops, del("po", "api-1"))
		require.NoError(t, err)
		require.Equal(t, `pod "api-1" deleted`, res.Summary)
		require.Equal(t, []string{"api-2"}, pods())
		_, err = admin(t).CoreV1().Pods(ns).Get(t.Context(), "api-1", metav1.GetOptions{})
		require.True(t, apierrors.IsNotFound(err))
	})
	t.Run("missing pod", func(t *testing.T) {
		_, err := r.Run(t.Context(), ops, del("pods", "api-1"))
		require.Equal(t, `Error from server: pods "api-1" not found`, wlUserError(t, err))
	})
}
