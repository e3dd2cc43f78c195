package executors

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// wlNode creates a Node named after the test and deletes it after.
func wlNode(t *testing.T) *corev1.Node {
	t.Helper()
	cs := admin(t)
	n, err := cs.CoreV1().Nodes().Create(t.Context(), &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{GenerateName: "wk-" + wlDNSName(t.Name(), 30) + "-"},
	}, metav1.CreateOptions{})
	require.NoError(t, err)
	t.Cleanup(func() { _ = cs.CoreV1().Nodes().Delete(context.Background(), n.Name, metav1.DeleteOptions{}) })
	return n
}

func TestCordon(t *testing.T) {
	node := wlNode(t).Name
	ops := wlIdentity(t, node)
	wlGrant(t, "", ops, wlRule("", "nodes", "get", "patch"))
	r := newRunner(t, nil)
	cmd := func(verb string) Command {
		return Command{Tool: ToolKubectl, Verb: verb, Action: verb, Resource: "nodes", Names: []string{node}, Mutating: true}
	}
	unschedulable := func() bool {
		n, err := admin(t).CoreV1().Nodes().Get(t.Context(), node, metav1.GetOptions{})
		require.NoError(t, err)
		return n.Spec.Unschedulable
	}

	steps := []struct {
		verb, summary string
		want          bool
	}{
		{"cordon", "node/" + node + " cordoned", true},
		{"cordon", "node/" + node + " already cordoned", true},
		{"uncordon", "node/" + node + " uncordoned", false},
		{"uncordon", "node/" + node + " already uncordoned", false},
	}
	for _, s := range steps {
		res, err := r.Run(t.Context(), ops, cmd(s.verb))
		require.NoError(t, err)
		require.Equal(t, s.summary, res.Summary)
		require.Equal(t, s.summary+"\n", res.Text)
		require.Equal(t, s.want, unschedulable())
	}

	_, err := r.Run(t.Context(), nobody, cmd("cordon"))
	require.Contains(t, wlUserError(t, err), "The cluster refused: ")
	require.False(t, unschedulable())
}
