package parse_test

import (
	"strings"
	"testing"

	"github.com/watchkeeper/watchkeeper/bot/parse"
)

// Positional arguments and flag values: names, types, numbers, durations.
func TestParseRejectsArguments(t *testing.T) {
	runReject(t, []rejectCase{
		// get / describe shapes
		{"get nothing", "get", parse.CodeArgument, "needs a resource type"},
		{"get only flags", "get -n shop", parse.CodeArgument, ""},
		{"get comma list", "get pods,svc", parse.CodeArgument, "not a resource type"},
		{"get all", "get all,secrets -A", parse.CodeArgument, ""},
		{"get uppercase type", "get Pods", parse.CodeArgument, ""},
		{"get type with underscore", "get my_crd", parse.CodeArgument, ""},
		{"get type leading dot", "get .pods", parse.CodeArgument, ""},
		{"get uppercase name", "get pod API", parse.CodeArgument, "not a valid name"},
		{"get name with underscore", "get pod api_0", parse.CodeArgument, ""},
		{"get name too long", "get pod " + strings.Repeat("a", 254), parse.CodeArgument, ""},
		{"get name path traversal", "get pod ../../etc", parse.CodeArgument, ""},
		{"get name with colon", "get clusterrole system:node", parse.CodeArgument, ""},
		{"get mixed types", "get pod/a svc/b", parse.CodeArgument, "one resource type"},
		{"get mixed forms", "get pod/a b", parse.CodeArgument, "not both"},
		{"get mixed forms other way", "get pods a pod/b", parse.CodeArgument, "not both"},
		{"get double slash", "get pod/a/b", parse.CodeArgument, ""},
		{"get empty name", "get pod/", parse.CodeArgument, ""},
		{"get empty type", "get /a", parse.CodeArgument, ""},
		{"get names with -A", "get pod a -A", parse.CodeArgument, "-A"},
		{"get names with -l", "get pods a -l app=web", parse.CodeArgument, "not both"},
		{"namespace with dot", "get pods -n shop.prod", parse.CodeFlagValue, "not a valid namespace"},
		{"namespace uppercase", "get pods -n Shop", parse.CodeFlagValue, ""},
		{"namespace too long", "get pods -n " + strings.Repeat("a", 64), parse.CodeFlagValue, ""},
		{"namespace wildcard", "get pods -n *", parse.CodeFlagValue, ""},
		{"selector set-based splits into words", "get pods -l env in (a,b)", parse.CodeArgument, ""},
		{"selector invalid key", "get pods -l -app=x", parse.CodeFlagValue, ""},
		{"selector bad value", "get pods -l app=a$b", parse.CodeFlagValue, ""},
		{"selector only comma", "get pods -l ,", parse.CodeFlagValue, ""},
		{"selector lt", "get pods -l x&lt;3", parse.CodeFlagValue, ""},

		// logs
		{"logs nothing", "logs", parse.CodeArgument, "exactly one pod"},
		{"logs container positional", "logs api web", parse.CodeArgument, ""},
		{"logs bad container", "logs api -c Web", parse.CodeFlagValue, ""},
		{"tail zero", "logs api --tail 0", parse.CodeFlagValue, "1 to 10000"},
		{"tail all", "logs api --tail=-1", parse.CodeFlagValue, ""},
		{"tail too big", "logs api --tail 10001", parse.CodeFlagValue, ""},
		{"tail huge", "logs api --tail 99999999999999999999", parse.CodeFlagValue, ""},
		{"tail plus sign", "logs api --tail +5", parse.CodeFlagValue, ""},
		{"tail hex", "logs api --tail 0x10", parse.CodeFlagValue, ""},
		{"since too long", "logs api --since 49h", parse.CodeFlagValue, "48h"},
		{"since days", "logs api --since 1d", parse.CodeFlagValue, ""},
		{"since negative", "logs api --since=-1h", parse.CodeFlagValue, ""},
		{"since zero", "logs api --since 0s", parse.CodeFlagValue, ""},
		{"since sub-second", "logs api --since 10ms", parse.CodeFlagValue, ""},
		{"since no unit", "logs api --since 10", parse.CodeFlagValue, ""},
		{"since timestamp", "logs api --since 2024-01-01", parse.CodeFlagValue, ""},

		// events, top
		{"events positional", "events pod/x", parse.CodeArgument, "no arguments"},
		{"events --for without slash", "events --for x", parse.CodeFlagValue, "TYPE/NAME"},
		{"events --for bad name", "events --for pod/X", parse.CodeArgument, ""},
		{"top two names", "top pods a b", parse.CodeArgument, "at most one"},
		{"top name with -A", "top pods a -A", parse.CodeArgument, ""},

		// rollout, scale
		{"rollout no object", "rollout restart", parse.CodeArgument, "exactly one object"},
		{"rollout two objects", "rollout restart deploy/a deploy/b", parse.CodeArgument, ""},
		{"rollout type only", "rollout restart deploy", parse.CodeArgument, ""},
		{"rollout three words", "rollout restart deploy a b", parse.CodeArgument, ""},
		{"to-revision zero", "rollout undo deploy/api --to-revision 0", parse.CodeFlagValue, ""},
		{"to-revision negative", "rollout undo deploy/api --to-revision=-1", parse.CodeFlagValue, ""},
		{"scale without replicas", "scale deploy/api", parse.CodeArgument, "--replicas"},
		{"scale too many", "scale deploy/api --replicas 101", parse.CodeFlagValue, "0 to 100"},
		{"scale negative", "scale deploy/api --replicas=-1", parse.CodeFlagValue, ""},
		{"scale overflow", "scale deploy/api --replicas 4294967297", parse.CodeFlagValue, ""},
		{"scale no object", "scale --replicas 1", parse.CodeArgument, ""},

		// delete: one named pod only
		{"delete deployment", "delete deploy api", parse.CodeArgument, "Only `delete pod NAME`"},
		{"delete namespace", "delete ns prod", parse.CodeArgument, ""},
		{"delete secret", "delete secret/x", parse.CodeArgument, ""},
		{"delete node", "delete node n1", parse.CodeArgument, ""},
		{"delete pods group spelling", "delete pods.v1. x", parse.CodeArgument, ""},
		{"delete pod no name", "delete pod", parse.CodeArgument, ""},
		{"delete two pods", "delete pod a b", parse.CodeArgument, ""},
		{"delete two pods slash", "delete pod/a pod/b", parse.CodeArgument, ""},
		{"delete nothing", "delete", parse.CodeArgument, ""},

		// cordon
		{"cordon nothing", "cordon", parse.CodeArgument, "exactly one node"},
		{"cordon two", "cordon a b", parse.CodeArgument, ""},
		{"cordon type/name", "cordon node/a", parse.CodeArgument, ""},

		// helm
		{"helm list positional", "helm list api", parse.CodeArgument, ""},
		{"helm status no release", "helm status", parse.CodeArgument, "exactly one release"},
		{"helm status two", "helm status a b", parse.CodeArgument, ""},
		{"helm release too long", "helm status " + strings.Repeat("a", 54), parse.CodeArgument, "release name"},
		{"helm release uppercase", "helm status API", parse.CodeArgument, ""},
		{"helm get values no release", "helm get values", parse.CodeArgument, ""},
		{"helm rollback bad revision", "helm rollback api x", parse.CodeArgument, "revision"},
		{"helm rollback zero", "helm rollback api 0", parse.CodeArgument, ""},
		{"helm rollback three args", "helm rollback api 1 2", parse.CodeArgument, ""},

		// built-ins
		{"whoami extra", "whoami now", parse.CodeArgument, "no arguments"},
		{"version extra", "version x", parse.CodeArgument, ""},
		{"help unknown topic", "help exec", parse.CodeArgument, "no help"},
		{"help two topics", "help get logs", parse.CodeArgument, ""},
		{"can-i nothing", "can-i", parse.CodeArgument, "needs a command"},
		{"can-i can-i", "can-i can-i get pods", parse.CodeArgument, "another"},
		{"can-i help", "can-i help", parse.CodeArgument, "needs no permission"},
		{"can-i whoami", "can-i whoami", parse.CodeArgument, ""},
		{"can-i forbidden verb", "can-i exec pod x", parse.CodeVerb, ""},
		{"can-i bad inner", "can-i get pods --server x", parse.CodeFlag, ""},
		{"silence nothing", "silence", parse.CodeArgument, ""},
		{"silence no duration", "silence shop/api", parse.CodeArgument, ""},
		{"silence no namespace", "silence api 1h", parse.CodeArgument, "NAMESPACE/WORKLOAD"},
		{"silence too long", "silence shop/api 8d", parse.CodeArgument, "1m to 7d"},
		{"silence 169h", "silence shop/api 169h", parse.CodeArgument, ""},
		{"silence too short", "silence shop/api 30s", parse.CodeArgument, ""},
		{"silence zero days", "silence shop/api 0d", parse.CodeArgument, ""},
		{"silence negative", "silence shop/api -1h", parse.CodeFlag, ""},
		{"silence forever", "silence shop/api forever", parse.CodeArgument, ""},
		{"silence bad namespace", "silence Shop/api 1h", parse.CodeArgument, ""},
		{"silence reason with at", "silence shop/api 1h ping @here", parse.CodeArgument, "silence reason"},
		{"silence reason with hash", "silence shop/api 1h see #ops", parse.CodeArgument, ""},
		{"silence reason with star", "silence shop/api 1h *bold*", parse.CodeArgument, ""},
		{"silence reason with lt", "silence shop/api 1h &lt;!here&gt;", parse.CodeArgument, ""},
		{"silence reason with amp", "silence shop/api 1h a&amp;b", parse.CodeArgument, ""},
		{"silence reason lone dash", "silence shop/api 1h -", parse.CodeArgument, ""},
		{"silence reason too many words", "silence shop/api 1h" + strings.Repeat(" w", 21), parse.CodeArgument, "too long"},
	})
}
