package executors

import (
	"context"
	"errors"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/watchkeeper/watchkeeper/internal/testenv"
)

// Helpers shared by the workload verb tests (rollout, scale, delete, cordon,
// logs, top). Prefixed wl so they cannot collide with other files' helpers.

// wlNamespace creates a fresh namespace for one test and deletes it after.
func wlNamespace(t *testing.T) string {
	t.Helper()
	cs := admin(t)
	ns, err := cs.CoreV1().Namespaces().Create(t.Context(), &corev1.Namespace{
		ObjectMeta: metav1.ObjectMeta{GenerateName: "wk-" + wlDNSName(t.Name(), 30) + "-"},
	}, metav1.CreateOptions{})
	require.NoError(t, err)
	t.Cleanup(func() {
		_ = cs.CoreV1().Namespaces().Delete(context.Background(), ns.Name, metav1.DeleteOptions{})
	})
	return ns.Name
}

// wlIdentity is a fresh chat identity with no rights, unique to the test.
func wlIdentity(t *testing.T, ns string) Identity {
	return Identity{User: "watchkeeper:slack:U" + strings.ToUpper(ns)}
}

// wlGrant gives id the rules, in ns with a Role and RoleBinding, or cluster
// wide when ns is "", and waits until the authorizer has seen them.
func wlGrant(t *testing.T, ns string, id Identity, rules ...rbacv1.PolicyRule) {
	t.Helper()
	ctx := t.Context()
	cs := admin(t)
	subjects := []rbacv1.Subject{{APIGroup: rbacv1.GroupName, Kind: rbacv1.UserKind, Name: id.User}}
	name := "wk-" + strings.ToLower(strings.NewReplacer(":", "-", "/", "-").Replace(id.User))
	if ns == "" {
		name += "-" + wlDNSName(t.Name(), 60)
		_, err := cs.RbacV1().ClusterRoles().Create(ctx, &rbacv1.ClusterRole{
			ObjectMeta: metav1.ObjectMeta{Name: name}, Rules: rules}, metav1.CreateOptions{})
		require.NoError(t, err)
		_, err = cs.RbacV1().ClusterRoleBindings().Create(ctx, &rbacv1.ClusterRoleBinding{
			ObjectMeta: metav1.ObjectMeta{Name: name}, Subjects: subjects,
			RoleRef: rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: name}}, metav1.CreateOptions{})
		require.NoError(t, err)
		t.Cleanup(func() {
			_ = cs.RbacV1().ClusterRoleBindings().Delete(context.Background(), name, metav1.DeleteOptions{})
			_ = cs.RbacV1().ClusterRoles().Delete(context.Background(), name, metav1.DeleteOptions{})
		})
	} else {
		_, err := cs.RbacV1().Roles(ns).Create(ctx, &rbacv1.Role{
			ObjectMeta: metav1.ObjectMeta{Name: name}, Rules: rules}, metav1.CreateOptions{})
		require.NoError(t, err)
		_, err = cs.RbacV1().RoleBindings(ns).Create(ctx, &rbacv1.RoleBinding{
			ObjectMeta: metav1.ObjectMeta{Name: name}, Subjects: subjects,
			RoleRef: rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: name}}, metav1.CreateOptions{})
		require.NoError(t, err)
	}
	require.NoError(t, testenv.Require(t, env).SyncRBAC(ctx))
}

// wlDNSName turns s into a DNS label of at most n characters.
func wlDNSName(s string, n int) string {
	b := []byte(strings.ToLower(s))
	for i, c := range b {
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') {
			b[i] = '-'
		}
	}
	return strings.Trim(string(b[:min(n, len(b))]), "-")
}

func wlRule(group, resource string, verbs ...string) rbacv1.PolicyRule {
	return rbacv1.PolicyRule{APIGroups: []string{group}, Resources: []string{resource}, Verbs: verbs}
}

// wlDeployment creates Deployment name with one container of image.
func wlDeployment(t *testing.T, ns, name, image string, replicas int32) *appsv1.Deployment {
	t.Helper()
	labels := map[string]string{"app": name}
	d, err := admin(t).AppsV1().Deployments(ns).Create(t.Context(), &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr.To(replicas),
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: wlTemplate(labels, image),
		},
	}, metav1.CreateOptions{})
	require.NoError(t, err)
	return d
}

func wlTemplate(labels map[string]string, image string) corev1.PodTemplateSpec {
	return corev1.PodTemplateSpec{
		ObjectMeta: metav1.ObjectMeta{Labels: labels},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: image}}},
	}
}

// wlKubectl runs the real kubectl as the admin and returns its stdout.
func wlKubectl(t *testing.T, args ...string) string {
	t.Helper()
	e := testenv.Require(t, env)
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	dir, err := testenv.BinDir(ctx)
	require.NoError(t, err)
	cmd := exec.CommandContext(ctx, dir+"/kubectl", append([]string{"--kubeconfig", e.AdminKubeconfig}, args...)...)
	out, err := cmd.Output()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		t.Fatalf("kubectl %v: %v\n%s", args, err, ee.Stderr)
	}
	require.NoError(t, err)
	return string(out)
}

// wlUserError asserts err is a *UserError and returns its text.
func wlUserError(t *testing.T, err error) string {
	t.Helper()
	require.Error(t, err)
	var ue *UserError
	require.True(t, errors.As(err, &ue), "want *UserError, got %T: %v", err, err)
	return ue.Msg
}
