package parse_test

import (
	"testing"

	"github.com/watchkeeper/watchkeeper/bot/parse"
)

// forbiddenFlags are flags that must never parse, each with the flag name the
// error must show. Every spelling pflag would accept is listed.
var forbiddenFlags = []struct{ in, named string }{
	{"--server https://evil.example.com", "--server"},
	{"--server=https://evil.example.com", "--server"},
	{"-s https://evil.example.com", "-s"},
	{"-shttps://evil.example.com", "-s"},
	{"-s=https://evil.example.com", "-s"},
	{"--kubeconfig /etc/kubernetes/admin.conf", "--kubeconfig"},
	{"--kubeconfig=/etc/kubernetes/admin.conf", "--kubeconfig"},
	{"--context prod", "--context"},
	{"--cluster prod", "--cluster"},
	{"--user admin", "--user"},
	{"--token abc", "--token"},
	{"--token=abc", "--token"},
	{"--as system:admin", "--as"},
	{"--as=system:admin", "--as"},
	{"--as-group system:masters", "--as-group"},
	{"--as-uid 0", "--as-uid"},
	{"-As x", "-s"},
	{"-Asx", "-s"},
	{"-Ashttps://x", "-s"},
	{"--raw /api/v1/secrets", "--raw"},
	{"--template {{.}}", "--template"},
	{"--template={{.}}", "--template"},
	{"-o go-template={{.}}", "Output format"},
	{"-o go-template-file=/etc/shadow", "Output format"},
	{"-o jsonpath={.items}", "Output format"},
	{"-ojsonpath={.items}", "Output format"},
	{"-o jsonpath-file=/x", "Output format"},
	{"-o custom-columns=N:.metadata.name", "Output format"},
	{"-o custom-columns-file=/x", "Output format"},
	{"--output=go-template-file=/etc/shadow", "Output format"},
	{"--output go-template", "Output format"},
	{"-o template", "Output format"},
	{"-o yaml,json", "Output format"},
	{"-o YAML", "Output format"},
	{"--profile-output /tmp/x", "--profile-output"},
	{"--profile cpu", "--profile"},
	{"--cache-dir /tmp", "--cache-dir"},
	{"-v 9", "-v"},
	{"-v=9", "-v"},
	{"-v9", "-v"},
	{"--v=9", "--v"},
	{"--vmodule=*=9", "--vmodule"},
	{"--insecure-skip-tls-verify", "--insecure-skip-tls-verify"},
	{"--insecure-skip-tls-verify=true", "--insecure-skip-tls-verify"},
	{"--request-timeout 0", "--request-timeout"},
	{"--password hunter2", "--password"},
	{"--username admin", "--username"},
	{"--certificate-authority /x", "--certificate-authority"},
	{"--client-key /x", "--client-key"},
	{"--client-certificate /x", "--client-certificate"},
	{"--tls-server-name x", "--tls-server-name"},
	{"--warnings-as-errors", "--warnings-as-errors"},
	{"--show-managed-fields", "--show-managed-fields"},
	{"--watch", "--watch"},
	{"-w", "-w"},
	{"--chunk-size 0", "--chunk-size"},
	{"--field-selector spec.nodeName=x", "--field-selector"},
	{"--subresource status", "--subresource"},
	{"-f /etc/passwd", "-f"},
	{"--filename=/etc/passwd", "--filename"},
	{"-k ./dir", "-k"},
	{"-R", "-R"},
	{"--all", "--all"},
	{"--force", "--force"},
	{"--grace-period=0", "--grace-period"},
	{"-- sh", "--"},
	{"--", "--"},
	{"--=x", "--"},
	{"-", ""}, // a lone dash is a positional, and not a name
	{"-n shop -n prod", "-n"},
	{"-A -A", "-A"},
	{"-AA", "-A"},
	{"-n", "-n"},
	{"-n -A", "-n"},
	{"-n=", "-n"},
	{"--namespace", "--namespace"},
	{"--namespace=", ""},
	{"-A=true", "-A"},
	{"--all-namespaces=false", "--all-namespaces"},
	{"-n shop -A", "-A"},
	{"-An shop", "-A"},
	{"-l", "-l"},
	{"-l=", "-l"},
	{"-l app=web --selector tier=db", "--selector"},
	{"-N shop", "-N"},
	{"-1", "-1"},
	{"-n shop -c web", "-c"},
	{"--tail 10", "--tail"},
	{"-p", "-p"},
}

func TestParseRejectsForbiddenFlagsOnGet(t *testing.T) {
	var cases []rejectCase
	for _, f := range forbiddenFlags {
		cases = append(cases, rejectCase{name: "get " + f.in, in: "kubectl get pods " + f.in, msg: f.named})
	}
	for i := range cases {
		cases[i].code = codeFor(cases[i].in)
	}
	runReject(t, cases)
}

// codeFor sorts forbidden-flag rows into unknown flags and bad values of
// allow-listed flags: both are refusals, the code only picks the wording.
func codeFor(in string) parse.Code {
	switch in {
	case "kubectl get pods -o go-template={{.}}", "kubectl get pods -o go-template-file=/etc/shadow",
		"kubectl get pods -o jsonpath={.items}", "kubectl get pods -ojsonpath={.items}",
		"kubectl get pods -o jsonpath-file=/x", "kubectl get pods -o custom-columns=N:.metadata.name",
		"kubectl get pods -o custom-columns-file=/x", "kubectl get pods --output=go-template-file=/etc/shadow",
		"kubectl get pods --output go-template", "kubectl get pods -o template", "kubectl get pods -o yaml,json",
		"kubectl get pods -o YAML", "kubectl get pods -n", "kubectl get pods -n -A", "kubectl get pods -n=",
		"kubectl get pods --namespace", "kubectl get pods --namespace=", "kubectl get pods -A=true",
		"kubectl get pods --all-namespaces=false", "kubectl get pods -l", "kubectl get pods -l=":
		return parse.CodeFlagValue
	case "kubectl get pods -":
		return parse.CodeArgument
	}
	return parse.CodeFlag
}

// The same smuggling attempts against other verbs, including the mutating
// ones, and against helm's own global flags.
func TestParseRejectsFlagsPerVerb(t *testing.T) {
	runReject(t, []rejectCase{
		{"describe -o yaml", "describe pod x -o yaml", parse.CodeFlag, "`-o`"},
		{"describe -A", "describe pods -A", parse.CodeFlag, "`-A`"},
		{"describe --show-events", "describe pod x --show-events=false", parse.CodeFlag, ""},
		{"logs -f follow", "logs api -f", parse.CodeFlag, "`-f`"},
		{"logs --follow", "logs api --follow", parse.CodeFlag, ""},
		{"logs -l", "logs -l app=web", parse.CodeFlag, "`-l`"},
		{"logs --all-containers", "logs api --all-containers", parse.CodeFlag, ""},
		{"logs --limit-bytes", "logs api --limit-bytes=1", parse.CodeFlag, ""},
		{"logs -c combined with server", "logs api -cweb -shttps://x", parse.CodeFlag, "`-s`"},
		{"logs -pv", "logs api -pv", parse.CodeFlag, "`-v`"},
		{"logs -ps", "logs api -ps x", parse.CodeFlag, "`-s`"},
		{"logs --as", "logs api --as=admin", parse.CodeFlag, "`--as`"},
		{"events -o", "events -o json", parse.CodeFlag, ""},
		{"events --watch", "events -w", parse.CodeFlag, ""},
		{"top --containers", "top pods --containers", parse.CodeFlag, ""},
		{"top nodes -n", "top nodes -n shop", parse.CodeFlag, "`-n`"},
		{"top nodes -A", "top nodes -A", parse.CodeFlag, ""},
		{"rollout restart --as", "rollout restart deploy/api --as system:admin", parse.CodeFlag, "`--as`"},
		{"rollout status --to-revision", "rollout status deploy/api --to-revision 2", parse.CodeFlag, ""},
		{"rollout status -w", "rollout status deploy/api -w", parse.CodeFlag, ""},
		{"rollout undo --dry-run", "rollout undo deploy/api --dry-run=server", parse.CodeFlag, ""},
		{"scale --current-replicas", "scale deploy/api --replicas 1 --current-replicas 2", parse.CodeFlag, ""},
		{"scale --all", "scale deploy --all --replicas 0", parse.CodeFlag, ""},
		{"scale -l", "scale deploy -l app=x --replicas 0", parse.CodeFlag, ""},
		{"delete --force", "delete pod api-0 --force", parse.CodeFlag, "`--force`"},
		{"delete --grace-period", "delete pod api-0 --grace-period 0", parse.CodeFlag, ""},
		{"delete --now", "delete pod api-0 --now", parse.CodeFlag, ""},
		{"delete -l", "delete pods -l app=web", parse.CodeFlag, "`-l`"},
		{"delete --all", "delete pods --all -n shop", parse.CodeFlag, "`--all`"},
		{"delete -A", "delete pod x -A", parse.CodeFlag, ""},
		{"delete --cascade", "delete pod x --cascade=orphan", parse.CodeFlag, ""},
		{"cordon -n", "cordon node-1 -n shop", parse.CodeFlag, ""},
		{"cordon --selector", "cordon --selector pool=x", parse.CodeFlag, ""},
		{"uncordon --server", "uncordon node-1 --server=x", parse.CodeFlag, ""},
		{"helm list -o", "helm list -o json", parse.CodeFlag, ""},
		{"helm list --kube-context", "helm list --kube-context prod", parse.CodeFlag, "`--kube-context`"},
		{"helm list --kubeconfig", "helm list --kubeconfig=/x", parse.CodeFlag, ""},
		{"helm status --kube-token", "helm status api --kube-token x", parse.CodeFlag, ""},
		{"helm status --kube-apiserver", "helm status api --kube-apiserver https://x", parse.CodeFlag, ""},
		{"helm status --kube-as-user", "helm status api --kube-as-user admin", parse.CodeFlag, ""},
		{"helm status -A", "helm status api -A", parse.CodeFlag, ""},
		{"helm get values --all", "helm get values api --all", parse.CodeFlag, "`--all`"},
		{"helm get values -a", "helm get values api -a", parse.CodeFlag, ""},
		{"helm get values --revision", "helm get values api --revision 1", parse.CodeFlag, ""},
		{"helm get values -o", "helm get values api -o json", parse.CodeFlag, ""},
		{"helm history --max", "helm history api --max 1000000", parse.CodeFlag, ""},
		{"helm rollback --force", "helm rollback api --force", parse.CodeFlag, ""},
		{"helm rollback --no-hooks", "helm rollback api 1 --no-hooks", parse.CodeFlag, ""},
		{"helm uninstall --keep-history", "helm uninstall api --keep-history", parse.CodeFlag, ""},
		{"helm --debug", "helm list --debug", parse.CodeFlag, ""},
		{"helm --registry-config", "helm list --registry-config /x", parse.CodeFlag, ""},
		{"whoami --as", "whoami --as admin", parse.CodeFlag, ""},
		{"help -h", "help -h", parse.CodeFlag, ""},
		{"version --client", "version --client", parse.CodeFlag, ""},
		{"silence --for", "silence shop/api 1h --for 2h", parse.CodeFlag, ""},
		{"silence reason looks like a flag", "silence shop/api 1h --server", parse.CodeFlag, ""},
		{"can-i --as", "can-i get pods --as admin", parse.CodeFlag, "`--as`"},
		{"can-i --list", "can-i --list", parse.CodeFlag, ""},
	})
}
