package redact

import (
	"fmt"
	"regexp"
	"strings"
)

// Mask replaces every secret.
const Mask = "[REDACTED]"

// rule masks one shape of secret in a line.
type rule struct {
	// hints are lower-case substrings of which a line must contain at least
	// one for the rule to apply; checking them first skips the regexp work
	// on ordinary lines. Empty means always apply.
	hints []string
	apply func(string) string
}

// Key names whose values are secret, matched case-insensitively with any
// prefix or suffix (DB_PASSWORD, client_secret, x-api-key, access_token).
var secretKeywords = []string{
	"password", "passwd", "pwd", "secret", "token",
	"apikey", "api_key", "api-key", "accesskey", "access_key", "access-key",
}

// A value: a JSON string (plain or escaped inside another JSON string), a
// single-quoted string, or a bare word up to a separator.
const secretValue = `\\"(?:[^"\\]|\\[^"])*\\"|"(?:[^"\\]|\\.)*"|'[^']*'|[^\s"'&,;)}\]\\]+`

var (
	basicAuthURL  = regexp.MustCompile(`\b([a-zA-Z][a-zA-Z0-9+.-]*://[^/\s:@"']*:)[^/\s@"']+@`)
	authorization = regexp.MustCompile(`(?i)(\b(?:proxy-)?authorization["']?\s*[:=]\s*["'\[]?)((?:bearer|basic|token|digest|negotiate)\s+)?([^\s"',;\]]+)`)
	bearer        = regexp.MustCompile(`(?i)\b(bearer\s+)[A-Za-z0-9\-._~+/]{8,}=*`)
	// What must follow a keyword for it to name a secret being assigned: the
	// rest of the key name, an optional closing quote, the separator and
	// the value. A colon must follow the key directly, so Kubernetes
	// messages such as `volume "db-secret" : secret "db-secret" not found`
	// survive.
	assignment = regexp.MustCompile(`^[\w.-]*(?:\\?["'])?(?::|\s*=)\s*(` + secretValue + `)`)
	slackToken = regexp.MustCompile(`\b(xox[abposre](?:\.xox[abposr])?-|xapp-)[A-Za-z0-9-]+`)
	awsKeyID   = regexp.MustCompile(`\b(?:AKIA|ASIA)[0-9A-Z]{16}\b`)
	// JWTs: header.payload.signature, both JSON objects base64url-encoded.
	jwt = regexp.MustCompile(`\beyJ[A-Za-z0-9_-]+\.eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*`)
)

// defaultRules, in order. Private key blocks are handled outside the rules
// because they span lines.
func defaultRules() []rule {
	return []rule{
		// scheme://user:pass@host → scheme://user:[REDACTED]@host
		{[]string{"://"}, replacer(basicAuthURL, func(m []string) string { return m[1] + Mask + "@" })},
		// Authorization: Bearer x / Basic x / x, in headers, JSON and Go
		// header dumps (Authorization:[Bearer x]).
		{[]string{"authorization"}, replacer(authorization, func(m []string) string {
			// Without a scheme, only a credential-looking value: registry
			// errors say "may require authorization: server message".
			if m[2] == "" && !credentialLike(m[3]) {
				return m[0]
			}
			return m[1] + m[2] + Mask
		})},
		// bearer x anywhere else; 8+ characters so prose ("bearer token
		// expired") survives.
		{[]string{"bearer"}, replacer(bearer, func(m []string) string { return m[1] + Mask })},
		// key=value, key: value, "key":"value", key = 'value'.
		{[]string{"pass", "pwd", "secret", "token", "key"}, maskAssignments},
		// Slack tokens keep their type prefix: xoxb-[REDACTED].
		{[]string{"xox", "xapp-"}, replacer(slackToken, func(m []string) string { return m[1] + Mask })},
		{[]string{"akia", "asia"}, replacer(awsKeyID, maskAll)},
		{[]string{"eyj"}, replacer(jwt, maskAll)},
	}
}

func maskAll([]string) string { return Mask }

// masked reports whether s already holds a mask, whole or cut short by a
// pattern that stops at "]"; masking it again would garble it.
func masked(s string) bool { return strings.Contains(s, Mask[:len(Mask)-1]) }

// replacer applies re to a line, rebuilding each match with keep, which
// gets the submatches and keeps what is not secret (key names, quotes,
// prefixes).
func replacer(re *regexp.Regexp, keep func(m []string) string) func(string) string {
	return func(s string) string {
		idx := re.FindAllStringSubmatchIndex(s, -1)
		if idx == nil {
			return s
		}
		var b strings.Builder
		last := 0
		for _, loc := range idx {
			b.WriteString(s[last:loc[0]])
			if match := s[loc[0]:loc[1]]; masked(match) {
				b.WriteString(match)
			} else {
				m := make([]string, len(loc)/2)
				for g := range m {
					if loc[2*g] >= 0 {
						m[g] = s[loc[2*g]:loc[2*g+1]]
					}
				}
				b.WriteString(keep(m))
			}
			last = loc[1]
		}
		b.WriteString(s[last:])
		return b.String()
	}
}

// groupMasker masks only group 1 of each match of an operator's pattern.
func groupMasker(re *regexp.Regexp) func(string) string {
	return func(s string) string {
		idx := re.FindAllStringSubmatchIndex(s, -1)
		if idx == nil {
			return s
		}
		var b strings.Builder
		last := 0
		for _, loc := range idx {
			if loc[2] < 0 || masked(s[loc[2]:loc[3]]) {
				continue
			}
			b.WriteString(s[last:loc[2]])
			b.WriteString(Mask)
			last = loc[3]
		}
		b.WriteString(s[last:])
		return b.String()
	}
}

// maskAssignments masks the values assigned to secret-looking keys. It finds
// keywords by plain search and matches only the rest with a regexp anchored
// after each: one unanchored, case-insensitive regexp for the whole shape is
// an order of magnitude slower in Go's backtracking matcher.
func maskAssignments(s string) string {
	lower := asciiLower(s) // same byte offsets as s
	var b strings.Builder
	last := 0
	for from := 0; ; {
		at, kwEnd := nextKeyword(lower, from)
		if at < 0 {
			break
		}
		from = at + 1
		loc := assignment.FindStringSubmatchIndex(s[kwEnd:])
		if loc == nil {
			continue
		}
		start, end := kwEnd+loc[2], kwEnd+loc[3]
		if masked(s[start:end]) {
			continue
		}
		b.WriteString(s[last:start])
		b.WriteString(quoteLike(s[start:end]))
		last, from = end, end
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

// nextKeyword finds the first secret keyword in lower at or after from.
func nextKeyword(lower string, from int) (start, end int) {
	start = -1
	for _, kw := range secretKeywords {
		if i := strings.Index(lower[from:], kw); i >= 0 && (start < 0 || from+i < start) {
			start, end = from+i, from+i+len(kw)
		}
	}
	return start, end
}

// asciiLower lower-cases ASCII letters only, so byte offsets into the result
// are offsets into s (strings.ToLower may change the length of non-ASCII).
func asciiLower(s string) string {
	i := strings.IndexFunc(s, func(r rune) bool { return 'A' <= r && r <= 'Z' })
	if i < 0 {
		return s
	}
	b := []byte(s)
	for ; i < len(b); i++ {
		if 'A' <= b[i] && b[i] <= 'Z' {
			b[i] += 'a' - 'A'
		}
	}
	return string(b)
}

// credentialLike reports whether a bare word looks like a token rather than
// English: long, or mid-length with a digit in it.
func credentialLike(s string) bool {
	return len(s) >= 20 || len(s) >= 8 && strings.ContainsAny(s, "0123456789")
}

// quoteLike masks a value but keeps the quotes around it, so JSON stays
// JSON. An empty quoted value is left alone: there is nothing to hide.
func quoteLike(v string) string {
	for _, q := range []string{`\"`, `"`, `'`} {
		if len(v) >= 2*len(q) && strings.HasPrefix(v, q) && strings.HasSuffix(v, q) {
			if len(v) == 2*len(q) {
				return v
			}
			return q + Mask + q
		}
	}
	return Mask
}

var (
	// A PEM private key, whole on one line (JSON-escaped newlines).
	keyBlock = regexp.MustCompile(`(-----BEGIN[A-Z0-9 ]* PRIVATE KEY-----).*?(-----END[A-Z0-9 ]* PRIVATE KEY-----)`)
	keyBegin = regexp.MustCompile(`-----BEGIN[A-Z0-9 ]* PRIVATE KEY-----`)
	keyEnd   = regexp.MustCompile(`-----END[A-Z0-9 ]* PRIVATE KEY-----`)
	// A line that is nothing but a long base64 run: a key body whose BEGIN
	// line was cut off by the log tail.
	base64Line = regexp.MustCompile(`^\s*[A-Za-z0-9+/]{40,}={0,2}\s*$`)
)

// Redactor masks secrets. It is immutable and safe for concurrent use.
type Redactor struct {
	rules []rule
}

// New builds a Redactor from the default rules plus extraPatterns, regular
// expressions from the redact.patterns config key. A pattern with capture
// groups masks only what group 1 matched (`api-key=(\S+)` keeps "api-key=");
// otherwise the whole match is masked. A pattern that does not compile, or
// that matches the empty string, is an error naming its index.
func New(extraPatterns []string) (*Redactor, error) {
	r := &Redactor{rules: defaultRules()}
	for i, p := range extraPatterns {
		re, err := regexp.Compile(p)
		if err != nil {
			return nil, fmt.Errorf("redact.patterns[%d]: %w", i, err)
		}
		if re.MatchString("") {
			return nil, fmt.Errorf("redact.patterns[%d]: %q matches the empty string", i, p)
		}
		r.rules = append(r.rules, extraRule(re))
	}
	return r, nil
}

// Default is a Redactor with only the default rules.
func Default() *Redactor {
	return &Redactor{rules: defaultRules()}
}

func extraRule(re *regexp.Regexp) rule {
	if re.NumSubexp() == 0 {
		return rule{apply: replacer(re, maskAll)}
	}
	return rule{apply: groupMasker(re)}
}

// Line masks the secrets in one line. A private key that begins on the line
// is masked to the end of it; use Lines for multi-line input so the rest of
// the block is masked too.
func (r *Redactor) Line(s string) string {
	s, _ = r.line(s, false)
	return s
}

// Lines masks the secrets in consecutive lines, such as a log tail. It also
// masks the body of a private key block that spans lines. in is not changed.
func (r *Redactor) Lines(in []string) []string {
	if in == nil {
		return nil
	}
	out := make([]string, len(in))
	inKey := false
	for i, s := range in {
		out[i], inKey = r.line(s, inKey)
	}
	return out
}

// line masks one line given whether a private key block is open, and
// reports whether one is open after it.
func (r *Redactor) line(s string, inKey bool) (string, bool) {
	if inKey {
		loc := keyEnd.FindStringIndex(s)
		if loc == nil {
			return Mask, true
		}
		s = Mask + s[loc[0]:]
	}
	if strings.Contains(s, "PRIVATE KEY-----") {
		s = keyBlock.ReplaceAllString(s, "${1}"+Mask+"${2}")
		// Complete blocks were masked above, so only the last BEGIN can be
		// unclosed.
		if locs := keyBegin.FindAllStringIndex(s, -1); locs != nil {
			if end := locs[len(locs)-1][1]; !keyEnd.MatchString(s[end:]) {
				return s[:end] + Mask, true
			}
		}
	}
	if len(s) >= 40 && base64Line.MatchString(s) {
		return Mask, false
	}
	// Masks never add a hint, so one lower-casing serves every rule.
	lower := strings.ToLower(s)
	for _, rl := range r.rules {
		if rl.hinted(lower) {
			s = rl.apply(s)
		}
	}
	return s, false
}

func (rl rule) hinted(lower string) bool {
	if len(rl.hints) == 0 {
		return true
	}
	for _, h := range rl.hints {
		if strings.Contains(lower, h) {
			return true
		}
	}
	return false
}
