package deploy_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"
	authorizationv1 "k8s.io/api/authorization/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/kubernetes"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"

	"github.com/watchkeeper/watchkeeper/internal/testenv"
)

// namespaceObject is the release namespace; helm creates it on install.
func namespaceObject() *unstructured.Unstructured {
	return &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "v1", "kind": "Namespace", "metadata": map[string]any{"name": "watchkeeper"},
	}}
}

// TestApplyToAPIServer server-side-applies the chart's renders and the
// kustomize build to a real API server, so schema errors fail, and then asks
// the API server's own authorizer what the applied RBAC allows.
func TestApplyToAPIServer(t *testing.T) {
	e := testenv.Require(t, env)
	ctx := t.Context()

	t.Run("kustomize build", func(t *testing.T) {
		res, err := krusty.MakeKustomizer(krusty.MakeDefaultOptions()).Run(filesys.MakeFsOnDisk(), "kustomize")
		require.NoError(t, err)
		out, err := res.AsYaml()
		require.NoError(t, err)
		objs := parseYAML(t, "kustomize build", out)
		require.NotEmpty(t, objs)
		require.NoError(t, e.Apply(ctx, writeObjects(t, "kustomize.yaml", objs)))
	})
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			objs := []*unstructured.Unstructured{namespaceObject()}
			for _, o := range renderObjects(t, sc.values).objs {
				if o.GetKind() == "ServiceMonitor" {
					continue // no CRD in the test API server
				}
				objs = append(objs, o)
			}
			require.NoError(t, e.Apply(ctx, writeObjects(t, sc.name+".yaml", objs)))
		})
	}

	// The last applied scenario wins; apply all features once more so the
	// checks below see them.
	objs := []*unstructured.Unstructured{namespaceObject()}
	for _, o := range renderObjects(t, allFeatures).objs {
		if o.GetKind() != "ServiceMonitor" {
			objs = append(objs, o)
		}
	}
	require.NoError(t, e.Apply(ctx, writeObjects(t, "allFeatures.yaml", objs)))

	admin, err := kubernetes.NewForConfig(e.AdminConfig)
	require.NoError(t, err)
	sa := identity{label: "sa", user: "system:serviceaccount:watchkeeper:watchkeeper",
		groups: []string{"system:serviceaccounts", "system:serviceaccounts:watchkeeper", "system:authenticated"}}
	slackUser := func(groups ...string) identity {
		return identity{label: fmt.Sprintf("slack%v", groups), user: "watchkeeper:slack:U0AAAAAAA1", groups: append(groups, "system:authenticated")}
	}
	for _, tc := range []struct {
		who  identity
		attr authorizationv1.ResourceAttributes
		want bool
	}{
		// Watchkeeper's own identity: read-only watchers.
		{sa, attrs("", "pods", "", "list", "", ""), true},
		{sa, attrs("", "pods", "log", "get", "team-a", "api-0"), true},
		{sa, attrs("", "nodes", "", "watch", "", ""), true},
		{sa, attrs("", "nodes", "stats", "get", "", "node-1"), true},
		{sa, attrs("", "persistentvolumeclaims", "", "watch", "", ""), true},
		{sa, attrs("apps", "replicasets", "", "watch", "", ""), true},
		{sa, attrs("batch", "jobs", "", "list", "", ""), true},
		{sa, attrs("", "nodes", "proxy", "get", "", "node-1"), false},
		{sa, attrs("", "secrets", "", "get", "watchkeeper", "watchkeeper-slack"), false},
		{sa, attrs("", "secrets", "", "list", "", ""), false},
		{sa, attrs("", "pods", "", "delete", "team-a", "api-0"), false},
		{sa, attrs("", "pods", "exec", "create", "team-a", "api-0"), false},
		// Its state and Lease, by name, in its namespace only.
		{sa, attrs("", "configmaps", "", "update", "watchkeeper", "watchkeeper-state"), true},
		{sa, attrs("", "configmaps", "", "update", "watchkeeper", "watchkeeper-config"), false},
		{sa, attrs("", "configmaps", "", "update", "kube-system", "watchkeeper-state"), false},
		{sa, attrs("coordination.k8s.io", "leases", "", "create", "watchkeeper", ""), true},
		{sa, attrs("coordination.k8s.io", "leases", "", "update", "watchkeeper", "watchkeeper"), true},
		{sa, attrs("coordination.k8s.io", "leases", "", "update", "kube-system", "kube-controller-manager"), false},
		// Impersonation: the listed users and mapped groups, nobody else.
		{sa, attrs("", "users", "", "impersonate", "", "watchkeeper:slack:U0AAAAAAA1"), true},
		{sa, attrs("", "users", "", "impersonate", "", "watchkeeper:slack:W0BBBBBBB2"), true},
		{sa, attrs("", "users", "", "impersonate", "", "watchkeeper:slack:U0CCCCCCC3"), false},
		{sa, attrs("", "users", "", "impersonate", "", "admin"), false},
		{sa, attrs("", "users", "", "impersonate", "", "system:serviceaccount:kube-system:default"), false},
		{sa, attrs("", "groups", "", "impersonate", "", "watchkeeper:viewers"), true},
		{sa, attrs("", "groups", "", "impersonate", "", "team-leads"), true},
		{sa, attrs("", "groups", "", "impersonate", "", "system:masters"), false},
		{sa, attrs("", "serviceaccounts", "", "impersonate", "kube-system", "default"), false},
		// The impersonated chat user gets what its groups' roles allow.
		{slackUser(), attrs("", "pods", "", "list", "team-a", ""), false},
		{slackUser("watchkeeper:viewers"), attrs("", "pods", "", "list", "team-a", ""), true},
		{slackUser("watchkeeper:viewers"), attrs("apps", "deployments", "", "patch", "team-a", "api"), false},
		{slackUser("watchkeeper:viewers"), attrs("", "secrets", "", "get", "team-a", "db"), false},
		{slackUser("watchkeeper:operators"), attrs("", "pods", "", "list", "team-a", ""), true},
		{slackUser("watchkeeper:operators"), attrs("apps", "deployments", "", "patch", "team-a", "api"), true},
		{slackUser("watchkeeper:operators"), attrs("apps", "deployments", "scale", "update", "team-a", "api"), true},
		{slackUser("watchkeeper:operators"), attrs("", "secrets", "", "list", "team-a", ""), false},
	} {
		a := tc.attr
		name := fmt.Sprintf("%s %s %s/%s/%s %s/%s", tc.who.label, a.Verb, a.Group, a.Resource, a.Subresource, a.Namespace, a.Name)
		t.Run(name, func(t *testing.T) {
			attr := tc.attr
			sar, err := admin.AuthorizationV1().SubjectAccessReviews().Create(ctx, &authorizationv1.SubjectAccessReview{
				Spec: authorizationv1.SubjectAccessReviewSpec{User: tc.who.user, Groups: tc.who.groups, ResourceAttributes: &attr},
			}, metav1.CreateOptions{})
			require.NoError(t, err)
			require.Equal(t, tc.want, sar.Status.Allowed, "reason: %s", sar.Status.Reason)
		})
	}
}

type identity struct {
	label  string // for the subtest name
	user   string
	groups []string
}

func attrs(group, resource, subresource, verb, namespace, name string) authorizationv1.ResourceAttributes {
	return authorizationv1.ResourceAttributes{Group: group, Resource: resource, Subresource: subresource,
		Verb: verb, Namespace: namespace, Name: name}
}
