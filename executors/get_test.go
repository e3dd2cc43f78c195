package executors

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// TestGetFidelity compares get with the real kubectl v1.37.2, as the same
// impersonated identity, byte for byte (relative times masked).
func TestGetFidelity(t *testing.T) {
	prGrantViewers(t)
	f := prWorld(t)
	r := newRunner(t, nil)
	cases := []struct {
		name    string
		cmd     Command
		kubectl []string
	}{
		{"pods", Command{Verb: "get", Resource: "pods", Namespace: f.ns},
			[]string{"get", "pods", "-n", f.ns}},
		{"pods all namespaces", Command{Verb: "get", Resource: "pods", AllNamespaces: true, Selector: f.label},
			[]string{"get", "pods", "-A", "-l", f.label}},
		{"pods wide", Command{Verb: "get", Resource: "po", Namespace: f.ns, Output: "wide"},
			[]string{"get", "po", "-n", f.ns, "-o", "wide"}},
		{"one pod", Command{Verb: "get", Resource: "pod", Names: []string{f.pods[1]}, Namespace: f.ns},
			[]string{"get", "pod", f.pods[1], "-n", f.ns}},
		{"deploy wide", Command{Verb: "get", Resource: "deploy", Namespace: f.ns, Output: "wide"},
			[]string{"get", "deploy", "-n", f.ns, "-o", "wide"}},
		{"replicasets", Command{Verb: "get", Resource: "rs", Namespace: f.ns},
			[]string{"get", "rs", "-n", f.ns}},
		{"nodes", Command{Verb: "get", Resource: "nodes", Selector: f.label},
			[]string{"get", "nodes", "-l", f.label}},
		{"nodes wide", Command{Verb: "get", Resource: "no", Names: []string{f.node}, Output: "wide"},
			[]string{"get", "no", f.node, "-o", "wide"}},
		{"pods name", Command{Verb: "get", Resource: "pods", Namespace: f.ns, Output: "name"},
			[]string{"get", "pods", "-n", f.ns, "-o", "name"}},
		{"pod yaml", Command{Verb: "get", Resource: "pod", Names: []string{f.pods[0]}, Namespace: f.ns, Output: "yaml"},
			[]string{"get", "pod", f.pods[0], "-n", f.ns, "-o", "yaml"}},
		{"deploy json", Command{Verb: "get", Resource: "deployments.apps", Names: []string{f.deploy}, Namespace: f.ns, Output: "json"},
			[]string{"get", "deployments.apps", f.deploy, "-n", f.ns, "-o", "json"}},
		{"pods yaml list", Command{Verb: "get", Resource: "pods", Namespace: f.ns, Output: "yaml"},
			[]string{"get", "pods", "-n", f.ns, "-o", "yaml"}},
		{"selector", Command{Verb: "get", Resource: "pods", Namespace: f.ns, Selector: "app=api,pod-template-hash=6d4cf56db6"},
			[]string{"get", "pods", "-n", f.ns, "-l", "app=api,pod-template-hash=6d4cf56db6"}},
		{"no resources", Command{Verb: "get", Resource: "services", Namespace: f.ns},
			[]string{"get", "services", "-n", f.ns}},
		{"no resources all namespaces", Command{Verb: "get", Resource: "pods", AllNamespaces: true, Selector: "pr-test=none"},
			[]string{"get", "pods", "-A", "-l", "pr-test=none"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ours := func() string { return prRun(t, r, viewer, tc.cmd).Text }
			var out string
			switch tc.cmd.Output {
			case "yaml", "json":
				// Exact, but for the one masked value.
				out = prSameExact(t, ours, func() string { return prMaskHunter2(prKubectl(t, viewer, tc.kubectl...), tc.cmd.Output) })
				require.NotContains(t, out, "hunter2")
			case "name":
				out = prSameExact(t, ours, func() string { return prKubectl(t, viewer, tc.kubectl...) })
			default:
				out = prSame(t, ours, func() string { return prKubectl(t, viewer, tc.kubectl...) })
			}
			require.NotEmpty(t, out)
			t.Logf("%s\n%s", tc.cmd, out)
		})
	}
}

// TestGetYAMLMasksSecretEnv: yaml and json show the env var but never its
// value, and drop managedFields; kubectl shows the value, so the two differ
// exactly there.
func TestGetYAMLMasksSecretEnv(t *testing.T) {
	prGrantViewers(t)
	f := prWorld(t)
	r := newRunner(t, nil)
	for _, out := range []string{"yaml", "json"} {
		for _, target := range []struct{ typ, name string }{{"pods", f.pods[0]}, {"deploy", f.deploy}, {"rs", f.rs}, {"pods", ""}} {
			cmd := Command{Verb: "get", Resource: target.typ, Namespace: f.ns, Output: out}
			if target.name != "" {
				cmd.Names = []string{target.name}
			}
			res := prRun(t, r, viewer, cmd)
			require.Contains(t, res.Text, "DB_PASSWORD", cmd.String())
			require.NotContains(t, res.Text, "hunter2", cmd.String())
			require.Contains(t, res.Text, "***", cmd.String())
			require.Contains(t, res.Text, "debug", "only matching names are masked")
			require.NotContains(t, res.Text, "managedFields")
		}
	}
}

// prMaskHunter2 is what kubectl's output of the fixture looks like with
// DB_PASSWORD masked; it fails nothing itself, the comparison does.
func prMaskHunter2(s, output string) string {
	if output == "json" {
		return strings.ReplaceAll(s, `"value": "hunter2"`, `"value": "***"`)
	}
	return strings.ReplaceAll(s, "value: hunter2", "value: '***'")
}

// TestGetSpellings: every spelling of a type gives the same output.
func TestGetSpellings(t *testing.T) {
	prGrantViewers(t)
	f := prWorld(t)
	r := newRunner(t, nil)
	for _, group := range [][]string{{"po", "pod", "pods", "Pod", "pods.v1."}, {"deploy", "deployment", "deployments", "deployments.apps", "deployments.v1.apps"}} {
		want := prMaskAges(prRun(t, r, viewer, Command{Verb: "get", Resource: group[0], Namespace: f.ns}).Text)
		for _, spelling := range group[1:] {
			got := prRun(t, r, viewer, Command{Verb: "get", Resource: spelling, Namespace: f.ns}).Text
			require.Equal(t, want, prMaskAges(got), spelling)
		}
	}
}

func TestGetErrors(t *testing.T) {
	prGrantViewers(t)
	f := prWorld(t)
	r := newRunner(t, nil)

	t.Run("unknown type", func(t *testing.T) {
		_, err := r.Run(t.Context(), viewer, Command{Tool: ToolKubectl, Verb: "get", Resource: "flurbs", Namespace: f.ns})
		var ue *UserError
		require.True(t, errors.As(err, &ue), "%v", err)
		require.Equal(t, `the server doesn't have a resource type "flurbs"`, ue.Msg)
	})
	t.Run("forbidden", func(t *testing.T) {
		_, err := r.Run(t.Context(), nobody, Command{Tool: ToolKubectl, Verb: "get", Resource: "pods", Namespace: f.ns})
		var ue *UserError
		require.True(t, errors.As(err, &ue), "%v", err)
		theirs := prKubectl(t, nobody, "get", "pods", "-n", f.ns)
		require.Equal(t, strings.TrimSpace(strings.TrimPrefix(theirs, "Error from server (Forbidden): ")),
			strings.TrimPrefix(ue.Msg, "The cluster refused: "))
		require.True(t, strings.HasPrefix(ue.Msg, "The cluster refused: pods is forbidden: "), ue.Msg)
	})
	t.Run("not found", func(t *testing.T) {
		_, err := r.Run(t.Context(), viewer, Command{Tool: ToolKubectl, Verb: "get", Resource: "pods", Names: []string{"nope"}, Namespace: f.ns})
		var ue *UserError
		require.True(t, errors.As(err, &ue), "%v", err)
		require.Equal(t, `Error from server: pods "nope" not found`, ue.Msg)
	})
}

// TestGetSecrets: names only, whatever the spelling.
func TestGetSecrets(t *testing.T) {
	f := prWorld(t)
	_, err := admin(t).CoreV1().Secrets(f.ns).Create(t.Context(), &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: "db"}, StringData: map[string]string{"password": "hunter2"},
	}, metav1.CreateOptions{})
	require.NoError(t, err)
	r := newRunner(t, nil)
	asAdmin := Identity{} // Watchkeeper's own (admin) identity: only the executor refuses

	list := prRun(t, r, asAdmin, Command{Verb: "get", Resource: "secrets", Namespace: f.ns})
	require.Contains(t, list.Text, "db ")
	require.NotContains(t, list.Text, "hunter2")
	names := prRun(t, r, asAdmin, Command{Verb: "get", Resource: "secret", Namespace: f.ns, Output: "name"})
	require.Equal(t, "secret/db\n", names.Text)

	for _, cmd := range []Command{
		{Verb: "get", Resource: "secret", Names: []string{"db"}, Output: "yaml"},
		{Verb: "get", Resource: "secrets", Output: "json"},
		{Verb: "get", Resource: "secrets.v1.", Names: []string{"db"}, Output: "yaml"},
		{Verb: "get", Resource: "SECRETS", Output: "yaml"},
	} {
		cmd.Tool, cmd.Namespace = ToolKubectl, f.ns
		res, err := r.Run(t.Context(), asAdmin, cmd)
		var ue *UserError
		require.True(t, errors.As(err, &ue), "%s: %v", cmd, err)
		require.Equal(t, "Secrets are never shown from chat.", ue.Msg)
		require.Empty(t, res.Text)
	}
	// The executor's own check, past hardDeny (which the Runner runs first).
	t.Run("resolved", func(t *testing.T) {
		c := &call{r: r, cmd: Command{Tool: ToolKubectl, Verb: "get", Resource: "secrets.v1.", Output: "yaml"}, ns: f.ns}
		_, err := r.get(t.Context(), c)
		require.EqualError(t, err, "Secrets are never shown from chat.")
	})
}

func TestGetTruncated(t *testing.T) {
	prGrantViewers(t)
	f := prWorld(t)
	r := newRunner(t, func(o *Options) { o.MaxOutputBytes = 60 })
	res := prRun(t, r, viewer, Command{Verb: "get", Resource: "pods", Namespace: f.ns})
	require.True(t, res.Truncated)
	require.LessOrEqual(t, len(res.Text), 60)
	require.True(t, strings.HasPrefix(res.Text, "NAME"), res.Text)

	full := prRun(t, newRunner(t, nil), viewer, Command{Verb: "get", Resource: "pods", Namespace: f.ns})
	require.False(t, full.Truncated)
}

func TestGetAgeMaskHelper(t *testing.T) {
	for in, want := range map[string]string{
		"api-6d4cf56db6-x7k2p   1/1   Running   3 (330d ago)    5s":    "api-6d4cf56db6-x7k2p   1/1   Running   3 (<age> ago)    <age>",
		"node-1   Ready   <none>   3m2s   v1.37.2":                     "node-1   Ready   <none>   <age>   v1.37.2",
		"3m1s (x12 over 50m)   Warning   BackOff   Pod/api   Back-off": "<age> (x12 over <age>)   Warning   BackOff   Pod/api   Back-off",
		"  Normal   Scheduled   2y3d   default-scheduler   <unknown>":  "  Normal   Scheduled   <age>   default-scheduler   <age>",
		"Start Time:   Fri, 02 Jan 2026 03:04:05 +0000":                "Start Time:   Fri, 02 Jan 2026 03:04:05 +0000",
		"Image:  registry.example/api:1.4.2 v2 5xs":                    "Image:  registry.example/api:1.4.2 v2 5xs",
	} {
		require.Equal(t, want, prMaskAges(in), in)
	}
}

// TestGetDeadline: kubectl's builder takes no context, yet the command's
// deadline ends its requests.
func TestGetDeadline(t *testing.T) {
	prGrantViewers(t)
	f := prWorld(t)
	r := newRunner(t, nil)
	_, err := r.Resolve(t.Context(), "pods") // discovery is not what is tested
	require.NoError(t, err)
	for _, verb := range []string{"get", "describe", "events"} {
		ctx, cancel := context.WithDeadline(t.Context(), time.Now().Add(-time.Second))
		cmd := Command{Tool: ToolKubectl, Verb: verb, Resource: "pods", Namespace: f.ns}
		if verb != "get" {
			cmd.Names = []string{f.pods[0]}
		}
		_, err := r.Run(ctx, viewer, cmd)
		cancel()
		var ue *UserError
		require.True(t, errors.As(err, &ue), "%s: %v", verb, err)
		require.Equal(t, "The command timed out before the cluster answered.", ue.Msg, verb)
	}
}
