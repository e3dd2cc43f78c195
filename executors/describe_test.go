package executors

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// TestDescribeFidelity compares describe with the real kubectl v1.37.2 as
// the same identity, byte for byte once relative times are masked and
// kubectl's DB_PASSWORD value is replaced by the mask (ours never has it).
func TestDescribeFidelity(t *testing.T) {
	prGrantViewers(t)
	f := prWorld(t)
	r := newRunner(t, nil)
	cases := []struct {
		name    string
		cmd     Command
		kubectl []string
	}{
		{"pod", Command{Verb: "describe", Resource: "pod", Names: []string{f.pods[0]}, Namespace: f.ns},
			[]string{"describe", "pod", f.pods[0], "-n", f.ns}},
		{"crashing pod", Command{Verb: "describe", Resource: "po", Names: []string{f.pods[1]}, Namespace: f.ns},
			[]string{"describe", "po", f.pods[1], "-n", f.ns}},
		{"deploy", Command{Verb: "describe", Resource: "deploy", Names: []string{f.deploy}, Namespace: f.ns},
			[]string{"describe", "deploy", f.deploy, "-n", f.ns}},
		{"replicaset", Command{Verb: "describe", Resource: "replicasets.apps", Names: []string{f.rs}, Namespace: f.ns},
			[]string{"describe", "replicasets.apps", f.rs, "-n", f.ns}},
		{"pods by selector", Command{Verb: "describe", Resource: "pods", Namespace: f.ns, Selector: "app=api"},
			[]string{"describe", "pods", "-n", f.ns, "-l", "app=api"}},
		{"name prefix", Command{Verb: "describe", Resource: "pods", Names: []string{"api-6d4cf56db6-x"}, Namespace: f.ns},
			[]string{"describe", "pods", "api-6d4cf56db6-x", "-n", f.ns}},
		{"node", Command{Verb: "describe", Resource: "node", Names: []string{f.node}},
			[]string{"describe", "node", f.node}},
		{"nothing found", Command{Verb: "describe", Resource: "pods", Namespace: f.ns, Selector: "app=none"},
			[]string{"describe", "pods", "-n", f.ns, "-l", "app=none"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out := prSame(t,
				func() string { return prRun(t, r, viewer, tc.cmd).Text },
				func() string { return prMaskDescribedEnv(prKubectl(t, viewer, tc.kubectl...)) })
			require.NotEmpty(t, out)
			require.NotContains(t, out, "hunter2")
			t.Logf("%s\n%s", tc.cmd, out)
		})
	}
	// The pod's events are part of it (one object: ShowEvents stays on).
	out := prRun(t, r, viewer, cases[0].cmd).Text
	require.Contains(t, out, "Warning  OOMKilling  ")
	require.Contains(t, out, "Normal   Scheduled   ")
}

// prMaskDescribedEnv replaces the fixture's secret value in describe output.
func prMaskDescribedEnv(s string) string {
	return strings.ReplaceAll(s, "DB_PASSWORD:  hunter2", "DB_PASSWORD:  ***")
}

// TestDescribeMasksSecretEnv: the value of a secret-looking env var never
// appears, in any container list, in a single or multi-line value, with
// custom patterns; other values do.
func TestDescribeMasksSecretEnv(t *testing.T) {
	prGrantViewers(t)
	f := prWorld(t)
	cs := admin(t)
	_, err := cs.CoreV1().Pods(f.ns).Create(t.Context(), &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "job"},
		Spec: corev1.PodSpec{
			AutomountServiceAccountToken: new(bool),
			InitContainers: []corev1.Container{{Name: "init", Image: "busybox", Env: []corev1.EnvVar{
				{Name: "api_token", Value: "hunter2"},
			}}},
			Containers: []corev1.Container{{Name: "main", Image: "busybox", Env: []corev1.EnvVar{
				{Name: "DB_PASSWORD", Value: "line one\nhunter2"},
				{Name: "SIGNING_KEY", Value: "hunter2"},
				{Name: "PLAIN", Value: "visible-value"},
				{Name: "FROM_SECRET", ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{
					LocalObjectReference: corev1.LocalObjectReference{Name: "db"}, Key: "password"}}},
			}}},
		},
	}, metav1.CreateOptions{})
	require.NoError(t, err)

	r := newRunner(t, nil)
	for _, cmd := range []Command{
		{Verb: "describe", Resource: "pod", Names: []string{"job"}, Namespace: f.ns},
		{Verb: "describe", Resource: "pods", Namespace: f.ns},
		{Verb: "describe", Resource: "deploy", Names: []string{f.deploy}, Namespace: f.ns},
		{Verb: "describe", Resource: "rs", Names: []string{f.rs}, Namespace: f.ns},
	} {
		res := prRun(t, r, viewer, cmd)
		require.NotContains(t, res.Text, "hunter2", cmd.String())
		require.Contains(t, res.Text, "DB_PASSWORD:", cmd.String())
		require.Contains(t, res.Text, "***", cmd.String())
	}
	res := prRun(t, r, viewer, Command{Verb: "describe", Resource: "pod", Names: []string{"job"}, Namespace: f.ns})
	require.Contains(t, res.Text, "api_token:  ***")
	require.Contains(t, res.Text, "SIGNING_KEY:  ***")
	require.Contains(t, res.Text, "PLAIN:        visible-value")
	require.Contains(t, res.Text, "FROM_SECRET:  <set to the key 'password' in secret 'db'>")
	require.NotContains(t, res.Text, "line one", "the whole multi-line value is masked")

	// With no patterns, nothing is masked.
	open := newRunner(t, func(o *Options) { o.SecretEnvNames = []string{} })
	res = prRun(t, open, viewer, Command{Verb: "describe", Resource: "pod", Names: []string{"job"}, Namespace: f.ns})
	require.Contains(t, res.Text, "hunter2")
	// Custom patterns replace the defaults.
	custom := newRunner(t, func(o *Options) { o.SecretEnvNames = []string{"plain"} })
	res = prRun(t, custom, viewer, Command{Verb: "describe", Resource: "pod", Names: []string{"job"}, Namespace: f.ns})
	require.NotContains(t, res.Text, "visible-value")
	require.Contains(t, res.Text, "SIGNING_KEY:  hunter2")
}

func TestDescribeRefusals(t *testing.T) {
	prGrantViewers(t)
	f := prWorld(t)
	_, err := admin(t).CoreV1().Secrets(f.ns).Create(t.Context(), &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: "db"}, StringData: map[string]string{"password": "hunter2"},
	}, metav1.CreateOptions{})
	require.NoError(t, err)
	r := newRunner(t, nil)

	for _, typ := range []string{"secret", "secrets", "Secret", "secrets.v1."} {
		res, err := r.Run(t.Context(), Identity{}, Command{Tool: ToolKubectl, Verb: "describe", Resource: typ, Names: []string{"db"}, Namespace: f.ns})
		var ue *UserError
		require.True(t, errors.As(err, &ue), "%s: %v", typ, err)
		require.Equal(t, "Secrets are never shown from chat.", ue.Msg)
		require.Empty(t, res.Text)
	}
	// Past hardDeny, the resolved type is checked too.
	c := &call{r: r, cmd: Command{Tool: ToolKubectl, Verb: "describe", Resource: "secrets.v1.", Names: []string{"db"}}, ns: f.ns}
	_, err = r.describe(t.Context(), c)
	require.EqualError(t, err, "Secrets are never shown from chat.")

	_, err = r.Run(t.Context(), viewer, Command{Tool: ToolKubectl, Verb: "describe", Resource: "flurbs", Names: []string{"x"}, Namespace: f.ns})
	var ue *UserError
	require.True(t, errors.As(err, &ue), "%v", err)

	_, err = r.Run(t.Context(), nobody, Command{Tool: ToolKubectl, Verb: "describe", Resource: "pod", Names: []string{f.pods[0]}, Namespace: f.ns})
	require.True(t, errors.As(err, &ue), "%v", err)
	require.True(t, strings.HasPrefix(ue.Msg, "The cluster refused: "), ue.Msg)
	theirs := prKubectl(t, nobody, "describe", "pod", f.pods[0], "-n", f.ns)
	require.Equal(t, strings.TrimSpace(strings.TrimPrefix(theirs, "Error from server (Forbidden): ")), strings.TrimPrefix(ue.Msg, "The cluster refused: "))

	_, err = r.Run(t.Context(), viewer, Command{Tool: ToolKubectl, Verb: "describe", Resource: "pod", Names: []string{"zzz"}, Namespace: f.ns})
	require.True(t, errors.As(err, &ue), "%v", err)
	require.Equal(t, `Error from server: pods "zzz" not found`, ue.Msg)
}

func TestDescribeTruncated(t *testing.T) {
	prGrantViewers(t)
	f := prWorld(t)
	r := newRunner(t, func(o *Options) { o.MaxOutputBytes = 100 })
	res := prRun(t, r, viewer, Command{Verb: "describe", Resource: "pods", Namespace: f.ns})
	require.True(t, res.Truncated)
	require.Len(t, res.Text, 100)
	require.True(t, strings.HasPrefix(res.Text, "Name:"), res.Text)
}
