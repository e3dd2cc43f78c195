package parse

import (
	"fmt"
	"strings"

	"github.com/watchkeeper/watchkeeper/executors"
)

// grammar is the closed grammar of one command path ("get", "rollout undo",
// "helm get values"): which flags exist for it and how its positional
// arguments are read. A path that is not in a table does not exist.
type grammar struct {
	path     string // as named in messages
	tool     executors.Tool
	verb     string
	sub      string
	action   string
	mutating bool
	example  string
	flags    []*flag
	args     func(g *grammar, c *executors.Command, args []string) *Error
}

func kubectl(path, action string, mutating bool, example string, args argsFunc, flags ...*flag) *grammar {
	verb, sub, _ := strings.Cut(path, " ")
	return &grammar{path: path, tool: executors.ToolKubectl, verb: verb, sub: sub, action: action,
		mutating: mutating, example: example, flags: flags, args: args}
}

func helm(path, verb, action string, mutating bool, example string, args argsFunc, flags ...*flag) *grammar {
	return &grammar{path: "helm " + path, tool: executors.ToolHelm, verb: verb, action: action,
		mutating: mutating, example: "helm " + example, flags: flags, args: args}
}

func builtin(verb, action, example string, args argsFunc) *grammar {
	return &grammar{path: verb, tool: executors.ToolBuiltin, verb: verb, action: action, example: example, args: args}
}

type argsFunc = func(g *grammar, c *executors.Command, args []string) *Error

// The grammar tables. Read-only after package initialization.
var (
	kubectlVerbs = map[string]*grammar{
		"get":      kubectl("get", "get", false, "get pods -n shop", resourceArgs, flagNamespace, flagAll, flagSelector, flagOutput),
		"describe": kubectl("describe", "describe", false, "describe pod api-0 -n shop", resourceArgs, flagNamespace, flagSelector),
		"logs":     kubectl("logs", "logs", false, "logs api-0 -n shop --tail 100", logsArgs, flagNamespace, flagContainer, flagPrevious, flagTail, flagSince),
		"events":   kubectl("events", "events", false, "events -n shop --for pod/api-0", noArgs, flagNamespace, flagAll, flagFor),
		"scale":    kubectl("scale", "scale", true, "scale deploy/api --replicas 3 -n shop", scaleArgs, flagNamespace, flagReplicas),
		"delete":   kubectl("delete", "delete", true, "delete pod api-0 -n shop", deleteArgs, flagNamespace),
		"cordon":   kubectl("cordon", "cordon", true, "cordon node-1", nodeArgs),
		"uncordon": kubectl("uncordon", "uncordon", true, "uncordon node-1", nodeArgs),
	}
	rolloutSubs = map[string]*grammar{
		"status":  kubectl("rollout status", "rollout-status", false, "rollout status deploy/api -n shop", objectArgs, flagNamespace),
		"history": kubectl("rollout history", "rollout-history", false, "rollout history deploy/api -n shop", objectArgs, flagNamespace),
		"restart": kubectl("rollout restart", "rollout-restart", true, "rollout restart deploy/api -n shop", objectArgs, flagNamespace),
		"undo":    kubectl("rollout undo", "rollout-undo", true, "rollout undo deploy/api -n shop", objectArgs, flagNamespace, flagToRevision),
	}
	topSubs = map[string]*grammar{
		"pods":  kubectl("top pods", "top", false, "top pods -n shop", topArgs, flagNamespace, flagAll, flagSelector),
		"nodes": kubectl("top nodes", "top", false, "top nodes", topArgs, flagSelector),
	}
	// topWords are the spellings kubectl top itself accepts.
	topWords = map[string]string{"po": "pods", "pod": "pods", "pods": "pods", "no": "nodes", "node": "nodes", "nodes": "nodes"}

	helmVerbs = map[string]*grammar{
		"list":       helm("list", "list", "helm-list", false, "list -n shop", helmListArgs, flagNamespace, flagAll),
		"status":     helm("status", "status", "helm-status", false, "status api -n shop", releaseArgs, flagNamespace),
		"history":    helm("history", "history", "helm-history", false, "history api -n shop", releaseArgs, flagNamespace),
		"get values": helm("get values", "get-values", "helm-get-values", false, "get values api -n shop", releaseArgs, flagNamespace),
		"rollback":   helm("rollback", "rollback", "helm-rollback", true, "rollback api 3 -n shop", rollbackArgs, flagNamespace),
		"uninstall":  helm("uninstall", "uninstall", "helm-uninstall", true, "uninstall api -n shop", releaseArgs, flagNamespace),
	}

	builtins = map[string]*grammar{
		"help":    builtin("help", "", "help logs", helpArgs),
		"whoami":  builtin("whoami", "", "whoami", noArgs),
		"version": builtin("version", "", "version", noArgs),
		"silence": builtin("silence", "silence", "silence shop/api 2h deploy in progress", silenceArgs),
	}
)

// parseTokens is step 8: tokens to a typed Command through the closed
// grammar. inner is set while parsing the command a can-i asks about.
func parseTokens(toks []string, inner bool) (executors.Command, *Error) {
	var c executors.Command
	head, rest := toks[0], toks[1:]
	var g *grammar
	var err *Error
	switch head {
	case "kubectl", "k":
		if len(rest) == 0 {
			return c, fail(CodeVerb, "`kubectl` needs a verb.", verbHint)
		}
		g, rest, err = kubectlGrammar(&c, rest[0], rest[1:])
	case "helm":
		g, rest, err = helmGrammar(rest)
	case "can-i":
		return parseCanI(rest, inner)
	default:
		if b, ok := builtins[head]; ok {
			g = b
		} else {
			g, rest, err = kubectlGrammar(&c, head, rest)
		}
	}
	if err != nil {
		return c, err
	}
	c.Tool, c.Verb, c.Sub, c.Action, c.Mutating = g.tool, g.verb, g.sub, g.action, g.mutating
	pos, err := splitFlags(g, &c, rest)
	if err != nil {
		return c, err
	}
	if c.AllNamespaces && c.Namespace != "" {
		return c, fail(CodeFlag, "Use either `-n` or `-A`, not both.", "")
	}
	if err := g.args(g, &c, pos); err != nil {
		return c, err
	}
	return c, nil
}

const verbHint = "Try `help` to see the commands available here."

// kubectlGrammar finds the grammar for a kubectl verb, consuming the
// subcommand word of rollout and top, which must follow the verb directly.
func kubectlGrammar(c *executors.Command, verb string, rest []string) (*grammar, []string, *Error) {
	if g, ok := kubectlVerbs[verb]; ok {
		return g, rest, nil
	}
	switch verb {
	case "rollout":
		if len(rest) == 0 {
			return nil, nil, fail(CodeVerb, "`rollout` needs a subcommand: status, history, restart or undo.", "For example `rollout restart deploy/api -n shop`.")
		}
		if g, ok := rolloutSubs[rest[0]]; ok {
			return g, rest[1:], nil
		}
		return nil, nil, fail(CodeVerb, fmt.Sprintf("`rollout %s` is not available from chat.", echo(rest[0])),
			"Available: `rollout status`, `rollout history`, `rollout restart`, `rollout undo`.")
	case "top":
		if len(rest) == 0 {
			return nil, nil, fail(CodeVerb, "`top` needs `pods` or `nodes`.", "For example `top pods -n shop`.")
		}
		if sub, ok := topWords[rest[0]]; ok {
			c.Resource = rest[0] // as typed, like every resource
			return topSubs[sub], rest[1:], nil
		}
		return nil, nil, fail(CodeVerb, fmt.Sprintf("`top %s` is not available from chat.", echo(rest[0])), "Use `top pods` or `top nodes`.")
	}
	return nil, nil, unknownVerb(verb, "")
}

func helmGrammar(rest []string) (*grammar, []string, *Error) {
	if len(rest) == 0 {
		return nil, nil, fail(CodeVerb, "`helm` needs a verb.", helmHint)
	}
	verb := rest[0]
	if verb == "get" {
		// Only values: manifests, notes and hooks can carry secrets and are
		// not worth the risk in a channel. get-values is never a spelling.
		if len(rest) < 2 || rest[1] != "values" {
			what := "get"
			if len(rest) >= 2 {
				what = "get " + echo(rest[1])
			}
			return nil, nil, fail(CodeVerb, fmt.Sprintf("`helm %s` is not available from chat.", what), "Only `helm get values RELEASE -n NAMESPACE` is.")
		}
		return helmVerbs["get values"], rest[2:], nil
	}
	// "get values" has a space, so no single token can name it here.
	if g, ok := helmVerbs[verb]; ok {
		return g, rest[1:], nil
	}
	return nil, nil, unknownVerb(verb, "helm ")
}

const helmHint = "Available: `helm list`, `helm status`, `helm history`, `helm get values`, `helm rollback`, `helm uninstall`."

func unknownVerb(verb, prefix string) *Error {
	if strings.HasPrefix(verb, "-") {
		name, _, _ := strings.Cut(verb, "=")
		return fail(CodeFlag, fmt.Sprintf("Unknown flag `%s`.", echo(name)),
			"Flags go after the verb, and connection or identity flags are never accepted.")
	}
	if lower := strings.ToLower(verb); lower != verb && isHelpTopic(lower) {
		return fail(CodeVerb, fmt.Sprintf("`%s` is not a command; commands are lower case.", echo(verb)),
			fmt.Sprintf("Try `%s%s`.", prefix, lower))
	}
	hint := verbHint
	if prefix != "" {
		hint = helmHint
	}
	return fail(CodeVerb, fmt.Sprintf("`%s%s` is not available from chat.", prefix, echo(verb)), hint)
}

func parseCanI(rest []string, inner bool) (executors.Command, *Error) {
	if inner {
		return executors.Command{}, fail(CodeArgument, "`can-i` can't ask about another `can-i`.", "")
	}
	if len(rest) == 0 {
		return executors.Command{}, fail(CodeArgument, "`can-i` needs a command to ask about.",
			"For example `can-i delete pod api-0 -n shop`.")
	}
	in, err := parseTokens(rest, true)
	if err != nil {
		return executors.Command{}, err
	}
	if in.Action == "" {
		return executors.Command{}, fail(CodeArgument, fmt.Sprintf("`%s` needs no permission, so there is nothing to ask.", in.Verb), "")
	}
	return executors.Command{Tool: executors.ToolBuiltin, Verb: "can-i", Inner: &in}, nil
}

// isHelpTopic reports whether w names something `help` can explain. A
// literal list, because the tables themselves refer to helpArgs.
func isHelpTopic(w string) bool {
	switch w {
	case "kubectl", "get", "describe", "logs", "events", "top", "rollout", "scale", "delete", "cordon", "uncordon",
		"helm", "list", "status", "history", "rollback", "uninstall",
		"help", "whoami", "version", "can-i", "silence":
		return true
	}
	return false
}
