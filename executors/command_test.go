package executors

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestCommandTokens(t *testing.T) {
	three := int32(3)
	tests := []struct {
		name string
		cmd  Command
		want string
	}{
		{"zero value renders nothing", Command{}, ""},
		{"get", Command{Tool: ToolKubectl, Verb: "get", Action: "get", Resource: "pods", Namespace: "shop"}, "kubectl get pods -n shop"},
		{"get names and every get flag", Command{Tool: ToolKubectl, Verb: "get", Action: "get-yaml", Resource: "pod", Names: []string{"a", "b"}, AllNamespaces: true, Selector: "app=web", Output: "yaml"},
			"kubectl get pod a b -A -l app=web -o yaml"},
		{"describe", Command{Tool: ToolKubectl, Verb: "describe", Action: "describe", Resource: "deploy", Names: []string{"api"}}, "kubectl describe deploy api"},
		{"logs implied pod", Command{Tool: ToolKubectl, Verb: "logs", Action: "logs", Resource: "pods", Names: []string{"api-0"}, Container: "web", Previous: true, Tail: 100, Since: 90 * time.Minute},
			"kubectl logs api-0 -c web -p --tail 100 --since 1h30m"},
		{"logs typed resource", Command{Tool: ToolKubectl, Verb: "logs", Action: "logs", Resource: "deploy", Names: []string{"api"}}, "kubectl logs deploy/api"},
		{"events", Command{Tool: ToolKubectl, Verb: "events", Action: "events", Namespace: "shop"}, "kubectl events -n shop"},
		{"events --for", Command{Tool: ToolKubectl, Verb: "events", Action: "events", Resource: "pod", Names: []string{"x"}, AllNamespaces: true}, "kubectl events -A --for pod/x"},
		{"top", Command{Tool: ToolKubectl, Verb: "top", Sub: "pods", Action: "top", Resource: "po", Names: []string{"x"}}, "kubectl top po x"},
		{"rollout undo", Command{Tool: ToolKubectl, Verb: "rollout", Sub: "undo", Action: "rollout-undo", Resource: "deploy", Names: []string{"api"}, Revision: 4, Mutating: true},
			"kubectl rollout undo deploy/api --to-revision 4"},
		{"scale", Command{Tool: ToolKubectl, Verb: "scale", Action: "scale", Resource: "sts", Names: []string{"db"}, Replicas: &three, Mutating: true}, "kubectl scale sts/db --replicas 3"},
		{"scale to zero keeps the flag", Command{Tool: ToolKubectl, Verb: "scale", Action: "scale", Resource: "sts", Names: []string{"db"}, Replicas: new(int32), Mutating: true}, "kubectl scale sts/db --replicas 0"},
		{"delete", Command{Tool: ToolKubectl, Verb: "delete", Action: "delete", Resource: "pod", Names: []string{"x"}, Namespace: "shop", Mutating: true}, "kubectl delete pod x -n shop"},
		{"cordon", Command{Tool: ToolKubectl, Verb: "cordon", Action: "cordon", Resource: "nodes", Names: []string{"n1"}, Mutating: true}, "kubectl cordon n1"},
		{"helm list", Command{Tool: ToolHelm, Verb: "list", Action: "helm-list", Resource: "releases", AllNamespaces: true}, "helm list -A"},
		{"helm get values", Command{Tool: ToolHelm, Verb: "get-values", Action: "helm-get-values", Resource: "releases", Names: []string{"api"}, Namespace: "shop"}, "helm get values api -n shop"},
		{"helm rollback", Command{Tool: ToolHelm, Verb: "rollback", Action: "helm-rollback", Resource: "releases", Names: []string{"api"}, Revision: 2, Namespace: "shop", Mutating: true}, "helm rollback api 2 -n shop"},
		{"help", Command{Tool: ToolBuiltin, Verb: "help", Args: []string{"logs"}}, "help logs"},
		{"whoami", Command{Tool: ToolBuiltin, Verb: "whoami"}, "whoami"},
		{"can-i", Command{Tool: ToolBuiltin, Verb: "can-i", Inner: &Command{Tool: ToolKubectl, Verb: "get", Action: "get", Resource: "secrets"}}, "can-i kubectl get secrets"},
		{"silence days", Command{Tool: ToolBuiltin, Verb: "silence", Action: "silence", Namespace: "shop", Names: []string{"api"}, Since: 72 * time.Hour, Args: []string{"deploy"}}, "silence shop/api 3d deploy"},
		{"silence hours", Command{Tool: ToolBuiltin, Verb: "silence", Action: "silence", Namespace: "shop", Names: []string{"api"}, Since: 25 * time.Hour}, "silence shop/api 25h"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.want, tc.cmd.String())
		})
	}
}

func TestFormatDuration(t *testing.T) {
	tests := []struct {
		d    time.Duration
		days bool
		want string
	}{
		{time.Second, false, "1s"},
		{10 * time.Second, false, "10s"},
		{90 * time.Second, false, "1m30s"},
		{10 * time.Minute, false, "10m"},
		{time.Hour, false, "1h"},
		{time.Hour + time.Second, false, "1h0m1s"},
		{90 * time.Minute, false, "1h30m"},
		{48 * time.Hour, false, "48h"},
		{1500 * time.Millisecond, false, "1.5s"},
		{48 * time.Hour, true, "2d"},
		{36 * time.Hour, true, "36h"},
		{7 * 24 * time.Hour, true, "7d"},
	}
	for _, tc := range tests {
		t.Run(tc.want, func(t *testing.T) {
			got := formatDuration(tc.d, tc.days)
			require.Equal(t, tc.want, got)
			if !tc.days {
				back, err := time.ParseDuration(got)
				require.NoError(t, err)
				require.Equal(t, tc.d, back)
			}
		})
	}
}
