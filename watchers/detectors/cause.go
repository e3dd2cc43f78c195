package detectors

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	corev1 "k8s.io/api/core/v1"
)

// maxCause bounds a cause so one verbose runtime error cannot swamp a
// message; the full text stays in Alert.Message.
const maxCause = 256

// terminationCause explains how a container run ended, e.g.
// "OOMKilled (exit code 137)", "Error (exit code 1)",
// "killed by signal SIGSEGV (exit code 139)".
func terminationCause(t *corev1.ContainerStateTerminated) string {
	code := " (exit code " + strconv.Itoa(int(t.ExitCode)) + ")"
	switch {
	case t.Reason == "OOMKilled":
		return "OOMKilled" + code
	case t.Reason == "ContainerCannotRun" || t.Reason == "StartError":
		// The process never started (bad command, missing binary); the
		// runtime's message is the whole story.
		if msg := cleanMessage(t.Message); msg != "" {
			return t.Reason + ": " + msg
		}
		return t.Reason + code
	}
	sig := t.Signal
	// 137 (SIGKILL) and 143 (SIGTERM) are the ordinary stop codes and read
	// better as plain exit codes; other 128+n codes are crashes like SIGSEGV.
	if sig == 0 && t.ExitCode > 128 && t.ExitCode < 128+32 && t.ExitCode != 137 && t.ExitCode != 143 {
		sig = t.ExitCode - 128
	}
	if sig != 0 {
		return "killed by signal " + signalName(sig) + code
	}
	if t.Reason == "" {
		return "exit code " + strconv.Itoa(int(t.ExitCode))
	}
	return t.Reason + code
}

// Linux signal numbers, which is what containers run under.
var signalNames = [...]string{
	1: "SIGHUP", 2: "SIGINT", 3: "SIGQUIT", 4: "SIGILL", 5: "SIGTRAP", 6: "SIGABRT",
	7: "SIGBUS", 8: "SIGFPE", 9: "SIGKILL", 10: "SIGUSR1", 11: "SIGSEGV", 12: "SIGUSR2",
	13: "SIGPIPE", 14: "SIGALRM", 15: "SIGTERM", 16: "SIGSTKFLT", 17: "SIGCHLD", 18: "SIGCONT",
	19: "SIGSTOP", 20: "SIGTSTP", 21: "SIGTTIN", 22: "SIGTTOU", 23: "SIGURG", 24: "SIGXCPU",
	25: "SIGXFSZ", 26: "SIGVTALRM", 27: "SIGPROF", 28: "SIGWINCH", 29: "SIGIO", 30: "SIGPWR",
	31: "SIGSYS",
}

func signalName(n int32) string {
	if n > 0 && int(n) < len(signalNames) {
		return signalNames[n]
	}
	return "signal " + strconv.Itoa(int(n))
}

// Image pull causes.
const (
	pullNotFound               = "image not found"
	pullUnauthorized           = "unauthorized"
	pullNotFoundOrUnauthorized = "image not found or unauthorized"
	pullRateLimited            = "rate limited"
	pullNetwork                = "timeout/network"
	pullSignature              = "signature validation failed"
	pullOther                  = "other"
)

var (
	// Quoted strings in pull errors are image references; an image named
	// "timeout-svc" must not read as a network failure.
	quoted = regexp.MustCompile(`"[^"]*"`)
	// Status codes as words, not digits inside a digest.
	status404 = regexp.MustCompile(`\b404\b`)
	status40x = regexp.MustCompile(`\b40[13]\b`)
	status429 = regexp.MustCompile(`\b429\b`)
)

// pullCause classifies an image pull failure from the kubelet's waiting
// message. ImagePullBackOff messages carry the previous pull error
// ("Back-off pulling image "x": ErrImagePull: ..."), so both states classify
// the same way.
func pullCause(reason, msg, image string) string {
	m := strings.ToLower(quoted.ReplaceAllString(msg, ""))
	for _, ref := range imageRefs(image) {
		m = removeRef(m, strings.ToLower(ref))
	}
	has := func(subs ...string) bool {
		for _, s := range subs {
			if strings.Contains(m, s) {
				return true
			}
		}
		return false
	}
	switch {
	case reason == "SignatureValidationFailed" || has("signature validation failed"):
		return pullSignature
	case has("toomanyrequests", "too many requests", "rate limit") || status429.MatchString(m):
		return pullRateLimited
	case reason == "RegistryUnavailable" || has("registry is unavailable", "i/o timeout", "timeout", "deadline exceeded",
		"dial tcp", "no such host", "connection refused", "connection reset", "tls handshake", "network is unreachable",
		"x509:", ": eof", "unexpected eof"):
		return pullNetwork
	case has("pull access denied") && has("repository does not exist"):
		// Docker Hub answers this for both missing and private repositories.
		return pullNotFoundOrUnauthorized
	case has("not found", "manifest unknown", "repository does not exist", "name unknown") || status404.MatchString(m):
		return pullNotFound
	case has("unauthorized", "authentication required", "denied", "forbidden", "no basic auth credentials") || status40x.MatchString(m):
		return pullUnauthorized
	}
	return pullOther
}

// imageRefs are the spellings of image a runtime may echo back in its error,
// longest first so a shorter one never leaves a fragment behind.
func imageRefs(image string) []string {
	if image == "" {
		return nil
	}
	refs := []string{image}
	if !strings.Contains(image, "@") && !strings.Contains(image[strings.LastIndex(image, "/")+1:], ":") {
		refs = append(refs, image+":latest")
	}
	if host, _, ok := strings.Cut(image, "/"); !ok || !(strings.ContainsAny(host, ".:") || host == "localhost") {
		// No registry host: the runtime expands the name to Docker Hub.
		prefix := "docker.io/"
		if !ok {
			prefix = "docker.io/library/"
		}
		for _, r := range refs {
			refs = append(refs, prefix+r)
		}
	}
	slices.SortFunc(refs, func(a, b string) int { return len(b) - len(a) })
	return refs
}

// removeRef deletes whole-token occurrences of ref from m, so removing the
// image "auth" leaves "authentication required" intact.
func removeRef(m, ref string) string {
	var b strings.Builder
	for {
		i := strings.Index(m, ref)
		if i < 0 {
			break
		}
		end := i + len(ref)
		if (i > 0 && isRefByte(m[i-1])) || (end < len(m) && isRefByte(m[end])) {
			b.WriteString(m[:i+1])
			m = m[i+1:]
			continue
		}
		b.WriteString(m[:i])
		m = m[end:]
	}
	if b.Len() == 0 {
		return m
	}
	b.WriteString(m)
	return b.String()
}

func isRefByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '_' || c == '-' || c == '/'
}

// Wrappers runtimes put around the one clause that says what went wrong.
var (
	rpcPrefix  = regexp.MustCompile(`^rpc error: code = \w+ desc = `)
	ociMarkers = []string{"unable to start container process: ", "error during container init: "}
)

// cleanMessage trims runtime boilerplate from a container error so the cause
// reads like `secret "db" not found` or `exec: "foo": executable file not
// found in $PATH`, on one line and bounded.
func cleanMessage(msg string) string {
	msg = oneLine(msg)
	for {
		before := msg
		msg = strings.TrimPrefix(msg, "Error: ")
		msg = rpcPrefix.ReplaceAllString(msg, "")
		if msg == before {
			break
		}
	}
	for _, m := range ociMarkers {
		if i := strings.LastIndex(msg, m); i >= 0 {
			msg = msg[i+len(m):]
		}
	}
	msg = strings.TrimSuffix(msg, ": unknown")
	return truncate(msg)
}

// oneLine collapses runs of whitespace, newlines included, to one space.
func oneLine(s string) string {
	if !strings.ContainsAny(s, "\n\r\t") && !strings.Contains(s, "  ") {
		return strings.TrimSpace(s)
	}
	return strings.Join(strings.Fields(s), " ")
}

// truncate bounds s to maxCause bytes without splitting a rune.
func truncate(s string) string {
	if len(s) <= maxCause {
		return s
	}
	cut := maxCause - len("…")
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}
