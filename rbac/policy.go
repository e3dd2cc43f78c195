package rbac

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/casbin/casbin/v2"
	"github.com/casbin/casbin/v2/model"
)

// Row types of the policy file.
const (
	rowPolicy   = "p" // p, SUBJECT, CHANNEL, NAMESPACE, RESOURCE, ACTION, EFFECT
	rowRole     = "g" // g, MEMBER, ROLE, CHANNEL
	rowApproval = "a" // a, CHANNEL, NAMESPACE, RESOURCE, ACTION
)

// Effects of a p row.
const (
	EffectAllow = "allow"
	EffectDeny  = "deny"
)

// LineError is one problem in a policy file, at a 1-based line number.
type LineError struct {
	Line int
	Err  error
}

func (e *LineError) Error() string { return fmt.Sprintf("line %d: %v", e.Line, e.Err) }
func (e *LineError) Unwrap() error { return e.Err }

// rule is a p row.
type rule struct {
	line                       int
	sub, ch, ns, res, act, eft string
	fields                     []string // sub..eft, as casbin sees them
}

// binding is a g row: MEMBER holds ROLE in channels matching CHANNEL.
type binding struct {
	line             int
	member, role, ch string
}

// approval is an a row: requests matching it need a second person.
type approval struct {
	line             int
	ch, ns, res, act string
}

// Policy is a validated, compiled policy. It is immutable once built and
// safe for concurrent use.
type Policy struct {
	rules     []rule
	bindings  []binding
	approvals []approval
	groups    []string // S… IDs the policy names, sorted
	digest    string
	enforcer  *casbin.SyncedEnforcer
}

// Digest is the SHA-256 of the policy source, for logs.
func (p *Policy) Digest() string { return p.digest }

// ParsePolicy validates and compiles a policy file. Every problem is
// reported, each naming its line; nothing is compiled unless all lines are
// valid. Blank lines and lines starting with # are ignored.
func ParsePolicy(src []byte) (*Policy, error) {
	p := &Policy{digest: digestOf(src)}
	var errs []error
	seen := map[string]int{} // row text → first line
	groups := map[string]bool{}

	sc := bufio.NewScanner(bytes.NewReader(src))
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for n := 1; sc.Scan(); n++ {
		text := strings.TrimSpace(sc.Text())
		if n == 1 {
			text = strings.TrimPrefix(text, "\ufeff") // a BOM from some editors
		}
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		fields, err := splitRow(text)
		if err != nil {
			errs = append(errs, &LineError{Line: n, Err: err})
			continue
		}
		key := strings.Join(fields, "\x00")
		if first, dup := seen[key]; dup {
			errs = append(errs, &LineError{Line: n, Err: fmt.Errorf("duplicate of line %d", first)})
			continue
		}
		seen[key] = n
		if err := p.addRow(n, fields, groups); err != nil {
			errs = append(errs, &LineError{Line: n, Err: err})
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read policy: %w", err)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	if len(p.rules) == 0 {
		return nil, errors.New("policy has no p rows: it would deny everything")
	}
	for g := range groups {
		p.groups = append(p.groups, g)
	}
	slices.Sort(p.groups)

	enf, err := compile(p)
	if err != nil {
		return nil, fmt.Errorf("compile policy: %w", err)
	}
	p.enforcer = enf
	return p, nil
}

func digestOf(src []byte) string {
	sum := sha256.Sum256(src)
	return hex.EncodeToString(sum[:])
}

// splitRow reads one CSV record (so a pattern with a comma, such as
// "{get,describe}", can be quoted) and trims each field.
func splitRow(text string) ([]string, error) {
	r := csv.NewReader(strings.NewReader(text))
	r.TrimLeadingSpace = true
	r.FieldsPerRecord = -1
	fields, err := r.Read()
	if err != nil {
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return nil, fmt.Errorf("not a CSV row: %w", err)
	}
	if _, err := r.Read(); err != io.EOF {
		return nil, errors.New("not a CSV row: more than one record")
	}
	for i := range fields {
		fields[i] = strings.TrimSpace(fields[i])
		if fields[i] == "" {
			return nil, fmt.Errorf("field %d is empty", i+1)
		}
		if len(fields[i]) > maxFieldLength {
			return nil, fmt.Errorf("field %d is longer than %d characters", i+1, maxFieldLength)
		}
	}
	return fields, nil
}

func (p *Policy) addRow(line int, f []string, groups map[string]bool) error {
	switch f[0] {
	case rowPolicy:
		if len(f) != 7 {
			return fmt.Errorf("p row has %d fields, want 7: p, SUBJECT, CHANNEL, NAMESPACE, RESOURCE, ACTION, EFFECT", len(f))
		}
		r := rule{line: line, sub: f[1], ch: f[2], ns: f[3], res: f[4], act: f[5], eft: f[6]}
		if err := checkSubject(r.sub); err != nil {
			return err
		}
		if err := checkChannel(r.ch); err != nil {
			return err
		}
		if err := checkNamespace(r.ns); err != nil {
			return err
		}
		if err := checkResource(r.res); err != nil {
			return err
		}
		if err := checkAction(r.act); err != nil {
			return err
		}
		if r.eft != EffectAllow && r.eft != EffectDeny {
			return fmt.Errorf("bad effect %q: want allow or deny", r.eft)
		}
		if isGroupID(r.sub) {
			groups[r.sub] = true
		}
		r.fields = slices.Clone(f[1:])
		p.rules = append(p.rules, r)
	case rowRole:
		if len(f) != 4 {
			return fmt.Errorf("g row has %d fields, want 4: g, MEMBER, ROLE, CHANNEL", len(f))
		}
		b := binding{line: line, member: f[1], role: f[2], ch: f[3]}
		if !isUserID(b.member) && !isGroupID(b.member) {
			return fmt.Errorf("member %q is not a Slack user ID (U…/W…) or user-group ID (S…)", b.member)
		}
		if !isRole(b.role) {
			return fmt.Errorf("role %q is not a role name (role:NAME)", b.role)
		}
		if err := checkChannel(b.ch); err != nil {
			return err
		}
		if isGroupID(b.member) {
			groups[b.member] = true
		}
		p.bindings = append(p.bindings, b)
	case rowApproval:
		if len(f) != 5 {
			return fmt.Errorf("a row has %d fields, want 5: a, CHANNEL, NAMESPACE, RESOURCE, ACTION", len(f))
		}
		a := approval{line: line, ch: f[1], ns: f[2], res: f[3], act: f[4]}
		if err := checkChannel(a.ch); err != nil {
			return err
		}
		if err := checkNamespace(a.ns); err != nil {
			return err
		}
		if err := checkResource(a.res); err != nil {
			return err
		}
		if err := checkAction(a.act); err != nil {
			return err
		}
		p.approvals = append(p.approvals, a)
	default:
		return fmt.Errorf("unknown row type %q: want p, g or a", f[0])
	}
	return nil
}

func checkSubject(s string) error {
	if isUserID(s) || isGroupID(s) || isRole(s) {
		return nil
	}
	return fmt.Errorf("subject %q is not a Slack user ID (U…/W…), user-group ID (S…) or role (role:NAME); display names and channel names are not identities", s)
}

func checkChannel(s string) error {
	switch {
	case strings.EqualFold(s, dmChannel) && s != dmChannel:
		return fmt.Errorf("channel %q: write direct messages as dm, in lower case", s)
	case s == dmChannel, channelIDRe.MatchString(s):
		return nil
	case !channelPatRe.MatchString(s):
		return fmt.Errorf("channel %q is not a channel ID (C…/G…/D…), a glob over IDs (C0DEV*, *) or dm; use the channel ID, not its name", s)
	case !validGlob(s):
		return fmt.Errorf("channel pattern %q does not compile", s)
	}
	return nil
}

func checkNamespace(s string) error {
	switch {
	case s == allNamespaces, s == clusterScoped:
		return nil
	case !nsPatRe.MatchString(s):
		return fmt.Errorf("namespace %q is not a namespace, a glob (team-a-*), * or -", s)
	case !validGlob(s):
		return fmt.Errorf("namespace pattern %q does not compile", s)
	}
	return nil
}

func checkResource(s string) error {
	switch {
	case !resPatRe.MatchString(s):
		return fmt.Errorf("resource %q is not a lower-case plural resource (pods, deployments, releases) or a glob", s)
	case !validGlob(s):
		return fmt.Errorf("resource pattern %q does not compile", s)
	}
	return nil
}

func checkAction(s string) error {
	if KnownAction(s) {
		return nil
	}
	if !isGlob(s) || !actionPatRe.MatchString(s) {
		return fmt.Errorf("unknown action %q (known: %s)", s, strings.Join(knownActions, ", "))
	}
	if !validGlob(s) {
		return fmt.Errorf("action pattern %q does not compile", s)
	}
	if !slices.ContainsFunc(knownActions, func(a string) bool { return globMatch(a, s) }) {
		return fmt.Errorf("action pattern %q matches no known action", s)
	}
	return nil
}

// compile builds the casbin enforcer for a validated policy. Rows are added
// to the model directly (no adapter, no files), in file order, so EnforceEx
// names the first matching row of the file.
func compile(p *Policy) (*casbin.SyncedEnforcer, error) {
	m, err := model.NewModelFromString(modelText)
	if err != nil {
		return nil, fmt.Errorf("load model: %w", err)
	}
	prows := make([][]string, 0, len(p.rules))
	for _, r := range p.rules {
		prows = append(prows, r.fields)
	}
	if err := m.AddPolicies("p", "p", prows); err != nil {
		return nil, fmt.Errorf("add p rows: %w", err)
	}
	grows := make([][]string, 0, len(p.bindings))
	for _, b := range p.bindings {
		grows = append(grows, []string{b.member, b.role, b.ch})
	}
	if len(grows) > 0 {
		if err := m.AddPolicies("g", "g", grows); err != nil {
			return nil, fmt.Errorf("add g rows: %w", err)
		}
	}
	enf, err := casbin.NewSyncedEnforcer(m)
	if err != nil {
		return nil, fmt.Errorf("new enforcer: %w", err)
	}
	enf.AddFunction("chMatch", chMatchFunc)
	enf.AddFunction("nsMatch", nsMatchFunc)
	if !enf.AddNamedDomainMatchingFunc("g", "chMatch", chMatch) {
		return nil, errors.New("model has no g role manager")
	}
	if err := enf.BuildRoleLinks(); err != nil {
		return nil, fmt.Errorf("build role links: %w", err)
	}
	return enf, nil
}
