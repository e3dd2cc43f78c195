package parse

import (
	"fmt"
	"strings"

	"github.com/watchkeeper/watchkeeper/executors"
)

// flag is one allow-listed flag. A flag exists only where a grammar lists it:
// there is no global flag set, so kubectl's and helm's connection and
// identity flags (--server, --as, --kubeconfig, --kube-context...) have no
// spelling that parses.
type flag struct {
	long  string // without "--"
	short byte   // 0 when there is no shorthand
	// value is the metavar for flags that take a value, "" for booleans.
	value string
	// help is how the flag is listed in hints.
	help string
	set  func(c *executors.Command, v string) *Error
}

// names is how a flag is named when it matters that both spellings are one
// flag ("-l/--selector is given twice").
func (f *flag) names() string {
	if f.short != 0 {
		return "-" + string(f.short) + "/--" + f.long
	}
	return "--" + f.long
}

// The allow-listed flags. Read-only after package initialization.
var (
	flagNamespace = &flag{long: "namespace", short: 'n', value: "NAMESPACE", help: "-n NAMESPACE", set: setNamespace}
	flagAll       = &flag{long: "all-namespaces", short: 'A', help: "-A", set: func(c *executors.Command, _ string) *Error {
		c.AllNamespaces = true
		return nil
	}}
	flagSelector  = &flag{long: "selector", short: 'l', value: "SELECTOR", help: "-l SELECTOR", set: setSelector}
	flagOutput    = &flag{long: "output", short: 'o', value: "FORMAT", help: "-o wide|name|yaml|json", set: setOutput}
	flagContainer = &flag{long: "container", short: 'c', value: "CONTAINER", help: "-c CONTAINER", set: setContainer}
	flagPrevious  = &flag{long: "previous", short: 'p', help: "-p", set: func(c *executors.Command, _ string) *Error {
		c.Previous = true
		return nil
	}}
	flagTail       = &flag{long: "tail", value: "LINES", help: "--tail 1..10000", set: setTail}
	flagSince      = &flag{long: "since", value: "DURATION", help: "--since DURATION (up to 48h)", set: setSince}
	flagFor        = &flag{long: "for", value: "TYPE/NAME", help: "--for TYPE/NAME", set: setFor}
	flagReplicas   = &flag{long: "replicas", value: "COUNT", help: fmt.Sprintf("--replicas 0..%d", MaxReplicas), set: setReplicas}
	flagToRevision = &flag{long: "to-revision", value: "REVISION", help: "--to-revision REVISION", set: setToRevision}
)

// splitFlags separates flags from positional arguments the way pflag would
// read them, so every spelling pflag accepts is recognized and checked:
// --flag=value, --flag value, -fvalue, -f=value, -f value and combined
// booleans (-Ap). Flags may sit anywhere after the verb. A flag that is not
// in the grammar's list is an error naming the flag, never a positional.
func splitFlags(g *grammar, c *executors.Command, toks []string) ([]string, *Error) {
	var pos []string
	seen := map[*flag]bool{}
	apply := func(f *flag, v string) *Error {
		if seen[f] {
			return fail(CodeFlag, fmt.Sprintf("`%s` is given twice.", f.names()), "Give each flag once.")
		}
		seen[f] = true
		return f.set(c, v)
	}
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		switch {
		case t == "--":
			return nil, fail(CodeFlag, "`--` (end of flags) is not accepted.", g.flagHint())
		case strings.HasPrefix(t, "--"):
			name, v, hasValue := strings.Cut(t[2:], "=")
			f := g.long(name)
			if f == nil {
				return nil, g.unknownFlag("--" + name)
			}
			if f.value == "" {
				if hasValue {
					return nil, fail(CodeFlagValue, fmt.Sprintf("`--%s` takes no value.", f.long), "")
				}
			} else if !hasValue {
				if i+1 >= len(toks) || isFlagLike(toks[i+1]) {
					return nil, needsValue(f, "--"+name)
				}
				i++
				v = toks[i]
			}
			if err := apply(f, v); err != nil {
				return nil, err
			}
		case len(t) > 1 && t[0] == '-':
			// A cluster of shorthands: booleans until one takes a value,
			// which then consumes the rest of the token (after an optional
			// '=') or the next token, exactly as pflag does.
			for s := t[1:]; s != ""; {
				f := g.short(s[0])
				if f == nil {
					return nil, g.unknownFlag("-" + s[:1])
				}
				if f.value == "" {
					if len(s) > 1 && s[1] == '=' {
						return nil, fail(CodeFlagValue, fmt.Sprintf("`-%c` takes no value.", f.short), "")
					}
					if err := apply(f, ""); err != nil {
						return nil, err
					}
					s = s[1:]
					continue
				}
				v := strings.TrimPrefix(s[1:], "=")
				if s[1:] == "" {
					if i+1 >= len(toks) || isFlagLike(toks[i+1]) {
						return nil, needsValue(f, "-"+s[:1])
					}
					i++
					v = toks[i]
				} else if v == "" {
					return nil, needsValue(f, "-"+s[:1])
				}
				if err := apply(f, v); err != nil {
					return nil, err
				}
				break
			}
		default:
			pos = append(pos, t)
		}
	}
	return pos, nil
}

// isFlagLike refuses a flag as the value of the flag before it ("-n -A"):
// pflag would take it, and no valid value starts with '-'.
func isFlagLike(t string) bool { return len(t) > 1 && t[0] == '-' }

func needsValue(f *flag, spelled string) *Error {
	return fail(CodeFlagValue, fmt.Sprintf("`%s` needs a value.", spelled), fmt.Sprintf("For example `%s`.", f.help))
}

func (g *grammar) long(name string) *flag {
	for _, f := range g.flags {
		if f.long == name {
			return f
		}
	}
	return nil
}

func (g *grammar) short(ch byte) *flag {
	for _, f := range g.flags {
		if f.short != 0 && f.short == ch {
			return f
		}
	}
	return nil
}

func (g *grammar) flagHint() string {
	if len(g.flags) == 0 {
		return fmt.Sprintf("`%s` takes no flags.", g.path)
	}
	helps := make([]string, len(g.flags))
	for i, f := range g.flags {
		helps[i] = f.help
	}
	return fmt.Sprintf("Allowed for `%s`: %s.", g.path, strings.Join(helps, ", "))
}

func (g *grammar) unknownFlag(name string) *Error {
	hint := g.flagHint()
	if isGlobalFlag(name) {
		hint = "Connection, identity and verbosity flags are never accepted: I always act as you, on this cluster. " + hint
	}
	return fail(CodeFlag, fmt.Sprintf("Unknown flag `%s`.", echo(name)), hint)
}

// isGlobalFlag recognizes kubectl's and helm's global flags only to explain
// the refusal better; refusing them does not depend on this list.
func isGlobalFlag(name string) bool {
	switch strings.TrimLeft(name, "-") {
	case "s", "v", "server", "kubeconfig", "context", "cluster", "user", "token", "as", "as-group", "as-uid",
		"username", "password", "certificate-authority", "client-key", "client-certificate",
		"insecure-skip-tls-verify", "tls-server-name", "request-timeout", "cache-dir", "profile", "profile-output",
		"vmodule", "log-flush-frequency", "match-server-version", "disable-compression", "warnings-as-errors",
		"kube-context", "kube-token", "kube-apiserver", "kube-as-user", "kube-as-group", "kube-ca-file",
		"kube-insecure-skip-tls-verify", "kube-tls-server-name", "registry-config", "repository-config",
		"repository-cache", "debug", "burst-limit", "qps":
		return true
	}
	return false
}
