package parse_test

import (
	"strings"
	"testing"
	"time"

	"github.com/watchkeeper/watchkeeper/executors"
)

const kubectl, helm, builtin = executors.ToolKubectl, executors.ToolHelm, executors.ToolBuiltin

func getPods(ns string) executors.Command {
	return executors.Command{Tool: kubectl, Verb: "get", Action: "get", Resource: "pods", Namespace: ns}
}

func TestParseKubectlAccepts(t *testing.T) {
	runAccept(t, []acceptCase{
		// Prefixes and the namespace flag in every pflag spelling.
		{"bare verb", "get pods", getPods("")},
		{"kubectl prefix", "kubectl get pods -n shop", getPods("shop")},
		{"k alias", "k get pods -n shop", getPods("shop")},
		{"mention", "<@UBOT42> get pods -n shop", getPods("shop")},
		{"mention no space", "<@UBOT42>get pods -n shop", getPods("shop")},
		{"leading whitespace", "  \t<@UBOT42>   get   pods  -n shop \n", getPods("shop")},
		{"--namespace value", "get pods --namespace shop", getPods("shop")},
		{"--namespace=value", "get pods --namespace=shop", getPods("shop")},
		{"-nvalue", "get pods -nshop", getPods("shop")},
		{"-n=value", "get pods -n=shop", getPods("shop")},
		{"flag before resource", "get -n shop pods", getPods("shop")},
		{"newline separated", "get pods\n-n shop", getPods("shop")},

		// get
		{"get names", "get pods a b", executors.Command{Tool: kubectl, Verb: "get", Action: "get", Resource: "pods", Names: []string{"a", "b"}}},
		{"get type/name", "get pod/a pod/b -n shop", executors.Command{Tool: kubectl, Verb: "get", Action: "get", Resource: "pod", Names: []string{"a", "b"}, Namespace: "shop"}},
		{"get secret/x", "get secret/db-pass -n shop", executors.Command{Tool: kubectl, Verb: "get", Action: "get", Resource: "secret", Names: []string{"db-pass"}, Namespace: "shop"}},
		{"get grouped resource", "get deployments.apps", executors.Command{Tool: kubectl, Verb: "get", Action: "get", Resource: "deployments.apps"}},
		{"get versioned resource", "get deployments.v1.apps api", executors.Command{Tool: kubectl, Verb: "get", Action: "get", Resource: "deployments.v1.apps", Names: []string{"api"}}},
		{"get dotted name", "get cm kube-root-ca.crt", executors.Command{Tool: kubectl, Verb: "get", Action: "get", Resource: "cm", Names: []string{"kube-root-ca.crt"}}},
		{"get -A", "get pods -A", executors.Command{Tool: kubectl, Verb: "get", Action: "get", Resource: "pods", AllNamespaces: true}},
		{"get --all-namespaces", "get pods --all-namespaces", executors.Command{Tool: kubectl, Verb: "get", Action: "get", Resource: "pods", AllNamespaces: true}},
		{"get -l", "get pods -l app=web", executors.Command{Tool: kubectl, Verb: "get", Action: "get", Resource: "pods", Selector: "app=web"}},
		{"get --selector=", "get pods --selector=app=web,tier!=db", executors.Command{Tool: kubectl, Verb: "get", Action: "get", Resource: "pods", Selector: "app=web,tier!=db"}},
		{"get -l exists and not", "get pods -l app,!canary", executors.Command{Tool: kubectl, Verb: "get", Action: "get", Resource: "pods", Selector: "app,!canary"}},
		{"get -l ==", "get pods -lapp==web", executors.Command{Tool: kubectl, Verb: "get", Action: "get", Resource: "pods", Selector: "app==web"}},
		{"get -l prefixed key", "get pods -l app.kubernetes.io/name=api", executors.Command{Tool: kubectl, Verb: "get", Action: "get", Resource: "pods", Selector: "app.kubernetes.io/name=api"}},
		{"get -o wide", "get pods -o wide", executors.Command{Tool: kubectl, Verb: "get", Action: "get", Resource: "pods", Output: "wide"}},
		{"get -oname", "get pods -oname", executors.Command{Tool: kubectl, Verb: "get", Action: "get", Resource: "pods", Output: "name"}},
		{"get -o yaml is get-yaml", "get pod api -o yaml", executors.Command{Tool: kubectl, Verb: "get", Action: "get-yaml", Resource: "pod", Names: []string{"api"}, Output: "yaml"}},
		{"get --output=json", "get pod api --output=json", executors.Command{Tool: kubectl, Verb: "get", Action: "get-yaml", Resource: "pod", Names: []string{"api"}, Output: "json"}},
		{"get -o=json", "get pod api -o=json", executors.Command{Tool: kubectl, Verb: "get", Action: "get-yaml", Resource: "pod", Names: []string{"api"}, Output: "json"}},
		{"get combined -Ao", "get pods -Aowide", executors.Command{Tool: kubectl, Verb: "get", Action: "get", Resource: "pods", AllNamespaces: true, Output: "wide"}},
		{"get combined -Al value", "get pods -Al app=web", executors.Command{Tool: kubectl, Verb: "get", Action: "get", Resource: "pods", AllNamespaces: true, Selector: "app=web"}},

		// describe
		{"describe", "describe pod api -n shop", executors.Command{Tool: kubectl, Verb: "describe", Action: "describe", Resource: "pod", Names: []string{"api"}, Namespace: "shop"}},
		{"describe -l", "describe pods --selector app=web", executors.Command{Tool: kubectl, Verb: "describe", Action: "describe", Resource: "pods", Selector: "app=web"}},
		{"describe node", "k describe node/worker-1", executors.Command{Tool: kubectl, Verb: "describe", Action: "describe", Resource: "node", Names: []string{"worker-1"}}},

		// logs
		{"logs pod", "logs api-0 -n shop", executors.Command{Tool: kubectl, Verb: "logs", Action: "logs", Resource: "pods", Names: []string{"api-0"}, Namespace: "shop"}},
		{"logs deploy/x", "logs deploy/api", executors.Command{Tool: kubectl, Verb: "logs", Action: "logs", Resource: "deploy", Names: []string{"api"}}},
		{"logs all flags short", "logs api -c web -p", executors.Command{Tool: kubectl, Verb: "logs", Action: "logs", Resource: "pods", Names: []string{"api"}, Container: "web", Previous: true}},
		{"logs all flags long", "logs api --container=web --previous --tail=50 --since=15m", executors.Command{Tool: kubectl, Verb: "logs", Action: "logs", Resource: "pods", Names: []string{"api"}, Container: "web", Previous: true, Tail: 50, Since: 15 * time.Minute}},
		{"logs combined -pc", "logs api -pcweb", executors.Command{Tool: kubectl, Verb: "logs", Action: "logs", Resource: "pods", Names: []string{"api"}, Container: "web", Previous: true}},
		{"logs tail bounds", "logs api --tail 10000", executors.Command{Tool: kubectl, Verb: "logs", Action: "logs", Resource: "pods", Names: []string{"api"}, Tail: 10000}},
		{"logs since max", "logs api --since 48h", executors.Command{Tool: kubectl, Verb: "logs", Action: "logs", Resource: "pods", Names: []string{"api"}, Since: 48 * time.Hour}},
		{"logs since compound", "logs api --since 1h30m", executors.Command{Tool: kubectl, Verb: "logs", Action: "logs", Resource: "pods", Names: []string{"api"}, Since: 90 * time.Minute}},
		{"logs since fraction", "logs api --since 1.5s", executors.Command{Tool: kubectl, Verb: "logs", Action: "logs", Resource: "pods", Names: []string{"api"}, Since: 1500 * time.Millisecond}},

		// events
		{"events", "events -n shop", executors.Command{Tool: kubectl, Verb: "events", Action: "events", Namespace: "shop"}},
		{"events -A", "kubectl events -A", executors.Command{Tool: kubectl, Verb: "events", Action: "events", AllNamespaces: true}},
		{"events --for", "events --for pod/api-0 -n shop", executors.Command{Tool: kubectl, Verb: "events", Action: "events", Resource: "pod", Names: []string{"api-0"}, Namespace: "shop"}},
		{"events --for=", "events --for=deployment/api", executors.Command{Tool: kubectl, Verb: "events", Action: "events", Resource: "deployment", Names: []string{"api"}}},

		// top
		{"top pods", "top pods -n shop", executors.Command{Tool: kubectl, Verb: "top", Sub: "pods", Action: "top", Resource: "pods", Namespace: "shop"}},
		{"top po -A -l", "top po -A -l app=web", executors.Command{Tool: kubectl, Verb: "top", Sub: "pods", Action: "top", Resource: "po", AllNamespaces: true, Selector: "app=web"}},
		{"top pod name", "top pod api-0", executors.Command{Tool: kubectl, Verb: "top", Sub: "pods", Action: "top", Resource: "pod", Names: []string{"api-0"}}},
		{"top nodes", "top nodes", executors.Command{Tool: kubectl, Verb: "top", Sub: "nodes", Action: "top", Resource: "nodes"}},
		{"top node -l", "top node -l pool=gpu", executors.Command{Tool: kubectl, Verb: "top", Sub: "nodes", Action: "top", Resource: "node", Selector: "pool=gpu"}},

		// rollout
		{"rollout status", "rollout status deploy/api -n shop", executors.Command{Tool: kubectl, Verb: "rollout", Sub: "status", Action: "rollout-status", Resource: "deploy", Names: []string{"api"}, Namespace: "shop"}},
		{"rollout history type name", "rollout history deployment api", executors.Command{Tool: kubectl, Verb: "rollout", Sub: "history", Action: "rollout-history", Resource: "deployment", Names: []string{"api"}}},
		{"rollout restart", "k rollout restart statefulset/db -n shop", executors.Command{Tool: kubectl, Verb: "rollout", Sub: "restart", Action: "rollout-restart", Resource: "statefulset", Names: []string{"db"}, Namespace: "shop", Mutating: true}},
		{"rollout undo", "rollout undo deploy/api", executors.Command{Tool: kubectl, Verb: "rollout", Sub: "undo", Action: "rollout-undo", Resource: "deploy", Names: []string{"api"}, Mutating: true}},
		{"rollout undo --to-revision=", "rollout undo deploy/api --to-revision=3", executors.Command{Tool: kubectl, Verb: "rollout", Sub: "undo", Action: "rollout-undo", Resource: "deploy", Names: []string{"api"}, Revision: 3, Mutating: true}},

		// scale, delete, cordon
		{"scale", "scale deploy/api --replicas 3 -n shop", executors.Command{Tool: kubectl, Verb: "scale", Action: "scale", Resource: "deploy", Names: []string{"api"}, Namespace: "shop", Replicas: ptr32(3), Mutating: true}},
		{"scale to zero", "scale deployment api --replicas=0", executors.Command{Tool: kubectl, Verb: "scale", Action: "scale", Resource: "deployment", Names: []string{"api"}, Replicas: ptr32(0), Mutating: true}},
		{"scale max", "scale sts/db --replicas 100", executors.Command{Tool: kubectl, Verb: "scale", Action: "scale", Resource: "sts", Names: []string{"db"}, Replicas: ptr32(100), Mutating: true}},
		{"delete pod", "delete pod api-0 -n shop", executors.Command{Tool: kubectl, Verb: "delete", Action: "delete", Resource: "pod", Names: []string{"api-0"}, Namespace: "shop", Mutating: true}},
		{"delete po/x", "kubectl delete po/api-0", executors.Command{Tool: kubectl, Verb: "delete", Action: "delete", Resource: "po", Names: []string{"api-0"}, Mutating: true}},
		{"delete pods x", "delete pods api-0", executors.Command{Tool: kubectl, Verb: "delete", Action: "delete", Resource: "pods", Names: []string{"api-0"}, Mutating: true}},
		{"cordon", "cordon worker-1", executors.Command{Tool: kubectl, Verb: "cordon", Action: "cordon", Resource: "nodes", Names: []string{"worker-1"}, Mutating: true}},
		{"uncordon dotted", "k uncordon ip-10-0-0-1.ec2.internal", executors.Command{Tool: kubectl, Verb: "uncordon", Action: "uncordon", Resource: "nodes", Names: []string{"ip-10-0-0-1.ec2.internal"}, Mutating: true}},
	})
}

func TestParseHelmAndBuiltinAccepts(t *testing.T) {
	rel := func(verb, action string, mutating bool) executors.Command {
		return executors.Command{Tool: helm, Verb: verb, Action: action, Resource: "releases", Names: []string{"api"}, Namespace: "shop", Mutating: mutating}
	}
	rollback3 := rel("rollback", "helm-rollback", true)
	rollback3.Revision = 3
	runAccept(t, []acceptCase{
		{"helm list", "helm list", executors.Command{Tool: helm, Verb: "list", Action: "helm-list", Resource: "releases"}},
		{"helm list -n", "helm list -n shop", executors.Command{Tool: helm, Verb: "list", Action: "helm-list", Resource: "releases", Namespace: "shop"}},
		{"helm list -A", "helm list --all-namespaces", executors.Command{Tool: helm, Verb: "list", Action: "helm-list", Resource: "releases", AllNamespaces: true}},
		{"helm status", "helm status api -n shop", rel("status", "helm-status", false)},
		{"helm history", "helm history api --namespace=shop", rel("history", "helm-history", false)},
		{"helm get values", "helm get values api -nshop", rel("get-values", "helm-get-values", false)},
		{"helm rollback", "helm rollback api -n shop", rel("rollback", "helm-rollback", true)},
		{"helm rollback revision", "helm rollback api 3 -n shop", rollback3},
		{"helm uninstall", "helm uninstall api -n shop", rel("uninstall", "helm-uninstall", true)},

		{"help", "help", executors.Command{Tool: builtin, Verb: "help"}},
		{"help topic", "help logs", executors.Command{Tool: builtin, Verb: "help", Args: []string{"logs"}}},
		{"whoami", "<@UBOT42> whoami", executors.Command{Tool: builtin, Verb: "whoami"}},
		{"version", "version", executors.Command{Tool: builtin, Verb: "version"}},
		{"can-i", "can-i kubectl delete pod x -n y", executors.Command{Tool: builtin, Verb: "can-i", Inner: &executors.Command{
			Tool: kubectl, Verb: "delete", Action: "delete", Resource: "pod", Names: []string{"x"}, Namespace: "y", Mutating: true}}},
		{"can-i bare verb", "can-i get secrets -n y", executors.Command{Tool: builtin, Verb: "can-i", Inner: &executors.Command{
			Tool: kubectl, Verb: "get", Action: "get", Resource: "secrets", Namespace: "y"}}},
		{"can-i helm", "can-i helm rollback api -n shop", executors.Command{Tool: builtin, Verb: "can-i", Inner: &executors.Command{
			Tool: helm, Verb: "rollback", Action: "helm-rollback", Resource: "releases", Names: []string{"api"}, Namespace: "shop", Mutating: true}}},
		{"can-i silence", "can-i silence shop/api 1h", executors.Command{Tool: builtin, Verb: "can-i", Inner: &executors.Command{
			Tool: builtin, Verb: "silence", Action: "silence", Namespace: "shop", Names: []string{"api"}, Since: time.Hour}}},
		{"silence", "silence shop/api 2h", executors.Command{Tool: builtin, Verb: "silence", Action: "silence", Namespace: "shop", Names: []string{"api"}, Since: 2 * time.Hour}},
		{"silence days and reason", "silence shop/api 7d deploy in progress, see INC-42", executors.Command{Tool: builtin, Verb: "silence", Action: "silence", Namespace: "shop", Names: []string{"api"}, Since: 7 * 24 * time.Hour,
			Args: []string{"deploy", "in", "progress,", "see", "INC-42"}}},
		{"silence minimum", "silence shop/api 1m", executors.Command{Tool: builtin, Verb: "silence", Action: "silence", Namespace: "shop", Names: []string{"api"}, Since: time.Minute}},
		{"silence compound", "silence shop/api 1h30m", executors.Command{Tool: builtin, Verb: "silence", Action: "silence", Namespace: "shop", Names: []string{"api"}, Since: 90 * time.Minute}},
	})
}

// Slack-formatted text that must be accepted after normalization.
func TestParseSlackFormattedAccepts(t *testing.T) {
	deployApps := executors.Command{Tool: kubectl, Verb: "get", Action: "get", Resource: "deployments.apps"}
	runAccept(t, []acceptCase{
		{"auto-linked resource", "get <http://deployments.apps|deployments.apps>", deployApps},
		{"auto-linked https", "get <https://deployments.apps|deployments.apps>", deployApps},
		{"auto-linked node name", "cordon <http://node-1.example.com|node-1.example.com>", executors.Command{Tool: kubectl, Verb: "cordon", Action: "cordon", Resource: "nodes", Names: []string{"node-1.example.com"}, Mutating: true}},
		{"code span", "<@UBOT42> `get pods -n shop`", getPods("shop")},
		{"triple code span", "```get pods -n shop```", getPods("shop")},
		{"triple code span multiline", "```\nget pods -n shop\n```", getPods("shop")},
		{"fullwidth letters fold", "ｇｅｔ ｐｏｄｓ －ｎ ｓｈｏｐ", getPods("shop")},
		{"no-break space folds", "get\u00a0pods -n\u00a0shop", getPods("shop")},
		{"ideographic space folds", "get\u3000pods -n shop", getPods("shop")},
		{"crlf", "get pods\r\n-n shop\r\n", getPods("shop")},
		{"exactly 32 words", "kubectl get pods" + strings.Repeat(" a", 29), manyNames(29)},
		{"exactly 1024 bytes", "kubectl get pods " + longName(1024-len("kubectl get pods ")), executors.Command{Tool: kubectl, Verb: "get", Action: "get", Resource: "pods", Names: strings.Fields(longName(1024 - len("kubectl get pods ")))}},
	})
}

func manyNames(n int) executors.Command {
	c := executors.Command{Tool: kubectl, Verb: "get", Action: "get", Resource: "pods"}
	for range n {
		c.Names = append(c.Names, "a")
	}
	return c
}

// longName is a valid DNS-1123 subdomain of exactly n bytes when n <= 253,
// or several names joined by spaces filling n bytes.
func longName(n int) string {
	var parts []string
	for n > 0 {
		l := min(n, 253)
		if n-l == 1 { // never leave a single byte for the separator alone
			l--
		}
		parts = append(parts, strings.Repeat("a", l))
		n -= l
		if n > 0 {
			n-- // the separating space
		}
	}
	return strings.Join(parts, " ")
}
