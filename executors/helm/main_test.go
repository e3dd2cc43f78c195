package helm

import (
	"context"
	"fmt"
	"os"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"helm.sh/helm/v3/pkg/action"
	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/release"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/client-go/kubernetes"

	"github.com/watchkeeper/watchkeeper/executors"
	"github.com/watchkeeper/watchkeeper/internal/testenv"
)

// env is the package's control plane; set only by TestMain.
var env *testenv.Env

func TestMain(m *testing.M) { os.Exit(testenv.RunMain(m, testenv.Options{}, &env)) }

// Identities the tests act as. The Runner connects as the admin and
// impersonates them, as the bot does with watchkeeper:slack:<userID>.
var (
	// reader may read release Secrets everywhere (see grantReader).
	reader = executors.Identity{User: "watchkeeper:slack:UHELMREADER", Groups: []string{"watchkeeper:helm-readers"}}
	// nobody has no rights at all.
	nobody = executors.Identity{User: "watchkeeper:slack:UNOBODY"}
	// self is Watchkeeper's own identity (here the admin), as with
	// impersonation switched off.
	self = executors.Identity{}
)

// admin is a clientset with full rights, for setup and checks.
func admin(t testing.TB) kubernetes.Interface {
	t.Helper()
	e := testenv.Require(t, env)
	cs, err := kubernetes.NewForConfig(e.AdminConfig)
	require.NoError(t, err)
	return cs
}

// newRunner returns a Runner connected as the admin, with a private
// discovery cache.
func newRunner(t testing.TB, mod func(*Options)) *Runner {
	t.Helper()
	e := testenv.Require(t, env)
	opts := Options{Config: e.AdminConfig, CacheDir: t.TempDir()}
	if mod != nil {
		mod(&opts)
	}
	r, err := New(opts)
	require.NoError(t, err)
	return r
}

var nsSeq atomic.Int64

// newNamespace creates a namespace unique to the test.
func newNamespace(t testing.TB) string {
	t.Helper()
	name := fmt.Sprintf("helm-%d-%s", nsSeq.Add(1),
		strings.Trim(regexp.MustCompile(`[^a-z0-9]+`).ReplaceAllString(strings.ToLower(t.Name()), "-"), "-"))
	name = strings.TrimRight(name[:min(len(name), 50)], "-")
	_, err := admin(t).CoreV1().Namespaces().Create(t.Context(),
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}, metav1.CreateOptions{})
	require.NoError(t, err)
	return name
}

// grantReader lets reader get and list Secrets (helm's release storage) in
// every namespace, and nothing else.
func grantReader(t testing.TB) {
	t.Helper()
	e := testenv.Require(t, env)
	const role = "watchkeeper-test-helm-reader"
	_, err := admin(t).RbacV1().ClusterRoles().Create(t.Context(), &rbacv1.ClusterRole{
		ObjectMeta: metav1.ObjectMeta{Name: role},
		Rules:      []rbacv1.PolicyRule{{APIGroups: []string{""}, Resources: []string{"secrets"}, Verbs: []string{"get", "list"}}},
	}, metav1.CreateOptions{})
	if !apierrors.IsAlreadyExists(err) {
		require.NoError(t, err)
	}
	require.NoError(t, e.BindClusterRole(t.Context(), role, reader.User))
}

// adminHelm is a helm action configuration for the admin in namespace, built
// the way the helm CLI builds it (from a kubeconfig file), independently of
// the code under test.
func adminHelm(t testing.TB, namespace string) *action.Configuration {
	t.Helper()
	e := testenv.Require(t, env)
	flags := genericclioptions.NewConfigFlags(true)
	kubeconfig, cacheDir := e.AdminKubeconfig, t.TempDir()
	flags.KubeConfig, flags.Namespace, flags.CacheDir = &kubeconfig, &namespace, &cacheDir
	cfg := new(action.Configuration)
	require.NoError(t, cfg.Init(flags, namespace, "secret", t.Logf))
	return cfg
}

// configMapChart is a tiny chart: one ConfigMap named after the release,
// holding the values greeting and dbPassword.
func configMapChart(name, version, appVersion string) *chart.Chart {
	return &chart.Chart{
		Metadata: &chart.Metadata{
			APIVersion: chart.APIVersionV2, Name: name, Version: version, AppVersion: appVersion, Type: "application",
		},
		Values: map[string]any{"greeting": "hello", "dbPassword": "changeme"},
		Templates: []*chart.File{{Name: "templates/configmap.yaml", Data: []byte(`apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .Release.Name }}-config
data:
  greeting: {{ .Values.greeting | quote }}
  password: {{ .Values.dbPassword | quote }}
`)}},
	}
}

// install installs ch as release name in namespace, as the admin.
func install(t testing.TB, namespace, name string, ch *chart.Chart, vals map[string]any) *release.Release {
	t.Helper()
	in := action.NewInstall(adminHelm(t, namespace))
	in.ReleaseName, in.Namespace, in.Timeout = name, namespace, time.Minute
	rel, err := in.RunWithContext(t.Context(), ch, vals)
	require.NoError(t, err)
	return rel
}

// upgrade upgrades release name in namespace to ch with vals, as the admin.
func upgrade(t testing.TB, namespace, name string, ch *chart.Chart, vals map[string]any) *release.Release {
	t.Helper()
	up := action.NewUpgrade(adminHelm(t, namespace))
	up.Namespace, up.Timeout = namespace, time.Minute
	rel, err := up.RunWithContext(context.Background(), name, ch, vals)
	require.NoError(t, err)
	return rel
}

// fixture is two releases in two namespaces: web (chart greeter, upgraded
// once, so two revisions) and api (chart other, one revision).
type fixture struct {
	nsA, nsB string
	web, api *release.Release // latest revisions
}

func newFixture(t testing.TB) fixture {
	t.Helper()
	f := fixture{nsA: newNamespace(t), nsB: newNamespace(t)}
	install(t, f.nsA, "web", configMapChart("greeter", "0.1.0", "1.0"),
		map[string]any{"greeting": "hello", "dbPassword": "hunter2", "db": map[string]any{"host": "pg", "apiToken": "t0k"}})
	f.web = upgrade(t, f.nsA, "web", configMapChart("greeter", "0.2.0", "1.1"),
		map[string]any{"greeting": "bonjour", "dbPassword": "hunter2", "db": map[string]any{"host": "pg", "apiToken": "t0k"}})
	f.api = install(t, f.nsB, "api", configMapChart("other", "1.2.3", "2.0"), map[string]any{"greeting": "hi"})
	return f
}

func helmCmd(verb, namespace string, names ...string) executors.Command {
	return executors.Command{Tool: executors.ToolHelm, Verb: verb, Action: "helm-" + verb, Resource: "releases",
		Names: names, Namespace: namespace, Mutating: verb == "rollback" || verb == "uninstall"}
}
