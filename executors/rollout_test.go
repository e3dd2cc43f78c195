package executors

import (
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

func rolloutCmd(sub, resource, name, ns string) Command {
	return Command{Tool: ToolKubectl, Verb: "rollout", Sub: sub, Resource: resource, Names: []string{name}, Namespace: ns,
		Mutating: sub == "restart" || sub == "undo"}
}

// wlRevisions gives Deployment d ReplicaSets for revisions 1..len(images), as
// the deployment controller (absent here) would: owned by d, labelled with
// its selector, annotated with the revision; causes[i] is the change-cause.
func wlRevisions(t *testing.T, d *appsv1.Deployment, images, causes []string) {
	t.Helper()
	for i, image := range images {
		rev := strconv.Itoa(i + 1)
		labels := map[string]string{"app": d.Name, "pod-template-hash": "h" + rev}
		ann := map[string]string{"deployment.kubernetes.io/revision": rev}
		if causes[i] != "" {
			ann["kubernetes.io/change-cause"] = causes[i]
		}
		_, err := admin(t).AppsV1().ReplicaSets(d.Namespace).Create(t.Context(), &appsv1.ReplicaSet{
			ObjectMeta: metav1.ObjectMeta{
				Name: d.Name + "-h" + rev, Labels: labels, Annotations: ann,
				OwnerReferences: []metav1.OwnerReference{{
					APIVersion: "apps/v1", Kind: "Deployment", Name: d.Name, UID: d.UID, Controller: ptr.To(true),
				}},
			},
			Spec: appsv1.ReplicaSetSpec{
				Replicas: ptr.To(int32(0)),
				Selector: &metav1.LabelSelector{MatchLabels: labels},
				Template: wlTemplate(labels, image),
			},
		}, metav1.CreateOptions{})
		require.NoError(t, err)
	}
}

func TestRolloutRestart(t *testing.T) {
	ns := wlNamespace(t)
	wlDeployment(t, ns, "api", "nginx:1", 1)
	ops := wlIdentity(t, ns)
	wlGrant(t, ns, ops, wlRule("apps", "deployments", "get", "patch"))
	r := newRunner(t, nil)

	before := time.Now().Add(-time.Second)
	res, err := r.Run(t.Context(), ops, rolloutCmd("restart", "deploy", "api", ns))
	require.NoError(t, err)
	require.Equal(t, "deployment.apps/api restarted", res.Summary)
	require.Equal(t, "deployment.apps/api restarted\n", res.Text)

	d, err := admin(t).AppsV1().Deployments(ns).Get(t.Context(), "api", metav1.GetOptions{})
	require.NoError(t, err)
	at, err := time.Parse(time.RFC3339, d.Spec.Template.Annotations["kubectl.kubernetes.io/restartedAt"])
	require.NoError(t, err, "restartedAt annotation")
	require.False(t, at.Before(before.Truncate(time.Second)))
	// kubectl's field manager owns the annotation.
	var managers []string
	for _, mf := range d.ManagedFields {
		managers = append(managers, mf.Manager)
	}
	require.Contains(t, managers, "kubectl-rollout")

	t.Run("forbidden", func(t *testing.T) {
		_, err := r.Run(t.Context(), nobody, rolloutCmd("restart", "deployments", "api", ns))
		require.Contains(t, wlUserError(t, err), "The cluster refused: ")
	})
	t.Run("not found", func(t *testing.T) {
		_, err := r.Run(t.Context(), ops, rolloutCmd("restart", "deploy", "nope", ns))
		require.Equal(t, `Error from server: deployments.apps "nope" not found`, wlUserError(t, err))
	})
	t.Run("other kinds refused", func(t *testing.T) {
		_, err := r.Run(t.Context(), ops, rolloutCmd("restart", "po", "api", ns))
		require.Equal(t, "rollout is not supported for pods; it works on deployments, statefulsets, daemonsets.", wlUserError(t, err))
	})
}

func TestRolloutHistory(t *testing.T) {
	ns := wlNamespace(t)
	d := wlDeployment(t, ns, "api", "nginx:3", 1)
	wlRevisions(t, d, []string{"nginx:1", "nginx:2", "nginx:3"}, []string{"", "bump to 2", "kubectl set image deployment/api app=nginx:3"})
	viewerID := wlIdentity(t, ns)
	wlGrant(t, ns, viewerID, wlRule("apps", "deployments", "get"), wlRule("apps", "replicasets", "get", "list"))
	r := newRunner(t, nil)

	res, err := r.Run(t.Context(), viewerID, rolloutCmd("history", "deployment", "api", ns))
	require.NoError(t, err)
	require.Empty(t, res.Summary)
	require.Equal(t, wlKubectl(t, "rollout", "history", "deployment/api", "-n", ns), res.Text)
	require.Contains(t, res.Text, "2         bump to 2")

	_, err = r.Run(t.Context(), nobody, rolloutCmd("history", "deployment", "api", ns))
	require.Contains(t, wlUserError(t, err), "The cluster refused: ")
}

func TestRolloutUndo(t *testing.T) {
	ns := wlNamespace(t)
	d := wlDeployment(t, ns, "api", "nginx:3", 1)
	wlRevisions(t, d, []string{"nginx:1", "nginx:2", "nginx:3"}, []string{"", "", ""})
	ops := wlIdentity(t, ns)
	wlGrant(t, ns, ops, wlRule("apps", "deployments", "get", "patch"), wlRule("apps", "replicasets", "get", "list"))
	r := newRunner(t, nil)
	image := func() string {
		d, err := admin(t).AppsV1().Deployments(ns).Get(t.Context(), "api", metav1.GetOptions{})
		require.NoError(t, err)
		return d.Spec.Template.Spec.Containers[0].Image
	}

	// Revision 0 is the previous one: 2, the highest below the current 3.
	res, err := r.Run(t.Context(), ops, rolloutCmd("undo", "deploy", "api", ns))
	require.NoError(t, err)
	require.Equal(t, "deployment.apps/api rolled back", res.Summary)
	require.Equal(t, "nginx:2", image())

	cmd := rolloutCmd("undo", "deploy", "api", ns)
	cmd.Revision = 1
	_, err = r.Run(t.Context(), ops, cmd)
	require.NoError(t, err)
	require.Equal(t, "nginx:1", image())

	res, err = r.Run(t.Context(), ops, cmd)
	require.NoError(t, err)
	require.Equal(t, "deployment.apps/api skipped rollback (current template already matches revision 1)", res.Summary)

	cmd.Revision = 9
	_, err = r.Run(t.Context(), ops, cmd)
	require.Equal(t, "deployment.apps/api: unable to find specified revision 9 in history", wlUserError(t, err))

	_, err = r.Run(t.Context(), nobody, rolloutCmd("undo", "deploy", "api", ns))
	require.Contains(t, wlUserError(t, err), "The cluster refused: ")
}

func TestRolloutStatus(t *testing.T) {
	ns := wlNamespace(t)
	d := wlDeployment(t, ns, "api", "nginx:1", 3)
	viewerID := wlIdentity(t, ns)
	wlGrant(t, ns, viewerID, wlRule("apps", "deployments", "get"))
	r := newRunner(t, nil)
	setStatus := func(t *testing.T, s appsv1.DeploymentStatus) {
		t.Helper()
		cur, err := admin(t).AppsV1().Deployments(ns).Get(t.Context(), d.Name, metav1.GetOptions{})
		require.NoError(t, err)
		s.ObservedGeneration = cur.Generation
		cur.Status = s
		_, err = admin(t).AppsV1().Deployments(ns).UpdateStatus(t.Context(), cur, metav1.UpdateOptions{})
		require.NoError(t, err)
	}

	tests := []struct {
		name   string
		status appsv1.DeploymentStatus
		want   string
	}{
		{"updating", appsv1.DeploymentStatus{Replicas: 3, UpdatedReplicas: 1, AvailableReplicas: 1, ReadyReplicas: 1},
			"Waiting for deployment \"api\" rollout to finish: 1 out of 3 new replicas have been updated...\n"},
		{"old replicas terminating", appsv1.DeploymentStatus{Replicas: 4, UpdatedReplicas: 3, AvailableReplicas: 3, ReadyReplicas: 3},
			"Waiting for deployment \"api\" rollout to finish: 1 old replicas are pending termination...\n"},
		{"done", appsv1.DeploymentStatus{Replicas: 3, UpdatedReplicas: 3, AvailableReplicas: 3, ReadyReplicas: 3},
			"deployment \"api\" successfully rolled out\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			setStatus(t, tt.status)
			res, err := r.Run(t.Context(), viewerID, rolloutCmd("status", "deploy", "api", ns))
			require.NoError(t, err)
			require.Equal(t, tt.want, res.Text)
			require.Equal(t, wlKubectl(t, "rollout", "status", "deployment/api", "--watch=false", "-n", ns), res.Text)
		})
	}
}
