package rbac

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/casbin/casbin/v2/util"
)

// Channel scope of direct messages: the bot passes it as the channel ID.
const dmChannel = "dm"

// Namespace values with a meaning of their own.
const (
	allNamespaces  = "*" // kubectl -A / helm list -A
	clusterScoped  = "-" // nodes and other cluster-scoped resources
	globMetaChars  = "*?[]{}!^,"
	maxFieldLength = 253
)

var (
	userIDRe     = regexp.MustCompile(`^[UW][A-Z0-9]+$`)
	groupIDRe    = regexp.MustCompile(`^S[A-Z0-9]+$`)
	channelIDRe  = regexp.MustCompile(`^[CGD][A-Z0-9]+$`)
	roleRe       = regexp.MustCompile(`^role:[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?$`)
	namespaceRe  = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)
	resourceRe   = regexp.MustCompile(`^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$`)
	channelPatRe = regexp.MustCompile(`^[A-Z0-9*?\[\]{}!^,-]+$`)
	nsPatRe      = regexp.MustCompile(`^[a-z0-9*?\[\]{}!^,-]+$`)
	resPatRe     = regexp.MustCompile(`^[a-z0-9.*?\[\]{}!^,-]+$`)
	actionPatRe  = regexp.MustCompile(`^[a-z*?\[\]{}!^,-]+$`)
)

// isUserID reports whether s looks like an immutable Slack user ID.
func isUserID(s string) bool { return userIDRe.MatchString(s) }

// isGroupID reports whether s looks like a Slack user-group ID.
func isGroupID(s string) bool { return groupIDRe.MatchString(s) }

// isRole reports whether s is a role name (role:…).
func isRole(s string) bool { return roleRe.MatchString(s) }

// chMatch is the channel rule, used by the matcher for p rows and as the
// domain matching function for g rows. Direct messages are their own scope:
// the bot passes "dm", which only a pattern that is literally "dm" matches,
// so a `*` row grants every channel but never DMs. Should a DM's own channel
// ID (D…) be passed instead, it is matched by "dm" or by exactly that ID,
// never by a glob. Everything else is casbin's globMatch.
func chMatch(channel, pattern string) bool {
	if isDM(channel) {
		return pattern == channel || pattern == dmChannel
	}
	if pattern == dmChannel {
		return false
	}
	return globMatch(channel, pattern)
}

func isDM(channel string) bool {
	return channel == dmChannel || (len(channel) > 1 && channel[0] == 'D')
}

// nsMatch is the namespace rule: an all-namespaces request (`*`) is allowed
// only by a row whose namespace is literally `*`, never by a prefix such as
// `team-a-*`; anything else is casbin's globMatch (so `*` also covers the
// cluster-scoped `-`).
func nsMatch(namespace, pattern string) bool {
	if namespace == allNamespaces {
		return pattern == allNamespaces
	}
	ok, err := util.GlobMatch(namespace, pattern)
	return err == nil && ok
}

// globMatch is casbin's globMatch, with a malformed pattern as "no match".
// ParsePolicy rejects malformed patterns, so this only guards the runtime.
func globMatch(name, pattern string) bool {
	ok, err := util.GlobMatch(name, pattern)
	return err == nil && ok
}

// govaluate wrappers for the matcher. Arguments are always two strings.
func chMatchFunc(args ...any) (any, error) {
	a, b, err := twoStrings("chMatch", args)
	if err != nil {
		return false, err
	}
	return chMatch(a, b), nil
}

func nsMatchFunc(args ...any) (any, error) {
	a, b, err := twoStrings("nsMatch", args)
	if err != nil {
		return false, err
	}
	return nsMatch(a, b), nil
}

func twoStrings(name string, args []any) (string, string, error) {
	if len(args) != 2 {
		return "", "", fmt.Errorf("%s: want 2 arguments, got %d", name, len(args))
	}
	a, ok1 := args[0].(string)
	b, ok2 := args[1].(string)
	if !ok1 || !ok2 {
		return "", "", fmt.Errorf("%s: arguments must be strings", name)
	}
	return a, b, nil
}

// isGlob reports whether s uses any glob syntax.
func isGlob(s string) bool { return strings.ContainsAny(s, globMetaChars) }

// validGlob reports whether pattern compiles for casbin's globMatch
// (doublestar): character classes are closed and non-empty and alternatives
// are balanced. doublestar validates lazily while matching, so a pattern that
// mismatches early would otherwise hide its error until some later request;
// this checks the whole pattern up front. Backslash escapes are not part of
// the policy alphabet, so they need no handling here.
func validGlob(pattern string) bool {
	depth := 0
	for i := 0; i < len(pattern); i++ {
		switch pattern[i] {
		case '[':
			i++
			if i < len(pattern) && (pattern[i] == '!' || pattern[i] == '^') {
				i++
			}
			if i >= len(pattern) || pattern[i] == ']' {
				return false // unterminated or empty class
			}
			end := strings.IndexByte(pattern[i:], ']')
			if end < 0 {
				return false
			}
			i += end
		case ']':
			return false // stray close: doublestar would take it literally, which is never what a policy author meant
		case '{':
			depth++
		case '}':
			if depth == 0 {
				return false
			}
			depth--
		case '!', '^':
			return false // only meaningful as the first byte of a class
		case ',':
			if depth == 0 {
				return false // a comma outside {…} is a CSV mistake, not a pattern
			}
		}
	}
	return depth == 0
}
