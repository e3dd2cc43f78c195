package deploy_test

import (
	"slices"
	"testing"

	"github.com/stretchr/testify/require"
	networkingv1 "k8s.io/api/networking/v1"
	rbacv1 "k8s.io/api/rbac/v1"
)

// TestChartNoWildcards checks every Role and ClusterRole of every scenario:
// no "*" anywhere, and impersonation only by resourceNames.
func TestChartNoWildcards(t *testing.T) {
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			m := renderObjects(t, sc.values)
			for _, kind := range []string{"Role", "ClusterRole"} {
				for _, o := range m.ofKind(kind) {
					var r rbacv1.ClusterRole // a Role's rules have the same shape
					m.typed(t, kind, o.GetName(), &r)
					require.NotEmpty(t, r.Rules, "%s %s", kind, o.GetName())
					for _, rule := range r.Rules {
						for _, field := range [][]string{rule.Verbs, rule.Resources, rule.APIGroups, rule.ResourceNames} {
							require.NotContains(t, field, "*", "%s %s: %+v", kind, o.GetName(), rule)
						}
						require.Empty(t, rule.NonResourceURLs, "%s %s", kind, o.GetName())
						if slices.Contains(rule.Verbs, "impersonate") {
							require.NotEmpty(t, rule.ResourceNames, "%s %s: impersonate without resourceNames", kind, o.GetName())
							require.Equal(t, []string{"impersonate"}, rule.Verbs)
							for _, n := range rule.ResourceNames {
								require.NotRegexp(t, `^system:`, n)
							}
						}
					}
				}
			}
		})
	}
}

// TestChartClusterRole checks Watchkeeper's own ClusterRole against the
// plain RBAC files the end-to-end tests run with, per PVC mode, and its
// impersonation rules against the values.
func TestChartClusterRole(t *testing.T) {
	plain := fileObjects(t, "rbac.yaml").clusterRole(t, "watchkeeper").Rules
	proxyRules := fileObjects(t, "rbac-apiserver-proxy.yaml").clusterRole(t, "watchkeeper-apiserver-proxy").Rules
	withoutNodeStats := slices.DeleteFunc(slices.Clone(plain), func(r rbacv1.PolicyRule) bool {
		return slices.Contains(r.Resources, "nodes/stats")
	})

	t.Run("kubelet source: exactly deploy/rbac.yaml", func(t *testing.T) {
		cr := renderObjects(t, "").clusterRole(t, "watchkeeper")
		require.Equal(t, plain, cr.Rules)
	})
	t.Run("apiserverProxy: nodes/proxy instead of nodes/stats", func(t *testing.T) {
		cr := renderObjects(t, `config: {watchers: {pvc: {source: apiserverProxy}}}`).clusterRole(t, "watchkeeper")
		require.Equal(t, append(slices.Clone(withoutNodeStats), proxyRules...), cr.Rules)
	})
	t.Run("no nodes/proxy unless apiserverProxy", func(t *testing.T) {
		for _, sc := range scenarios {
			if sc.name == "apiserverProxy" {
				continue
			}
			for _, r := range renderObjects(t, sc.values).clusterRole(t, "watchkeeper").Rules {
				require.NotContains(t, r.Resources, "nodes/proxy", sc.name)
			}
		}
	})
	t.Run("PVC and node watchers off: no nodes, PVCs or stats", func(t *testing.T) {
		cr := renderObjects(t, `config: {watchers: {pvc: {enabled: false}, nodes: {enabled: false}}}`).clusterRole(t, "watchkeeper")
		for _, r := range cr.Rules {
			for _, res := range []string{"nodes", "nodes/stats", "nodes/proxy", "persistentvolumeclaims"} {
				require.NotContains(t, r.Resources, res)
			}
		}
	})
	t.Run("no users: no impersonation", func(t *testing.T) {
		for _, r := range renderObjects(t, "").clusterRole(t, "watchkeeper").Rules {
			require.NotContains(t, r.Verbs, "impersonate")
		}
	})
	t.Run("users and role groups by name", func(t *testing.T) {
		cr := renderObjects(t, allFeatures).clusterRole(t, "watchkeeper")
		require.Equal(t, append(slices.Clone(plain),
			rbacv1.PolicyRule{APIGroups: []string{""}, Resources: []string{"users"}, Verbs: []string{"impersonate"},
				ResourceNames: []string{"watchkeeper:slack:U0AAAAAAA1", "watchkeeper:slack:W0BBBBBBB2"}},
			rbacv1.PolicyRule{APIGroups: []string{""}, Resources: []string{"groups"}, Verbs: []string{"impersonate"},
				ResourceNames: []string{"team-leads", "watchkeeper:operators", "watchkeeper:viewers"}},
		), cr.Rules)
	})
	t.Run("impersonation disabled in the config: none", func(t *testing.T) {
		cr := renderObjects(t, `{commands: {impersonation: {users: [U0AAAAAAA1]}}, config: {rbac: {impersonation: {enabled: false}}}}`).clusterRole(t, "watchkeeper")
		require.Equal(t, plain, cr.Rules)
	})
	t.Run("rejects", func(t *testing.T) {
		for vals, msg := range map[string]string{
			`commands: {impersonation: {users: ["alice"]}}`:                                     "not a Slack user ID",
			`commands: {impersonation: {users: ["*"]}}`:                                         "not a Slack user ID",
			`config: {rbac: {impersonation: {roleGroups: {"role:admin": ["system:masters"]}}}}`: "system group",
		} {
			_, err := renderErr(t, vals)
			require.ErrorContains(t, err, msg, vals)
		}
	})
}

// TestChartRoles checks the namespaced Role, the bindings and the
// impersonated groups' roles.
func TestChartRoles(t *testing.T) {
	m := renderObjects(t, "")
	var role rbacv1.Role
	m.typed(t, "Role", "watchkeeper", &role)
	require.Equal(t, "watchkeeper", role.Namespace)
	var plain rbacv1.Role
	fileObjects(t, "rbac.yaml").typed(t, "Role", "watchkeeper-state", &plain)
	want := plain.Rules
	if !slices.ContainsFunc(want, func(r rbacv1.PolicyRule) bool { return slices.Contains(r.Resources, "leases") }) {
		// deploy/rbac.yaml predates leader election: the chart adds the Lease.
		want = append(slices.Clone(want),
			rbacv1.PolicyRule{APIGroups: []string{"coordination.k8s.io"}, Resources: []string{"leases"}, ResourceNames: []string{"watchkeeper"}, Verbs: []string{"get", "update"}},
			rbacv1.PolicyRule{APIGroups: []string{"coordination.k8s.io"}, Resources: []string{"leases"}, Verbs: []string{"create"}},
		)
	}
	require.Equal(t, want, role.Rules)

	// The names follow the config value the ConfigMap renders.
	m2 := renderObjects(t, `config: {notifier: {stateConfigMap: wk-incidents}, leaderElection: {leaseName: wk-leader}}`)
	m2.typed(t, "Role", "watchkeeper", &role)
	require.Equal(t, []string{"wk-incidents"}, role.Rules[0].ResourceNames)
	require.Equal(t, []string{"wk-leader"}, role.Rules[2].ResourceNames)
	cfg := string(m2.configYAML(t))
	require.Contains(t, cfg, "stateConfigMap: wk-incidents")
	require.Contains(t, cfg, "leaseName: wk-leader")

	sa := []rbacv1.Subject{{Kind: "ServiceAccount", Name: "watchkeeper", Namespace: "watchkeeper"}}
	var rb rbacv1.RoleBinding
	m.typed(t, "RoleBinding", "watchkeeper", &rb)
	require.Equal(t, sa, rb.Subjects)
	require.Equal(t, rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "Role", Name: "watchkeeper"}, rb.RoleRef)
	var crb rbacv1.ClusterRoleBinding
	m.typed(t, "ClusterRoleBinding", "watchkeeper", &crb)
	require.Equal(t, sa, crb.Subjects)
	require.Equal(t, rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "ClusterRole", Name: "watchkeeper"}, crb.RoleRef)

	// The impersonated groups' roles are deploy/rbac-commands.yaml.
	commands := fileObjects(t, "rbac-commands.yaml")
	for _, name := range []string{"watchkeeper:viewer", "watchkeeper:operator"} {
		require.Equal(t, commands.clusterRole(t, name).Rules, m.clusterRole(t, name).Rules, name)
	}
	for _, name := range []string{"watchkeeper:viewers", "watchkeeper:operators"} {
		var want, got rbacv1.ClusterRoleBinding
		commands.typed(t, "ClusterRoleBinding", name, &want)
		m.typed(t, "ClusterRoleBinding", name, &got)
		require.Equal(t, want.RoleRef, got.RoleRef, name)
		require.Equal(t, want.Subjects, got.Subjects, name)
	}
	off := renderObjects(t, `commands: {groupRoles: {create: false}}`)
	require.Nil(t, off.get("ClusterRole", "watchkeeper:viewer"))
	require.Nil(t, off.get("ClusterRoleBinding", "watchkeeper:operators"))
}

// TestChartNetworkPolicy checks ingress is metrics only and egress is DNS,
// 443, the API server and (kubelet source) the kubelets.
func TestChartNetworkPolicy(t *testing.T) {
	var np networkingv1.NetworkPolicy
	renderObjects(t, allFeatures).typed(t, "NetworkPolicy", "watchkeeper", &np)
	require.ElementsMatch(t, []networkingv1.PolicyType{"Ingress", "Egress"}, np.Spec.PolicyTypes)
	require.Len(t, np.Spec.Ingress, 1)
	in := np.Spec.Ingress[0]
	require.Len(t, in.Ports, 1)
	require.Equal(t, int32(8080), in.Ports[0].Port.IntVal)
	require.Len(t, in.From, 1)
	require.Equal(t, map[string]string{"kubernetes.io/metadata.name": "monitoring"}, in.From[0].NamespaceSelector.MatchLabels)
	require.Nil(t, in.From[0].IPBlock)

	type rule struct {
		ports []int32
		cidrs []string
	}
	var got []rule
	for _, e := range np.Spec.Egress {
		var r rule
		for _, p := range e.Ports {
			r.ports = append(r.ports, p.Port.IntVal)
		}
		for _, to := range e.To {
			require.NotNil(t, to.IPBlock, "egress peers are CIDRs")
			r.cidrs = append(r.cidrs, to.IPBlock.CIDR)
		}
		got = append(got, r)
	}
	require.Equal(t, []rule{
		{ports: []int32{53, 53}},
		{ports: []int32{443}},
		{ports: []int32{443, 6443}, cidrs: []string{"10.0.0.10/32", "10.0.0.11/32"}},
		{ports: []int32{10250}, cidrs: []string{"10.1.0.0/16"}},
		{ports: []int32{3128}, cidrs: []string{"10.2.0.1/32"}},
	}, got)

	renderObjects(t, `config: {watchers: {pvc: {source: apiserverProxy}}}`).typed(t, "NetworkPolicy", "watchkeeper", &np)
	for _, e := range np.Spec.Egress {
		for _, p := range e.Ports {
			require.NotEqual(t, int32(10250), p.Port.IntVal, "apiserverProxy needs no kubelet egress")
		}
	}
	require.Nil(t, renderObjects(t, `networkPolicy: {enabled: false}`).get("NetworkPolicy", "watchkeeper"))
}
