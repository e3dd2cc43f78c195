package executors

import (
	"testing"

	"github.com/stretchr/testify/require"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

func scaleCmd(resource, name, ns string, replicas int32) Command {
	return Command{Tool: ToolKubectl, Verb: "scale", Action: "scale", Resource: resource, Names: []string{name},
		Namespace: ns, Replicas: ptr.To(replicas), Mutating: true}
}

func TestScale(t *testing.T) {
	ns := wlNamespace(t)
	wlDeployment(t, ns, "api", "nginx:1", 2)
	ops := wlIdentity(t, ns)
	wlGrant(t, ns, ops, wlRule("apps", "deployments/scale", "get", "update"))
	r := newRunner(t, func(o *Options) { o.MaxReplicas = 10 })
	replicas := func() int32 {
		d, err := admin(t).AppsV1().Deployments(ns).Get(t.Context(), "api", metav1.GetOptions{})
		require.NoError(t, err)
		return *d.Spec.Replicas
	}

	res, err := r.Run(t.Context(), ops, scaleCmd("deploy", "api", ns, 5))
	require.NoError(t, err)
	require.Equal(t, "deployment.apps/api scaled", res.Summary)
	require.Equal(t, "deployment.apps/api scaled from 2 to 5 replicas\n", res.Text)
	require.Equal(t, int32(5), replicas())

	t.Run("at the bound", func(t *testing.T) {
		_, err := r.Run(t.Context(), ops, scaleCmd("deployments.apps", "api", ns, 10))
		require.NoError(t, err)
		require.Equal(t, int32(10), replicas())
	})
	t.Run("above the bound", func(t *testing.T) {
		_, err := r.Run(t.Context(), ops, scaleCmd("deploy", "api", ns, 11))
		require.Equal(t, "Refusing to scale to 11 replicas: the limit from chat is 10.", wlUserError(t, err))
		require.Equal(t, int32(10), replicas())
	})
	t.Run("other kinds refused", func(t *testing.T) {
		_, err := r.Run(t.Context(), ops, scaleCmd("ds", "api", ns, 1))
		require.Equal(t, "scale is not supported for daemonsets; it works on deployments, statefulsets, replicasets.", wlUserError(t, err))
	})
	t.Run("forbidden", func(t *testing.T) {
		_, err := r.Run(t.Context(), nobody, scaleCmd("deploy", "api", ns, 1))
		require.Contains(t, wlUserError(t, err), "The cluster refused: ")
		require.Equal(t, int32(10), replicas())
	})
}
