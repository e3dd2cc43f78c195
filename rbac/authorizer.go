package rbac

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"sync/atomic"
	"time"

	"github.com/rs/zerolog"
)

// Request is one authorization question. UserID is the immutable Slack user
// ID (U…/W…), never a display name. ChannelID is the channel ID, or "dm" for
// a direct message. Namespace is "*" for an all-namespaces request (-A) and
// "-" for a cluster-scoped resource. Resource is the canonical lower-case
// plural without group (pods, deployments, nodes; helm releases are
// "releases"). Action is one of Actions().
type Request struct {
	TeamID, UserID, ChannelID, Namespace, Resource, Action string
}

// Decision is the answer to a Request with its explanation.
type Decision struct {
	Allowed bool
	// Rule is the p row that decided (SUBJECT, CHANNEL, NAMESPACE, RESOURCE,
	// ACTION, EFFECT) as reported by casbin's EnforceEx; empty when nothing
	// matched (default deny), for hard denies and for invalid requests.
	Rule []string
	// Reason is one line for people: "allowed by p, …", "denied by p, …",
	// "no policy allows this (default deny)", "hard deny: secrets", ….
	Reason string
}

// Grant is one policy row that applies to a user in a channel, for whoami.
type Grant struct {
	// Subject is how the row reaches the user: their user ID, one of their
	// user groups, or a role they hold in the channel.
	Subject                     string
	Namespace, Resource, Action string
	Effect                      string // allow or deny
}

// Options configures an Authorizer.
type Options struct {
	// PolicyFile is the policy CSV (rbac.policyFile). Required.
	PolicyFile string
	// ReloadInterval is how often Start re-reads PolicyFile. Default 5s.
	ReloadInterval time.Duration
	// Groups resolves Slack user groups (S…). Nil: group rows match nobody.
	Groups GroupResolver
	// OnReloadError is called from Start's goroutine each time a changed
	// policy file fails to load (the old policy stays), so the app can raise
	// an alert. It must not block: reloading waits for it. Nil: logged only.
	OnReloadError func(error)
	// TeamID, if set, is the only Slack team whose users can be allowed.
	TeamID string
	// Now is the clock for the user-group cache. Default time.Now.
	Now func() time.Time
}

const defaultReloadInterval = 5 * time.Second

// Reasons for decisions made without a matching row.
const (
	reasonDefaultDeny = "no policy allows this (default deny)"
	reasonEvalError   = "policy evaluation failed (default deny)"
)

// Authorizer answers policy questions against the current policy, which
// Start swaps atomically when the file changes. It is safe for concurrent
// use.
type Authorizer struct {
	opts   Options
	log    zerolog.Logger
	policy atomic.Pointer[Policy]
	groups *groupCache

	reloadErrors atomic.Int64
	started      atomic.Bool
	lastSeen     string // digest (or read error) of the file as last seen; Start's goroutine only
}

// NewAuthorizer loads and validates the policy file once; an error names the
// file and every bad line. It starts nothing: hot reload is Start.
func NewAuthorizer(opts Options, log zerolog.Logger) (*Authorizer, error) {
	if opts.PolicyFile == "" {
		return nil, errors.New("rbac: policy file is required")
	}
	if opts.ReloadInterval <= 0 {
		opts.ReloadInterval = defaultReloadInterval
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.OnReloadError == nil {
		opts.OnReloadError = func(error) {}
	}
	log = log.With().Str("component", "rbac").Logger()
	p, err := loadPolicyFile(opts.PolicyFile)
	if err != nil {
		return nil, fmt.Errorf("rbac: %w", err)
	}
	a := &Authorizer{opts: opts, log: log, groups: newGroupCache(opts.Groups, opts.Now, log), lastSeen: p.Digest()}
	a.policy.Store(p)
	return a, nil
}

func loadPolicyFile(path string) (*Policy, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read policy: %w", err)
	}
	p, err := ParsePolicy(src)
	if err != nil {
		return nil, fmt.Errorf("load policy %s: %w", path, err)
	}
	return p, nil
}

// Authorize decides one request. Hard denies come first and no policy lifts
// them; then the request is checked for shape; then casbin decides for the
// user and for each user group (S…) in the policy that the user belongs to,
// with deny overriding allow across all of them. Anything else, including an
// evaluation error, is a deny.
func (a *Authorizer) Authorize(ctx context.Context, r Request) Decision {
	if reason := hardDeny(r); reason != "" {
		return Decision{Reason: reason}
	}
	if a.opts.TeamID != "" && r.TeamID != a.opts.TeamID {
		return Decision{Reason: "hard deny: request from another Slack team"}
	}
	if err := checkRequest(r); err != nil {
		return Decision{Reason: "invalid request: " + err.Error()}
	}
	p := a.policy.Load()
	members, unknown := a.groups.groupsOf(ctx, r.UserID, p.groups)
	d, err := p.decide(r, append([]string{r.UserID}, members...), unknown)
	if err != nil {
		a.log.Error().Err(err).Str("user_id", r.UserID).Str("channel_id", r.ChannelID).
			Str("namespace", r.Namespace).Str("resource", r.Resource).Str("action", r.Action).
			Msg("policy evaluation failed; denying")
	}
	return d
}

// CanApprove decides whether approverID may approve r, someone else's
// request that NeedsApproval: the approver must be a different user and be
// allowed the approve action for r's channel, namespace and resource. The
// caller has already checked that the approver belongs to the team.
func (a *Authorizer) CanApprove(ctx context.Context, r Request, approverID string) Decision {
	if approverID == r.UserID {
		return Decision{Reason: "hard deny: a request cannot be approved by the person who made it"}
	}
	ar := r
	ar.UserID = approverID
	ar.Action = ActionApprove
	return a.Authorize(ctx, ar)
}

// NeedsApproval reports whether r needs a second person (the policy's a
// rows). It matches inclusively, since missing an approval is the unsafe
// side: an a row's channel `*` covers DMs too, and an all-namespaces request
// needs approval if any a row would for some namespace.
func (a *Authorizer) NeedsApproval(r Request) bool {
	return a.policy.Load().needsApproval(r)
}

// Roles returns the roles userID holds in channelID, directly or through a
// user group, sorted.
func (a *Authorizer) Roles(ctx context.Context, userID, channelID string) []string {
	if !isUserID(userID) || !validChannel(channelID) {
		return nil
	}
	p := a.policy.Load()
	return p.roles(a.subjects(ctx, p, userID), channelID)
}

// Allowed lists, in file order, the p rows that apply to userID in
// channelID: rows for the user, for their user groups and for the roles they
// hold there. Deny rows are included (Effect "deny"); hard denies still apply
// on top.
func (a *Authorizer) Allowed(ctx context.Context, userID, channelID string) []Grant {
	if !isUserID(userID) || !validChannel(channelID) {
		return nil
	}
	p := a.policy.Load()
	subjects := a.subjects(ctx, p, userID)
	holders := append(slices.Clone(subjects), p.roles(subjects, channelID)...)
	var out []Grant
	for _, r := range p.rules {
		if slices.Contains(holders, r.sub) && chMatch(channelID, r.ch) {
			out = append(out, Grant{Subject: r.sub, Namespace: r.ns, Resource: r.res, Action: r.act, Effect: r.eft})
		}
	}
	return out
}

// ReloadErrors counts policy reloads that failed since the Authorizer was
// built, for a metric.
func (a *Authorizer) ReloadErrors() int { return int(a.reloadErrors.Load()) }

// subjects is the user plus the policy's user groups the user is known to
// belong to.
func (a *Authorizer) subjects(ctx context.Context, p *Policy, userID string) []string {
	members, _ := a.groups.groupsOf(ctx, userID, p.groups)
	return append([]string{userID}, members...)
}

// decide runs casbin once per subject and merges with deny-override: an
// explicit deny for any subject wins, then the first allow, else default
// deny. With the model's effect, EnforceEx returns false with a row only
// when a deny row matched. Groups whose membership is unknown (the look-up
// failed) can only deny: their deny rows apply to everyone until the
// look-up succeeds.
func (p *Policy) decide(r Request, subjects, unknown []string) (Decision, error) {
	for _, sub := range unknown {
		ok, row, err := p.enforcer.EnforceEx(sub, r.ChannelID, r.Namespace, r.Resource, r.Action)
		if err != nil {
			return Decision{Reason: reasonEvalError}, fmt.Errorf("enforce %s: %w", sub, err)
		}
		if !ok && len(row) > 0 {
			return Decision{Rule: row, Reason: "denied by " + rowText(row) + " (membership of " + sub + " unknown: user group look-up failed)"}, nil
		}
	}
	var allow *Decision
	for _, sub := range subjects {
		ok, row, err := p.enforcer.EnforceEx(sub, r.ChannelID, r.Namespace, r.Resource, r.Action)
		if err != nil {
			return Decision{Reason: reasonEvalError}, fmt.Errorf("enforce %s: %w", sub, err)
		}
		switch {
		case ok && allow == nil:
			allow = &Decision{Allowed: true, Rule: row, Reason: "allowed by " + rowText(row) + via(sub, r.UserID)}
		case !ok && len(row) > 0:
			return Decision{Rule: row, Reason: "denied by " + rowText(row) + via(sub, r.UserID)}, nil
		}
	}
	if allow != nil {
		return *allow, nil
	}
	return Decision{Reason: reasonDefaultDeny}, nil
}

func (p *Policy) roles(subjects []string, channelID string) []string {
	var out []string
	for _, b := range p.bindings {
		if slices.Contains(subjects, b.member) && chMatch(channelID, b.ch) && !slices.Contains(out, b.role) {
			out = append(out, b.role)
		}
	}
	slices.Sort(out)
	return out
}

func (p *Policy) needsApproval(r Request) bool {
	for _, ap := range p.approvals {
		nsOK := r.Namespace == allNamespaces || globMatch(r.Namespace, ap.ns)
		chOK := globMatch(r.ChannelID, ap.ch) || chMatch(r.ChannelID, ap.ch)
		if nsOK && chOK && globMatch(r.Resource, ap.res) && globMatch(r.Action, ap.act) {
			return true
		}
	}
	return false
}

func rowText(row []string) string {
	s := rowPolicy
	for _, f := range row {
		s += ", " + f
	}
	return s
}

func via(subject, userID string) string {
	if subject == userID {
		return ""
	}
	return " (as a member of " + subject + ")"
}

// checkRequest rejects requests whose fields could not come from the bot's
// parser: names that are not IDs, or values carrying glob syntax that would
// match policy patterns they should not.
func checkRequest(r Request) error {
	switch {
	case !isUserID(r.UserID):
		return fmt.Errorf("user %q is not a Slack user ID", r.UserID)
	case !validChannel(r.ChannelID):
		return fmt.Errorf("channel %q is not a channel ID or dm", r.ChannelID)
	case r.Namespace != allNamespaces && r.Namespace != clusterScoped &&
		(len(r.Namespace) > 63 || !namespaceRe.MatchString(r.Namespace)):
		return fmt.Errorf("namespace %q is not a namespace, * or -", r.Namespace)
	case len(r.Resource) > maxFieldLength || !resourceRe.MatchString(r.Resource):
		return fmt.Errorf("resource %q is not a resource name", r.Resource)
	}
	return nil
}

func validChannel(id string) bool { return id == dmChannel || channelIDRe.MatchString(id) }
