package executors

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestEventsFidelity compares events with the real kubectl v1.37.2 events,
// as the same identity, byte for byte once relative times are masked.
func TestEventsFidelity(t *testing.T) {
	prGrantViewers(t)
	f := prWorld(t)
	empty := prNamespace(t)
	r := newRunner(t, nil)
	cases := []struct {
		name    string
		cmd     Command
		kubectl []string
	}{
		{"namespace", Command{Verb: "events", Namespace: f.ns},
			[]string{"events", "-n", f.ns}},
		{"for pod", Command{Verb: "events", Namespace: f.ns, Resource: "pod", Names: []string{f.pods[0]}},
			[]string{"events", "-n", f.ns, "--for", "pod/" + f.pods[0]}},
		{"for po", Command{Verb: "events", Namespace: f.ns, Resource: "po", Names: []string{f.pods[1]}},
			[]string{"events", "-n", f.ns, "--for", "po/" + f.pods[1]}},
		{"for deploy without events", Command{Verb: "events", Namespace: f.ns, Resource: "deploy", Names: []string{f.deploy}},
			[]string{"events", "-n", f.ns, "--for", "deploy/" + f.deploy}},
		{"empty namespace", Command{Verb: "events", Namespace: empty},
			[]string{"events", "-n", empty}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out := prSame(t,
				func() string { return prRun(t, r, viewer, tc.cmd).Text },
				func() string { return prKubectl(t, viewer, tc.kubectl...) })
			require.NotEmpty(t, out)
			t.Logf("%s\n%s", tc.cmd, out)
		})
	}

	// Oldest first, as kubectl sorts (by last timestamp).
	out := prRun(t, r, viewer, Command{Verb: "events", Namespace: f.ns}).Text
	order := []string{"Scheduled", "Pulled", "OOMKilling", "BackOff"}
	last := -1
	for _, reason := range order {
		i := strings.Index(out, reason)
		require.Greater(t, i, last, "%s out of order in\n%s", reason, out)
		last = i
	}
}

// TestEventsAllNamespaces: -A adds the NAMESPACE column. Other tests create
// events concurrently, so only this test's rows are compared with kubectl's.
func TestEventsAllNamespaces(t *testing.T) {
	prGrantViewers(t)
	f := prWorld(t)
	r := newRunner(t, nil)
	res := prRun(t, r, viewer, Command{Verb: "events", AllNamespaces: true})
	lines := strings.Split(res.Text, "\n")
	require.True(t, strings.HasPrefix(lines[0], "NAMESPACE "), lines[0])
	require.Contains(t, lines[0], "LAST SEEN")
	var ours []string
	for _, l := range lines[1:] {
		if strings.HasPrefix(l, f.ns+" ") {
			ours = append(ours, strings.Join(strings.Fields(prMaskAges(l)), " "))
		}
	}
	require.Len(t, ours, 4)
	var theirs []string
	for _, l := range strings.Split(prKubectl(t, viewer, "events", "-A"), "\n") {
		if strings.HasPrefix(l, f.ns+" ") {
			theirs = append(theirs, strings.Join(strings.Fields(prMaskAges(l)), " "))
		}
	}
	require.Equal(t, theirs, ours)
}

func TestEventsErrors(t *testing.T) {
	prGrantViewers(t)
	f := prWorld(t)
	r := newRunner(t, nil)
	var ue *UserError

	_, err := r.Run(t.Context(), viewer, Command{Tool: ToolKubectl, Verb: "events", Namespace: f.ns, Resource: "flurbs", Names: []string{"x"}})
	require.True(t, errors.As(err, &ue), "%v", err)
	require.Equal(t, `the server doesn't have a resource type "flurbs"`, ue.Msg)

	_, err = r.Run(t.Context(), nobody, Command{Tool: ToolKubectl, Verb: "events", Namespace: f.ns})
	require.True(t, errors.As(err, &ue), "%v", err)
	theirs := prKubectl(t, nobody, "events", "-n", f.ns)
	require.Equal(t, strings.TrimSpace(strings.TrimPrefix(theirs, "Error from server (Forbidden): ")), strings.TrimPrefix(ue.Msg, "The cluster refused: "))

	res, err := newRunner(t, func(o *Options) { o.MaxOutputBytes = 80 }).Run(t.Context(), viewer, Command{Tool: ToolKubectl, Verb: "events", Namespace: f.ns})
	require.NoError(t, err)
	require.True(t, res.Truncated)
	require.LessOrEqual(t, len(res.Text), 80)
}
