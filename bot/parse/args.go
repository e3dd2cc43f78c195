package parse

import (
	"fmt"
	"strings"

	"github.com/watchkeeper/watchkeeper/executors"
)

// Positional argument readers, one per shape of command. Each runs after the
// flags are read, so it can check combinations.

func noArgs(g *grammar, _ *executors.Command, args []string) *Error {
	if len(args) > 0 {
		return fail(CodeArgument, fmt.Sprintf("`%s` takes no arguments, but got `%s`.", g.path, echo(args[0])),
			fmt.Sprintf("For example `%s`.", g.example))
	}
	return nil
}

// resourceArgs reads get and describe: `TYPE [NAME...]` or
// `TYPE/NAME [TYPE/NAME...]` with one type, as kubectl does; mixing the two
// forms or types is refused because a Command has one resource.
func resourceArgs(g *grammar, c *executors.Command, args []string) *Error {
	if len(args) == 0 {
		return fail(CodeArgument, fmt.Sprintf("`%s` needs a resource type.", g.path), fmt.Sprintf("For example `%s`.", g.example))
	}
	if strings.Contains(args[0], "/") {
		for _, a := range args {
			typ, name, ok := strings.Cut(a, "/")
			if !ok {
				return mixedForms()
			}
			if c.Resource == "" {
				if err := checkResource(typ); err != nil {
					return err
				}
				c.Resource = typ
			} else if typ != c.Resource {
				return fail(CodeArgument, "Give one resource type per command.", fmt.Sprintf("For example `%s`.", g.example))
			}
			if err := checkName(name); err != nil {
				return err
			}
			c.Names = append(c.Names, name)
		}
	} else {
		if err := checkResource(args[0]); err != nil {
			return err
		}
		c.Resource = args[0]
		for _, name := range args[1:] {
			if strings.Contains(name, "/") {
				return mixedForms()
			}
			if err := checkName(name); err != nil {
				return err
			}
			c.Names = append(c.Names, name)
		}
	}
	if len(c.Names) > 0 && c.AllNamespaces {
		return fail(CodeArgument, "Names can't be combined with `-A`: a name belongs to one namespace.", "Use `-n NAMESPACE` instead.")
	}
	if len(c.Names) > 0 && c.Selector != "" {
		return fail(CodeArgument, "Give names or `-l`, not both.", "")
	}
	if c.Output == "yaml" || c.Output == "json" {
		// Full objects are their own policy action (they carry env values,
		// annotations, secret data).
		c.Action = "get-yaml"
	}
	return nil
}

func mixedForms() *Error {
	return fail(CodeArgument, "Use either `TYPE NAME...` or `TYPE/NAME...`, not both.", "")
}

// logsArgs reads one pod, or TYPE/NAME (kubectl picks a pod of the object).
// A second positional (kubectl's container shortcut) is refused: use -c.
func logsArgs(g *grammar, c *executors.Command, args []string) *Error {
	if len(args) != 1 {
		return fail(CodeArgument, "`logs` takes exactly one pod.", "For example `logs api-0 -n shop`; pick a container with `-c CONTAINER`.")
	}
	if typ, name, ok := strings.Cut(args[0], "/"); ok {
		if err := checkResource(typ); err != nil {
			return err
		}
		if err := checkName(name); err != nil {
			return err
		}
		c.Resource, c.Names = typ, []string{name}
		return nil
	}
	if err := checkName(args[0]); err != nil {
		return err
	}
	c.Resource, c.Names = "pods", []string{args[0]}
	return nil
}

// topArgs reads an optional single name after `top pods|nodes`.
func topArgs(g *grammar, c *executors.Command, args []string) *Error {
	switch len(args) {
	case 0:
		return nil
	case 1:
		if err := checkName(args[0]); err != nil {
			return err
		}
		if c.AllNamespaces || c.Selector != "" {
			return fail(CodeArgument, "A name can't be combined with `-A` or `-l`.", "")
		}
		c.Names = []string{args[0]}
		return nil
	}
	return fail(CodeArgument, fmt.Sprintf("`%s` takes at most one name.", g.path), fmt.Sprintf("For example `%s`.", g.example))
}

// objectArgs reads exactly one object: TYPE/NAME or TYPE NAME.
func objectArgs(g *grammar, c *executors.Command, args []string) *Error {
	var typ, name string
	switch {
	case len(args) == 1 && strings.Contains(args[0], "/"):
		typ, name, _ = strings.Cut(args[0], "/")
	case len(args) == 2 && !strings.Contains(args[0], "/"):
		typ, name = args[0], args[1]
	default:
		return fail(CodeArgument, fmt.Sprintf("`%s` takes exactly one object, as TYPE/NAME.", g.path), fmt.Sprintf("For example `%s`.", g.example))
	}
	if err := checkResource(typ); err != nil {
		return err
	}
	if err := checkName(name); err != nil {
		return err
	}
	c.Resource, c.Names = typ, []string{name}
	return nil
}

func scaleArgs(g *grammar, c *executors.Command, args []string) *Error {
	if err := objectArgs(g, c, args); err != nil {
		return err
	}
	if c.Replicas == nil {
		return fail(CodeArgument, "`scale` needs `--replicas COUNT`.", fmt.Sprintf("For example `%s`.", g.example))
	}
	return nil
}

// deleteArgs allows one named pod and nothing else: deleting a pod is the
// "restart this one" gesture; everything else deserves a pipeline.
func deleteArgs(g *grammar, c *executors.Command, args []string) *Error {
	err := objectArgs(g, c, args)
	if err == nil {
		switch c.Resource {
		case "po", "pod", "pods":
			return nil
		}
	}
	return fail(CodeArgument, "Only `delete pod NAME` is available from chat: one pod, by name.", fmt.Sprintf("For example `%s`.", g.example))
}

func nodeArgs(g *grammar, c *executors.Command, args []string) *Error {
	if len(args) != 1 {
		return fail(CodeArgument, fmt.Sprintf("`%s` takes exactly one node name.", g.path), fmt.Sprintf("For example `%s`.", g.example))
	}
	if err := checkName(args[0]); err != nil {
		return err
	}
	c.Resource, c.Names = "nodes", []string{args[0]}
	return nil
}

func helmListArgs(g *grammar, c *executors.Command, args []string) *Error {
	c.Resource = "releases"
	return noArgs(g, c, args)
}

func releaseArgs(g *grammar, c *executors.Command, args []string) *Error {
	if len(args) != 1 {
		return fail(CodeArgument, fmt.Sprintf("`%s` takes exactly one release name.", g.path), fmt.Sprintf("For example `%s`.", g.example))
	}
	if err := checkReleaseName(args[0]); err != nil {
		return err
	}
	c.Resource, c.Names = "releases", []string{args[0]}
	return nil
}

// rollbackArgs reads RELEASE [REVISION]; no revision means the previous one.
func rollbackArgs(g *grammar, c *executors.Command, args []string) *Error {
	if len(args) == 2 {
		n, err := boundedInt(args[1], 1, maxRevision)
		if err != nil {
			return fail(CodeArgument, fmt.Sprintf("`%s` is not a revision number.", echo(args[1])),
				"Leave it out to roll back to the previous revision.")
		}
		c.Revision = int(n)
		args = args[:1]
	}
	return releaseArgs(g, c, args)
}

func helpArgs(g *grammar, c *executors.Command, args []string) *Error {
	switch {
	case len(args) == 0:
		return nil
	case len(args) == 1 && isHelpTopic(args[0]):
		c.Args = []string{args[0]}
		return nil
	}
	return fail(CodeArgument, fmt.Sprintf("I have no help on `%s`.", echo(strings.Join(args, " "))), "Try `help` on its own.")
}

// silenceArgs reads `silence NAMESPACE/WORKLOAD DURATION [REASON...]`: one
// workload's alerts, for 1m to 7d ("30m", "2h", "1h30m", "3d"), with an
// optional free-text reason of plain words.
func silenceArgs(g *grammar, c *executors.Command, args []string) *Error {
	if len(args) < 2 {
		return fail(CodeArgument, "`silence` needs NAMESPACE/WORKLOAD and a duration.", fmt.Sprintf("For example `%s`.", g.example))
	}
	ns, name, ok := strings.Cut(args[0], "/")
	if !ok {
		return fail(CodeArgument, "`silence` needs NAMESPACE/WORKLOAD first.", fmt.Sprintf("For example `%s`.", g.example))
	}
	if err := checkNamespace(ns); err != nil {
		err.Code = CodeArgument
		return err
	}
	if err := checkName(name); err != nil {
		return err
	}
	d, ok := silenceDuration(args[1])
	if !ok || d < MinSilence || d > MaxSilence {
		return fail(CodeArgument, fmt.Sprintf("`%s` is not a silence duration from 1m to 7d.", echo(args[1])), "For example `30m`, `2h` or `3d`.")
	}
	if len(args)-2 > maxReasonWords {
		return fail(CodeArgument, "That reason is too long.", fmt.Sprintf("Keep it to %d words.", maxReasonWords))
	}
	for _, w := range args[2:] {
		if err := checkReasonWord(w); err != nil {
			return err
		}
	}
	c.Namespace, c.Names, c.Since = ns, []string{name}, d
	if len(args) > 2 {
		c.Args = append([]string(nil), args[2:]...)
	}
	return nil
}
