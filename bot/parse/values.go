package parse

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/watchkeeper/watchkeeper/executors"
)

// Bounds on numeric values. MaxReplicas is the scale ceiling; the executor
// may apply a lower one from config.
const (
	MaxReplicas    = 100
	MaxTail        = 10000
	MaxSince       = 48 * time.Hour
	MaxSilence     = 7 * 24 * time.Hour
	MinSilence     = time.Minute
	maxRevision    = math.MaxInt32
	maxReasonWords = 20
	maxWordLen     = 64
)

func setNamespace(c *executors.Command, v string) *Error {
	if err := checkNamespace(v); err != nil {
		return err
	}
	c.Namespace = v
	return nil
}

func checkNamespace(v string) *Error {
	if len(validation.IsDNS1123Label(v)) != 0 {
		return fail(CodeFlagValue, fmt.Sprintf("`%s` is not a valid namespace.", echo(v)),
			"Namespaces are lower-case letters, digits and `-`, up to 63 characters.")
	}
	return nil
}

func setSelector(c *executors.Command, v string) *Error {
	// < and > (the Gt/Lt operators) are refused so no field ever holds a
	// Slack control character; set-based selectors need spaces, which the
	// tokenizer never keeps, so they cannot be typed either.
	if v == "" || strings.ContainsAny(v, "<>") {
		return badSelector(v)
	}
	sel, err := labels.Parse(v)
	if err != nil || sel.Empty() {
		return badSelector(v)
	}
	c.Selector = v
	return nil
}

func badSelector(v string) *Error {
	return fail(CodeFlagValue, fmt.Sprintf("`%s` is not a label selector I accept.", echo(v)),
		"Use `key=value`, `key!=value`, `key` or `!key`, joined by commas without spaces.")
}

func setOutput(c *executors.Command, v string) *Error {
	switch v {
	case "wide", "name", "yaml", "json":
		c.Output = v
		return nil
	}
	return fail(CodeFlagValue, fmt.Sprintf("Output format `%s` is not available.", echo(v)),
		"Use `-o wide`, `-o name`, `-o yaml` or `-o json`; templates and jsonpath are never accepted.")
}

func setContainer(c *executors.Command, v string) *Error {
	if len(validation.IsDNS1123Label(v)) != 0 {
		return fail(CodeFlagValue, fmt.Sprintf("`%s` is not a valid container name.", echo(v)), "")
	}
	c.Container = v
	return nil
}

func setTail(c *executors.Command, v string) *Error {
	n, err := boundedInt(v, 1, MaxTail)
	if err != nil {
		return fail(CodeFlagValue, fmt.Sprintf("`--tail` must be a number from 1 to %d.", MaxTail), "")
	}
	c.Tail = n
	return nil
}

func setSince(c *executors.Command, v string) *Error {
	d, ok := goDuration(v)
	if !ok || d < time.Second || d > MaxSince {
		return fail(CodeFlagValue, fmt.Sprintf("`--since` must be a duration from 1s to 48h, not `%s`.", echo(v)),
			"For example `--since 15m` or `--since 2h`.")
	}
	c.Since = d
	return nil
}

func setFor(c *executors.Command, v string) *Error {
	typ, name, ok := strings.Cut(v, "/")
	if !ok {
		return fail(CodeFlagValue, "`--for` needs TYPE/NAME.", "For example `--for pod/api-7d9f`.")
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

func setReplicas(c *executors.Command, v string) *Error {
	n, err := boundedInt(v, 0, MaxReplicas)
	if err != nil {
		return fail(CodeFlagValue, fmt.Sprintf("`--replicas` must be a number from 0 to %d.", MaxReplicas), "")
	}
	r := int32(n)
	c.Replicas = &r
	return nil
}

func setToRevision(c *executors.Command, v string) *Error {
	n, err := boundedInt(v, 1, maxRevision)
	if err != nil {
		return fail(CodeFlagValue, "`--to-revision` must be a revision number (1 or more).",
			"Leave it out to go back to the previous revision.")
	}
	c.Revision = int(n)
	return nil
}

// boundedInt accepts plain decimal digits only: no sign, no 0x, no _, so a
// value has one spelling that strconv and the renderer agree on.
func boundedInt(v string, lo, hi int64) (int64, error) {
	if v == "" || len(v) > 10 {
		return 0, errors.New("bad length")
	}
	for i := 0; i < len(v); i++ {
		if v[i] < '0' || v[i] > '9' {
			return 0, errors.New("not a digit")
		}
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("parse int: %w", err)
	}
	if n < lo || n > hi {
		return 0, fmt.Errorf("%d out of range %d..%d", n, lo, hi)
	}
	return n, nil
}

// goDuration accepts what kubectl --since accepts (time.ParseDuration)
// without a sign, so a negative or "+" spelling never reaches the bounds.
func goDuration(v string) (time.Duration, bool) {
	if v == "" || len(v) > 32 || v[0] < '0' || v[0] > '9' {
		return 0, false
	}
	d, err := time.ParseDuration(v)
	return d, err == nil
}

// silenceDuration adds whole days ("7d") to Go durations, because that is how
// people say how long to silence something.
func silenceDuration(v string) (time.Duration, bool) {
	if days, ok := strings.CutSuffix(v, "d"); ok {
		n, err := boundedInt(days, 1, 7)
		if err != nil {
			return 0, false
		}
		return time.Duration(n) * 24 * time.Hour, true
	}
	return goDuration(v)
}

// checkResource allows what a RESTMapper could resolve (po, pods,
// deployments.apps, deployments.v1.apps) and nothing else: the spelling is
// canonicalized later, so here it only has to be harmless.
func checkResource(v string) *Error {
	ok := v != "" && len(v) <= validation.DNS1123SubdomainMaxLength && isAlnum(v[0]) && isAlnum(v[len(v)-1])
	for i := 0; ok && i < len(v); i++ {
		ok = isAlnum(v[i]) || v[i] == '.' || v[i] == '-'
	}
	if !ok {
		return fail(CodeArgument, fmt.Sprintf("`%s` is not a resource type.", echo(v)),
			"Resource types are lower case, like `pods`, `deploy` or `deployments.apps`.")
	}
	return nil
}

func isAlnum(b byte) bool { return (b >= 'a' && b <= 'z') || (b >= '0' && b <= '9') }

func checkName(v string) *Error {
	if len(validation.IsDNS1123Subdomain(v)) != 0 {
		return fail(CodeArgument, fmt.Sprintf("`%s` is not a valid name.", echo(v)),
			"Names are lower-case letters, digits, `-` and `.` (DNS-1123), up to 253 characters.")
	}
	return nil
}

// checkReleaseName applies helm's rule: a DNS-1123 subdomain of at most 53
// characters.
func checkReleaseName(v string) *Error {
	if len(v) > 53 || len(validation.IsDNS1123Subdomain(v)) != 0 {
		return fail(CodeArgument, fmt.Sprintf("`%s` is not a valid release name.", echo(v)),
			"Release names are lower-case letters, digits, `-` and `.`, up to 53 characters.")
	}
	return nil
}

// checkReasonWord keeps silence reasons to plain words and punctuation that
// Slack renders literally: no @, #, <, >, &, *, ~ or backticks.
func checkReasonWord(v string) *Error {
	ok := v != "" && len(v) <= maxWordLen && v[0] != '-'
	for i := 0; ok && i < len(v); i++ {
		b := v[i]
		ok = (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') || (b >= '0' && b <= '9') || strings.IndexByte(".,:;_()+=/!?-", b) >= 0
	}
	if !ok {
		return fail(CodeArgument, fmt.Sprintf("`%s` can't be part of a silence reason.", echo(v)),
			"Use plain words: letters, digits and . , : ; _ ( ) + = / ! ? -")
	}
	return nil
}
