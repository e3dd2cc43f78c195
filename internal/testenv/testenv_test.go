package testenv_test

import (
	"bufio"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/watchkeeper/watchkeeper/internal/testenv"
)

const (
	wantVersion  = "v1.37.2"
	rbacFile     = "testdata/pod-reader.yaml"
	podReader    = "watchkeeper-test-pod-reader"
	rbacTestNS   = "testenv-rbac"
	testDeadline = 30 * time.Second
)

// env is shared by this package's tests; only TestMain sets it.
var env *testenv.Env

func TestMain(m *testing.M) {
	os.Exit(testenv.RunMain(m, testenv.Options{}, &env))
}

func clientset(t *testing.T, cfg *rest.Config) kubernetes.Interface {
	t.Helper()
	cs, err := kubernetes.NewForConfig(cfg)
	require.NoError(t, err)
	return cs
}

func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), testDeadline)
	t.Cleanup(cancel)
	return ctx
}

func TestServerVersion(t *testing.T) {
	e := testenv.Require(t, env)
	v, err := clientset(t, e.AdminConfig).Discovery().ServerVersion()
	require.NoError(t, err)
	require.Equal(t, wantVersion, v.GitVersion)
	require.True(t, strings.HasPrefix(e.Host, "https://127.0.0.1:"), "host %s", e.Host)
}

func TestIdentities(t *testing.T) {
	e := testenv.Require(t, env)
	ctx := testContext(t)

	alice, err := e.NewUserConfig("alice", "oncall", "devs")
	require.NoError(t, err)
	fromKubeconfig := func(path string) *rest.Config {
		cfg, err := clientcmd.BuildConfigFromFlags("", path)
		require.NoError(t, err)
		return cfg
	}

	tests := []struct {
		name       string
		cfg        *rest.Config
		wantUser   string
		wantGroups []string
	}{
		{"admin config", e.AdminConfig, testenv.AdminUser, []string{"system:masters", "system:authenticated"}},
		{"admin kubeconfig", fromKubeconfig(e.AdminKubeconfig), testenv.AdminUser, []string{"system:masters", "system:authenticated"}},
		{"watchkeeper config", e.WatchkeeperConfig, testenv.WatchkeeperUser, []string{"system:authenticated"}},
		{"watchkeeper kubeconfig", fromKubeconfig(e.WatchkeeperKubeconfig), testenv.WatchkeeperUser, []string{"system:authenticated"}},
		{"minted user", alice, "alice", []string{"oncall", "devs", "system:authenticated"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			review, err := clientset(t, tt.cfg).AuthenticationV1().SelfSubjectReviews().
				Create(ctx, &authenticationv1.SelfSubjectReview{}, metav1.CreateOptions{})
			require.NoError(t, err)
			require.Equal(t, tt.wantUser, review.Status.UserInfo.Username)
			require.ElementsMatch(t, tt.wantGroups, review.Status.UserInfo.Groups)
		})
	}
}

func TestAdminCreatesPodAndPatchesStatus(t *testing.T) {
	e := testenv.Require(t, env)
	ctx := testContext(t)
	admin := clientset(t, e.AdminConfig)

	ns, err := admin.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{
		ObjectMeta: metav1.ObjectMeta{GenerateName: "pods-"},
	}, metav1.CreateOptions{})
	require.NoError(t, err)
	pods := admin.CoreV1().Pods(ns.Name)

	pod, err := pods.Create(ctx, &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "api"},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: "registry.example/app:1"}}},
	}, metav1.CreateOptions{})
	require.NoError(t, err)
	require.Equal(t, corev1.PodPending, pod.Status.Phase)

	// What a kubelet does: write status through the status subresource.
	pod.Status.Phase = corev1.PodRunning
	pod.Status.ContainerStatuses = []corev1.ContainerStatus{{
		Name: "app", Image: "registry.example/app:1", Ready: true,
		State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: metav1.Now()}},
	}}
	pod, err = pods.UpdateStatus(ctx, pod, metav1.UpdateOptions{})
	require.NoError(t, err)
	require.Equal(t, corev1.PodRunning, pod.Status.Phase)

	patch := `{"status":{"containerStatuses":[{"name":"app","image":"registry.example/app:1","imageID":"","ready":false,"restartCount":5,` +
		`"state":{"waiting":{"reason":"CrashLoopBackOff","message":"back-off 5m0s restarting failed container"}}}]}}`
	_, err = pods.Patch(ctx, "api", types.MergePatchType, []byte(patch), metav1.PatchOptions{}, "status")
	require.NoError(t, err)

	got, err := pods.Get(ctx, "api", metav1.GetOptions{})
	require.NoError(t, err)
	require.Len(t, got.Status.ContainerStatuses, 1)
	cs := got.Status.ContainerStatuses[0]
	require.EqualValues(t, 5, cs.RestartCount)
	require.NotNil(t, cs.State.Waiting)
	require.Equal(t, "CrashLoopBackOff", cs.State.Waiting.Reason)

	// A status write through the main resource is ignored, as on a real cluster.
	got.Status.Phase = corev1.PodFailed
	got, err = pods.Update(ctx, got, metav1.UpdateOptions{})
	require.NoError(t, err)
	require.Equal(t, corev1.PodRunning, got.Status.Phase)
}

func TestWatchkeeperNeedsRBAC(t *testing.T) {
	e := testenv.Require(t, env)
	ctx := testContext(t)
	wk := clientset(t, e.WatchkeeperConfig)
	// The Env outlives this test (and -count=N reruns it): take the grants
	// away again. Bindings can go; the namespace stays, because without a
	// namespace controller it would stay Terminating.
	t.Cleanup(func() {
		ctx := context.WithoutCancel(ctx)
		rbac := clientset(t, e.AdminConfig).RbacV1()
		require.NoError(t, ignoreNotFound(rbac.ClusterRoleBindings().Delete(ctx, "testenv:watchkeeper:"+podReader, metav1.DeleteOptions{})))
		require.NoError(t, ignoreNotFound(rbac.RoleBindings(rbacTestNS).Delete(ctx, "watchkeeper-config-reader", metav1.DeleteOptions{})))
		require.NoError(t, e.SyncRBAC(ctx))
	})

	_, err := wk.CoreV1().Pods("").List(ctx, metav1.ListOptions{})
	require.True(t, apierrors.IsForbidden(err), "list pods before binding: %v", err)
	_, err = wk.CoreV1().ConfigMaps(rbacTestNS).List(ctx, metav1.ListOptions{})
	require.True(t, apierrors.IsForbidden(err), "list config maps before binding: %v", err)

	require.NoError(t, e.Apply(ctx, rbacFile))
	// Applied but not yet bound: the RoleBinding in the file works, the
	// ClusterRole does not.
	_, err = wk.CoreV1().ConfigMaps(rbacTestNS).List(ctx, metav1.ListOptions{})
	require.NoError(t, err)
	_, err = wk.CoreV1().Pods("").List(ctx, metav1.ListOptions{})
	require.True(t, apierrors.IsForbidden(err), "list pods before binding: %v", err)

	require.NoError(t, e.BindClusterRole(ctx, podReader, testenv.WatchkeeperUser))
	// No polling: BindClusterRole returns once the authorizer has the binding.
	_, err = wk.CoreV1().Pods("").List(ctx, metav1.ListOptions{})
	require.NoError(t, err)
	// Still read-only.
	err = wk.CoreV1().Pods("default").Delete(ctx, "nothing", metav1.DeleteOptions{})
	require.True(t, apierrors.IsForbidden(err), "delete pod: %v", err)

	err = e.BindClusterRole(ctx, "no-such-role", testenv.WatchkeeperUser)
	require.True(t, apierrors.IsNotFound(err), "bind missing role: %v", err)
}

func TestStartWithRBACAndStop(t *testing.T) {
	if os.Getenv(testenv.SkipEnvVar) == "1" {
		t.Skip("no control plane: " + testenv.SkipEnvVar + "=1")
	}
	// etcd reads ETCD_* variables as flags; Start must not pass them on.
	t.Setenv("ETCD_DATA_DIR", "/nonexistent/etcd")
	t.Setenv("ETCD_LISTEN_CLIENT_URLS", "http://127.0.0.1:1")

	begin := time.Now()
	e, err := testenv.Start(testContext(t), testenv.Options{
		TempDir:          t.TempDir(),
		WatchkeeperRBAC:  []string{rbacFile},
		BindClusterRoles: []string{podReader, "view"},
	})
	require.NoError(t, err)
	t.Cleanup(func() { _ = e.Stop() })
	t.Logf("start to ready (with RBAC applied): %s", time.Since(begin).Round(time.Millisecond))

	etcdPID, apiPID := e.PIDs()
	t.Logf("RSS: etcd %d KiB, kube-apiserver %d KiB", vmRSS(t, etcdPID), vmRSS(t, apiPID))

	ctx := testContext(t)
	wk := clientset(t, e.WatchkeeperConfig)
	_, err = wk.CoreV1().Pods("").List(ctx, metav1.ListOptions{})
	require.NoError(t, err, "pod-reader bound at start")
	_, err = wk.CoreV1().Services("default").List(ctx, metav1.ListOptions{})
	require.NoError(t, err, "built-in view role bound at start")
	_, err = wk.CoreV1().Secrets("default").List(ctx, metav1.ListOptions{})
	require.True(t, apierrors.IsForbidden(err), "list secrets: %v", err)

	require.NoError(t, e.Err())
	begin = time.Now()
	require.NoError(t, e.Stop())
	t.Logf("stop: %s", time.Since(begin).Round(time.Millisecond))
	require.NoError(t, e.Stop(), "second Stop")
	require.False(t, processExists(etcdPID), "etcd pid %d still exists", etcdPID)
	require.False(t, processExists(apiPID), "kube-apiserver pid %d still exists", apiPID)
	require.NoDirExists(t, e.Dir)
	select {
	case <-e.Done():
	default:
		t.Fatal("Done not closed after Stop")
	}
	require.NoError(t, e.Err(), "a stop is not an unexpected exit")
}

func TestStartFailureReportsLogAndCleansUp(t *testing.T) {
	if os.Getenv(testenv.SkipEnvVar) == "1" {
		t.Skip("no control plane: " + testenv.SkipEnvVar + "=1")
	}
	dir := t.TempDir()
	_, err := testenv.Start(testContext(t), testenv.Options{
		TempDir:        dir,
		APIServerFlags: []string{"--no-such-flag=1"},
	})
	require.Error(t, err)
	require.Contains(t, err.Error(), "kube-apiserver")
	require.Contains(t, err.Error(), "no-such-flag", "error carries the log tail")
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	require.Empty(t, entries, "env dir removed after a failed start")
}

func ignoreNotFound(err error) error {
	if apierrors.IsNotFound(err) {
		return nil
	}
	return err
}

// processExists reports whether pid exists. Stop reaps its children, so
// their PIDs are gone rather than zombies.
func processExists(pid int) bool {
	return !errors.Is(syscall.Kill(pid, 0), syscall.ESRCH)
}

// vmRSS reads a process's resident set size from /proc, or 0 off Linux.
func vmRSS(t *testing.T, pid int) int {
	t.Helper()
	f, err := os.Open(filepath.Join("/proc", strconv.Itoa(pid), "status"))
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			kb, err := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(rest), " kB"))
			require.NoError(t, err)
			return kb
		}
	}
	return 0
}
