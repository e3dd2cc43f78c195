package executors

import (
	"os"
	"testing"

	"github.com/stretchr/testify/require"
	"k8s.io/client-go/kubernetes"

	"github.com/watchkeeper/watchkeeper/internal/testenv"
)

// env is the package's control plane; set only by TestMain.
var env *testenv.Env

func TestMain(m *testing.M) { os.Exit(testenv.RunMain(m, testenv.Options{}, &env)) }

// Identities the executor tests act as. The runner itself connects as the
// admin and impersonates these, as the bot does with
// watchkeeper:slack:<userID>; tests grant them rights with RBAC objects.
var (
	// viewer is bound to the built-in "view" ClusterRole (see grantView).
	viewer = Identity{User: "watchkeeper:slack:UVIEWER", Groups: []string{"watchkeeper:viewers"}}
	// nobody has no rights at all.
	nobody = Identity{User: "watchkeeper:slack:UNOBODY"}
)

// admin is a clientset with full rights, for test setup.
func admin(t testing.TB) kubernetes.Interface {
	t.Helper()
	e := testenv.Require(t, env)
	cs, err := kubernetes.NewForConfig(e.AdminConfig)
	require.NoError(t, err)
	return cs
}

// newRunner returns a Runner connected as the admin (which may impersonate),
// with a private discovery cache.
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
