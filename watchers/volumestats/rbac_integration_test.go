package volumestats

import (
	"crypto/x509"
	"testing"

	"github.com/rs/zerolog"
	"github.com/stretchr/testify/require"
	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/watchkeeper/watchkeeper/internal/kubelettest"
	"github.com/watchkeeper/watchkeeper/internal/testenv"
)

// TestKubeletSourceNeedsOnlyNodesStats runs the kubelet source against a
// fake kubelet that authenticates and authorizes through a real API server,
// as a kubelet with webhook authn/authz does: get on nodes/stats is enough,
// and nodes/proxy alone is not what the kubelet checks.
func TestKubeletSourceNeedsOnlyNodesStats(t *testing.T) {
	env := testenv.StartTest(t, testenv.Options{})
	ctx := ctx(t)
	admin, err := kubernetes.NewForConfig(env.AdminConfig)
	require.NoError(t, err)

	const sa, ns = "watchkeeper", metav1.NamespaceDefault
	for sub, subjects := range map[string][]rbacv1.Subject{
		"stats": {
			{APIGroup: rbacv1.GroupName, Kind: rbacv1.UserKind, Name: "stats-reader"},
			{Kind: rbacv1.ServiceAccountKind, Name: sa, Namespace: ns},
		},
		"proxy": {{APIGroup: rbacv1.GroupName, Kind: rbacv1.UserKind, Name: "proxy-only"}},
	} {
		name := "volumestats-test-nodes-" + sub
		_, err := admin.RbacV1().ClusterRoles().Create(ctx, &rbacv1.ClusterRole{
			ObjectMeta: metav1.ObjectMeta{Name: name},
			Rules:      []rbacv1.PolicyRule{{APIGroups: []string{""}, Resources: []string{"nodes/" + sub}, Verbs: []string{"get"}}},
		}, metav1.CreateOptions{})
		require.NoError(t, err)
		_, err = admin.RbacV1().ClusterRoleBindings().Create(ctx, &rbacv1.ClusterRoleBinding{
			ObjectMeta: metav1.ObjectMeta{Name: name},
			RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: name},
			Subjects:   subjects,
		}, metav1.CreateOptions{})
		require.NoError(t, err)
	}
	require.NoError(t, env.SyncRBAC(ctx))

	_, err = admin.CoreV1().ServiceAccounts(ns).Create(ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: sa}}, metav1.CreateOptions{})
	require.NoError(t, err)
	expiry := int64(600)
	tok, err := admin.CoreV1().ServiceAccounts(ns).CreateToken(ctx, sa,
		&authenticationv1.TokenRequest{Spec: authenticationv1.TokenRequestSpec{ExpirationSeconds: &expiry}}, metav1.CreateOptions{})
	require.NoError(t, err)

	clientCAs := x509.NewCertPool()
	require.True(t, clientCAs.AppendCertsFromPEM(env.AdminConfig.CAData))
	k := kubelettest.NewTest(t, kubelettest.Options{
		NodeName:          "node-i",
		ClientCAs:         clientCAs,
		AuthenticateToken: kubelettest.TokenReviewAuthenticator(admin),
		Authorize:         kubelettest.SARAuthorizer(admin, "node-i"),
	})
	k.SetVolume("prod", "db-0", "data-db-0", 95, 100, 0, 0)
	caFile := writeFile(t, "kubelet-ca.pem", k.CAPEM())

	userConfig := func(name string) *rest.Config {
		cfg, err := env.NewUserConfig(name)
		require.NoError(t, err)
		return cfg
	}
	tests := []struct {
		name      string
		restCfg   *rest.Config
		forbidden bool
	}{
		{"client certificate with nodes/stats", userConfig("stats-reader"), false},
		{"service-account token with nodes/stats", &rest.Config{Host: env.Host, BearerToken: tok.Status.Token,
			TLSClientConfig: rest.TLSClientConfig{CAData: env.AdminConfig.CAData}}, false},
		{"nodes/proxy only", userConfig("proxy-only"), true},
		{"no rights", env.WatchkeeperConfig, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := NewClient(Config{CAFile: caFile}, tt.restCfg, zerolog.New(zerolog.NewTestWriter(t)))
			require.NoError(t, err)
			stats, err := c.Summary(ctx, nodeOf(k))
			if tt.forbidden {
				require.ErrorIs(t, err, ErrForbidden)
				require.ErrorContains(t, err, "nodes/stats")
				return
			}
			require.NoError(t, err)
			require.Len(t, stats, 1)
			require.Equal(t, uint64(95), stats[0].UsedBytes)
		})
	}
}
