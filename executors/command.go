package executors

import (
	"strconv"
	"strings"
	"time"
)

// Tool is the command family a chat command belongs to.
type Tool string

// The three tools. Built-ins never reach the cluster through kubectl or helm.
const (
	ToolKubectl Tool = "kubectl"
	ToolHelm    Tool = "helm"
	ToolBuiltin Tool = "builtin"
)

// Command is one parsed, validated chat command: the only thing executors,
// policy and audit ever see. It is built by bot/parse from chat text that
// passed a closed grammar, so every field holds printable ASCII that was
// validated for its role (DNS-1123 names, a parsed label selector, bounded
// integers). Executors still treat it as untrusted input to the cluster:
// nothing here is ever handed to a shell.
//
// The zero value of every optional field means "not given": "" for strings,
// 0 for numbers, nil for Replicas and Inner.
type Command struct {
	Tool Tool
	// Verb is the command word. kubectl: get, describe, logs, events, top,
	// rollout, scale, delete, cordon, uncordon. helm: list, status, history,
	// get-values, rollback, uninstall. builtin: help, whoami, can-i, version,
	// silence.
	Verb string
	// Sub is the subcommand: status|history|restart|undo for rollout,
	// pods|nodes for top.
	Sub string
	// Action is the policy action (rbac): get, get-yaml, describe, logs,
	// events, top, rollout-status, rollout-history, rollout-restart,
	// rollout-undo, scale, delete, cordon, uncordon, helm-list, helm-status,
	// helm-history, helm-get-values, helm-rollback, helm-uninstall, silence.
	// Empty for the built-ins that need no authorization (help, whoami,
	// version, can-i; can-i authorizes its Inner command instead).
	Action string
	// Resource is the resource type as typed ("po", "deployments.apps"),
	// canonicalized later through the RESTMapper so a policy on "pods" cannot
	// be dodged by spelling. Where the grammar implies the type it is the
	// canonical plural: "pods" for `logs NAME`, "nodes" for cordon/uncordon,
	// "releases" for helm. For events it is the type of the --for target and
	// empty without --for. Empty for built-ins.
	Resource string
	// Names are the object names (DNS-1123 subdomains); helm release names for
	// helm; the workload for silence. Nil when none were given.
	Names []string
	// Namespace comes from -n (or the silence target); "" means the configured
	// default namespace.
	Namespace string
	// AllNamespaces is -A.
	AllNamespaces bool
	// Selector is a label selector that labels.Parse accepted, as typed.
	Selector string
	// Output is "", "wide", "name", "yaml" or "json"; yaml and json make the
	// Action get-yaml so policy can refuse full objects separately.
	Output string
	// Container is logs -c.
	Container string
	// Previous is logs -p.
	Previous bool
	// Tail is logs --tail; 0 means the executor's default.
	Tail int64
	// Since is logs --since, or the silence duration.
	Since time.Duration
	// Replicas is scale --replicas; nil only for other verbs.
	Replicas *int32
	// Revision is rollout undo --to-revision or the helm rollback REVISION;
	// 0 means the previous revision.
	Revision int
	// Inner is the command a can-i asks about.
	Inner *Command
	// Args are built-in arguments, each validated: the help topic, the
	// silence reason words.
	Args []string
	// Mutating marks commands that change the cluster: rollout restart/undo,
	// scale, delete, cordon, uncordon, helm rollback/uninstall. Replies to
	// them show who ran what in the channel.
	Mutating bool
}

// Tokens renders the command in its canonical chat spelling, one token per
// element. Parsing the tokens joined by spaces yields an equal Command, so the
// audit log and replies can show exactly what will run, in one spelling,
// whatever the user typed (`-nfoo`, `--namespace=foo`, `po/x`, `k`...).
func (c Command) Tokens() []string {
	var t []string
	switch c.Tool {
	case ToolKubectl:
		t = c.kubectlTokens()
	case ToolHelm:
		t = c.helmTokens()
	case ToolBuiltin:
		t = c.builtinTokens()
	default:
		return nil
	}
	return t
}

// String is the canonical spelling joined by spaces.
func (c Command) String() string { return strings.Join(c.Tokens(), " ") }

func (c Command) kubectlTokens() []string {
	t := []string{string(ToolKubectl), c.Verb}
	switch c.Verb {
	case "get", "describe", "top":
		t = append(t, c.Resource)
		t = append(t, c.Names...)
	case "logs":
		for _, n := range c.Names {
			if c.Resource == "pods" {
				t = append(t, n) // the implied type stays implied
			} else {
				t = append(t, c.Resource+"/"+n)
			}
		}
	case "rollout":
		t = append(t, c.Sub)
		t = append(t, typeSlashNames(c.Resource, c.Names)...)
	case "scale":
		t = append(t, typeSlashNames(c.Resource, c.Names)...)
	case "delete":
		t = append(t, c.Resource)
		t = append(t, c.Names...)
	case "cordon", "uncordon":
		t = append(t, c.Names...)
	}
	// One fixed flag order, short spellings where they exist.
	if c.Namespace != "" {
		t = append(t, "-n", c.Namespace)
	}
	if c.AllNamespaces {
		t = append(t, "-A")
	}
	if c.Selector != "" {
		t = append(t, "-l", c.Selector)
	}
	if c.Output != "" {
		t = append(t, "-o", c.Output)
	}
	if c.Container != "" {
		t = append(t, "-c", c.Container)
	}
	if c.Previous {
		t = append(t, "-p")
	}
	if c.Tail != 0 {
		t = append(t, "--tail", strconv.FormatInt(c.Tail, 10))
	}
	if c.Since != 0 {
		t = append(t, "--since", formatDuration(c.Since, false))
	}
	if c.Verb == "events" && c.Resource != "" {
		t = append(t, "--for")
		t = append(t, typeSlashNames(c.Resource, c.Names)...)
	}
	if c.Replicas != nil {
		t = append(t, "--replicas", strconv.FormatInt(int64(*c.Replicas), 10))
	}
	if c.Revision != 0 {
		t = append(t, "--to-revision", strconv.Itoa(c.Revision))
	}
	return t
}

func (c Command) helmTokens() []string {
	t := []string{string(ToolHelm)}
	if c.Verb == "get-values" {
		t = append(t, "get", "values") // the only spelling helm knows
	} else {
		t = append(t, c.Verb)
	}
	t = append(t, c.Names...)
	if c.Revision != 0 {
		t = append(t, strconv.Itoa(c.Revision))
	}
	if c.Namespace != "" {
		t = append(t, "-n", c.Namespace)
	}
	if c.AllNamespaces {
		t = append(t, "-A")
	}
	return t
}

func (c Command) builtinTokens() []string {
	t := []string{c.Verb}
	switch c.Verb {
	case "can-i":
		if c.Inner != nil {
			t = append(t, c.Inner.Tokens()...)
		}
	case "silence":
		for _, n := range c.Names {
			t = append(t, c.Namespace+"/"+n)
		}
		t = append(t, formatDuration(c.Since, true))
		t = append(t, c.Args...)
	default:
		t = append(t, c.Args...)
	}
	return t
}

func typeSlashNames(resource string, names []string) []string {
	out := make([]string, 0, len(names))
	for _, n := range names {
		out = append(out, resource+"/"+n)
	}
	return out
}

// formatDuration spells d the short way a person would type it ("90m" →
// "1h30m", not "1h30m0s"). With days, whole days are written "7d", the
// spelling silence accepts; kubectl --since knows no days, so logs pass false.
func formatDuration(d time.Duration, days bool) string {
	if days && d > 0 && d%(24*time.Hour) == 0 {
		return strconv.FormatInt(int64(d/(24*time.Hour)), 10) + "d"
	}
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}
