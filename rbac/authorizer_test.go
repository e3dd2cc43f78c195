package rbac

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

const shippedPolicy = "testdata/policy.csv"

// fakeGroups is a GroupResolver backed by a map; groups in fail return an
// error. It counts calls per group.
type fakeGroups struct {
	mu      sync.Mutex
	members map[string][]string
	fail    map[string]bool
	calls   map[string]int
}

func newFakeGroups(members map[string][]string) *fakeGroups {
	return &fakeGroups{members: members, fail: map[string]bool{}, calls: map[string]int{}}
}

func (f *fakeGroups) Members(_ context.Context, id string) ([]string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls[id]++
	if f.fail[id] {
		return nil, errors.New("usergroups.users.list: ratelimited")
	}
	return f.members[id], nil
}

func (f *fakeGroups) Calls(id string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[id]
}

// shippedGroups are the members of the user groups the shipped policy names.
func shippedGroups() *fakeGroups {
	return newFakeGroups(map[string][]string{
		"S0ONCALL1":  {"W0ERIN001"},
		"S0SRE0001":  {"U0GRACE01"},
		"S0CONTRACT": {"U0FRANK01", "U0HEIDI01"},
	})
}

func newShipped(t testing.TB, opts Options) *Authorizer {
	t.Helper()
	if opts.PolicyFile == "" {
		opts.PolicyFile = shippedPolicy
	}
	if opts.Groups == nil {
		opts.Groups = shippedGroups()
	}
	a, err := NewAuthorizer(opts, zerolog.Nop())
	require.NoError(t, err)
	return a
}

func req(user, ch, ns, res, act string) Request {
	return Request{TeamID: "T0ACME", UserID: user, ChannelID: ch, Namespace: ns, Resource: res, Action: act}
}

func row(s string) []string { return strings.Split(s, ", ") }

type decisionCase struct {
	name string
	r    Request
	want bool
	rule string // the p row without "p, "; "" for no row
	why  string // the Reason, when it is not derived from rule
}

// decisionCases is the policy's truth table: every allow row of the shipped
// policy, and the neighbours that must deny.
var decisionCases = []decisionCase{
	// Every allow row.
	{"viewer gets pods in a dev channel", req("U0ALICE01", "C0DEV1", "team-a-web", "pods", "get"), true, "role:viewer, C0DEV*, team-a-*, pods, get, allow", ""},
	{"viewer reads logs from another dev channel", req("U0ALICE01", "C0DEV2", "team-a-api", "pods", "logs"), true, "role:viewer, C0DEV*, team-a-*, pods, logs, allow", ""},
	{"viewer describes a statefulset (brace glob)", req("U0ALICE01", "C0DEV1", "team-a-db", "statefulsets", "describe"), true, "role:viewer, C0DEV*, team-a-*, {deployments,statefulsets}, {get,describe,rollout-status}, allow", ""},
	{"viewer reads events of any resource", req("U0ALICE01", "C0DEV1", "team-a-web", "deployments", "events"), true, "role:viewer, C0DEV*, team-a-*, *, events, allow", ""},
	{"prod viewer gets pods", req("U0DAVE001", "C0PROD1", "prod-api", "pods", "get"), true, "role:viewer, C0PROD1, prod-*, pods, get, allow", ""},
	{"operator restarts a rollout", req("U0BOB0001", "C0PROD1", "prod-api", "deployments", "rollout-restart"), true, "role:operator, C0PROD1, prod-*, deployments, rollout-*, allow", ""},
	{"operator scales", req("U0BOB0001", "C0PROD1", "prod-api", "deployments", "scale"), true, "role:operator, C0PROD1, prod-*, deployments, scale, allow", ""},
	{"operator deletes a pod", req("U0BOB0001", "C0PROD1", "prod-api", "pods", "delete"), true, "role:operator, C0PROD1, prod-*, pods, delete, allow", ""},
	{"operator lists pods in all namespaces", req("U0BOB0001", "C0PROD1", "*", "pods", "get"), true, "role:operator, C0PROD1, *, pods, get, allow", ""},
	{"operator rolls back a release", req("U0BOB0001", "C0PROD1", "prod-api", "releases", "helm-rollback"), true, "role:operator, C0PROD1, prod-*, releases, helm-*, allow", ""},
	{"lead may approve", req("U0CAROL01", "C0PROD1", "prod-api", "deployments", "approve"), true, "role:lead, C0PROD1, prod-*, *, approve, allow", ""},
	{"admin deletes anything from #platform", req("U0ADMIN01", "C0OPS1", "kube-system", "pods", "delete"), true, "U0ADMIN01, C0OPS1, *, *, *, allow", ""},
	{"sre gets nodes via its group", req("U0GRACE01", "C0DEV1", "-", "nodes", "get"), true, "S0SRE0001, *, -, nodes, get, allow", "allowed by p, S0SRE0001, *, -, nodes, get, allow (as a member of S0SRE0001)"},
	{"sre cordons from #platform", req("U0GRACE01", "C0OPS1", "-", "nodes", "cordon"), true, "S0SRE0001, C0OPS1, -, nodes, {cordon,uncordon}, allow", "allowed by p, S0SRE0001, C0OPS1, -, nodes, {cordon,uncordon}, allow (as a member of S0SRE0001)"},
	{"personal grant in a DM", req("U0ALICE01", "dm", "team-a-web", "pods", "logs"), true, "U0ALICE01, dm, team-a-*, pods, logs, allow", ""},

	// Roles through user groups, and deny rows through user groups.
	{"on-call member holds operator through the group", req("W0ERIN001", "C0PROD1", "prod-api", "deployments", "rollout-restart"), true, "role:operator, C0PROD1, prod-*, deployments, rollout-*, allow", "allowed by p, role:operator, C0PROD1, prod-*, deployments, rollout-*, allow (as a member of S0ONCALL1)"},
	{"on-call operator rows are #prod-ops only", req("W0ERIN001", "C0DEV1", "prod-api", "deployments", "rollout-restart"), false, "", ""},
	{"contractor operator may restart", req("U0FRANK01", "C0PROD1", "prod-api", "deployments", "rollout-restart"), true, "role:operator, C0PROD1, prod-*, deployments, rollout-*, allow", ""},
	{"contractor group deny beats their operator role", req("U0FRANK01", "C0PROD1", "prod-api", "pods", "delete"), false, "S0CONTRACT, *, *, *, delete, deny", "denied by p, S0CONTRACT, *, *, *, delete, deny (as a member of S0CONTRACT)"},

	// Neighbours that must deny.
	{"role scoped to dev is not usable in prod", req("U0ALICE01", "C0PROD1", "prod-api", "pods", "get"), false, "", ""},
	{"operator role scoped to prod is not usable in dev", req("U0BOB0001", "C0DEV1", "team-a-web", "pods", "get"), false, "", ""},
	{"other channel", req("U0ALICE01", "C0RANDOM1", "team-a-web", "pods", "get"), false, "", ""},
	{"other namespace prefix", req("U0ALICE01", "C0DEV1", "team-b-web", "pods", "get"), false, "", ""},
	{"namespace that only shares letters", req("U0ALICE01", "C0DEV1", "team-a", "pods", "get"), false, "", ""},
	{"all namespaces against prefix rows", req("U0ALICE01", "C0DEV1", "*", "pods", "get"), false, "", ""},
	{"all namespaces against prod prefix rows", req("U0BOB0001", "C0PROD1", "*", "deployments", "rollout-restart"), false, "", ""},
	{"action the row does not list", req("U0ALICE01", "C0DEV1", "team-a-web", "pods", "delete"), false, "", ""},
	{"resource the row does not list", req("U0ALICE01", "C0DEV1", "team-a-web", "configmaps", "get"), false, "", ""},
	{"DM without a DM grant", req("U0ALICE01", "dm", "team-a-web", "pods", "get"), false, "", ""},
	{"a * channel row does not reach DMs", req("U0GRACE01", "dm", "-", "nodes", "get"), false, "", ""},
	{"a * channel role scope does not reach DMs", req("W0ERIN001", "dm", "prod-api", "pods", "get"), false, "", ""},
	{"a DM's own channel ID is still a DM", req("U0GRACE01", "D0IM1", "-", "nodes", "get"), false, "", ""},
	{"a DM's own channel ID uses dm rows", req("U0ALICE01", "D0IM1", "team-a-web", "pods", "logs"), true, "U0ALICE01, dm, team-a-*, pods, logs, allow", ""},
	{"unknown user", req("U0NOBODY1", "C0DEV1", "team-a-web", "pods", "get"), false, "", ""},
	{"lead cannot do what they approve", req("U0CAROL01", "C0PROD1", "prod-api", "deployments", "rollout-undo"), false, "", ""},
	{"operator cannot approve", req("U0BOB0001", "C0PROD1", "prod-api", "deployments", "approve"), false, "", ""},
	{"deny row overrides the allow row", req("U0BOB0001", "C0PROD1", "prod-payments", "pods", "delete"), false, "role:operator, C0PROD1, prod-payments, pods, delete, deny", ""},
	{"admin gets secret names", req("U0ADMIN01", "C0OPS1", "kube-system", "secrets", "get"), true, "U0ADMIN01, C0OPS1, *, *, *, allow", ""},
	{"admin rows stay in #platform", req("U0ADMIN01", "C0DEV1", "kube-system", "pods", "delete"), false, "", ""},

	// Hard denies and malformed requests.
	{"secrets delete despite a * row", req("U0ADMIN01", "C0OPS1", "kube-system", "secrets", "delete"), false, "", "hard deny: secrets"},
	{"secrets as yaml despite a * row", req("U0ADMIN01", "C0OPS1", "kube-system", "secrets", "get-yaml"), false, "", "hard deny: secrets"},
	{"secrets describe despite a * row", req("U0ADMIN01", "C0OPS1", "kube-system", "secrets", "describe"), false, "", "hard deny: secrets"},
	{"secret spelled singular", req("U0ADMIN01", "C0OPS1", "kube-system", "secret", "delete"), false, "", "hard deny: secrets"},
	{"unknown action exec", req("U0ADMIN01", "C0OPS1", "kube-system", "pods", "exec"), false, "", `hard deny: unknown action "exec"`},
	{"unknown action with a * row", req("U0ADMIN01", "C0OPS1", "kube-system", "pods", "port-forward"), false, "", `hard deny: unknown action "port-forward"`},
	{"display name instead of ID", req("alice", "C0DEV1", "team-a-web", "pods", "get"), false, "", `invalid request: user "alice" is not a Slack user ID`},
	{"mention instead of ID", req("<@U0ALICE01>", "C0DEV1", "team-a-web", "pods", "get"), false, "", `invalid request: user "<@U0ALICE01>" is not a Slack user ID`},
	{"channel name instead of ID", req("U0ALICE01", "#team-a-dev", "team-a-web", "pods", "get"), false, "", `invalid request: channel "#team-a-dev" is not a channel ID or dm`},
	{"glob in a requested namespace", req("U0ALICE01", "C0DEV1", "team-a-*", "pods", "get"), false, "", `invalid request: namespace "team-a-*" is not a namespace, * or -`},
	{"glob in a requested resource", req("U0ALICE01", "C0DEV1", "team-a-web", "*", "get"), false, "", `invalid request: resource "*" is not a resource name`},
	{"empty namespace", req("U0ALICE01", "C0DEV1", "", "pods", "get"), false, "", `invalid request: namespace "" is not a namespace, * or -`},
}

func TestAuthorizeShippedPolicy(t *testing.T) {
	a := newShipped(t, Options{})
	ctx := context.Background()
	var golden strings.Builder
	for _, tc := range decisionCases {
		t.Run(tc.name, func(t *testing.T) {
			d := a.Authorize(ctx, tc.r)
			require.Equal(t, tc.want, d.Allowed, d.Reason)
			if tc.rule == "" {
				require.Empty(t, d.Rule)
			} else {
				require.Equal(t, row(tc.rule), d.Rule)
			}
			want := tc.why
			switch {
			case want != "":
			case tc.rule == "":
				want = reasonDefaultDeny
			case tc.want:
				want = "allowed by p, " + tc.rule
			default:
				want = "denied by p, " + tc.rule
			}
			require.Equal(t, want, d.Reason)
		})
		r := tc.r
		if r.Namespace == "" {
			r.Namespace = `""`
		}
		fmt.Fprintf(&golden, "%-10s %-9s %-13s %-12s %-15s -> %s\n", r.UserID, r.ChannelID, r.Namespace, r.Resource, r.Action, Explain(a.Authorize(ctx, tc.r)))
	}
	checkGolden(t, "testdata/decisions.golden", golden.String())
}

// Every allow row of the shipped policy is exercised by some case above, so
// a new row without a test fails here.
func TestEveryAllowRowIsCovered(t *testing.T) {
	a := newShipped(t, Options{})
	hit := map[string]bool{}
	for _, tc := range decisionCases {
		if d := a.Authorize(context.Background(), tc.r); d.Allowed {
			hit[strings.Join(d.Rule, ", ")] = true
		}
	}
	for _, r := range a.policy.Load().rules {
		if r.eft == EffectAllow {
			require.True(t, hit[strings.Join(r.fields, ", ")], "allow row on line %d is not exercised by decisionCases", r.line)
		}
	}
}

func TestExamplePolicyIsTheTestedPolicy(t *testing.T) {
	example, err := os.ReadFile("example_policy.csv")
	require.NoError(t, err)
	tested, err := os.ReadFile(shippedPolicy)
	require.NoError(t, err)
	require.Equal(t, string(example), string(tested), "rbac/example_policy.csv and rbac/testdata/policy.csv must stay identical")
}

func TestTeamID(t *testing.T) {
	a := newShipped(t, Options{TeamID: "T0ACME"})
	ok := req("U0ALICE01", "C0DEV1", "team-a-web", "pods", "get")
	require.True(t, a.Authorize(context.Background(), ok).Allowed)

	other := ok
	other.TeamID = "T0OTHER"
	d := a.Authorize(context.Background(), other)
	require.False(t, d.Allowed)
	require.Equal(t, "hard deny: request from another Slack team", d.Reason)
}

func TestRoles(t *testing.T) {
	a := newShipped(t, Options{})
	ctx := context.Background()
	for _, tc := range []struct {
		user, ch string
		want     []string
	}{
		{"U0ALICE01", "C0DEV1", []string{"role:viewer"}},
		{"U0ALICE01", "C0DEV2", []string{"role:viewer"}},
		{"U0ALICE01", "C0PROD1", nil},
		{"U0ALICE01", "dm", nil},
		{"W0ERIN001", "C0PROD1", []string{"role:operator"}},
		{"W0ERIN001", "C0DEV1", []string{"role:operator"}},
		{"W0ERIN001", "dm", nil},
		{"U0FRANK01", "C0PROD1", []string{"role:operator"}},
		{"U0NOBODY1", "C0PROD1", nil},
		{"alice", "C0DEV1", nil},
		{"U0ALICE01", "#dev", nil},
	} {
		t.Run(tc.user+"/"+tc.ch, func(t *testing.T) {
			require.Equal(t, tc.want, a.Roles(ctx, tc.user, tc.ch))
		})
	}
}

func TestAllowed(t *testing.T) {
	a := newShipped(t, Options{})
	ctx := context.Background()

	require.Equal(t, []Grant{
		{Subject: "role:viewer", Namespace: "team-a-*", Resource: "pods", Action: "get", Effect: "allow"},
		{Subject: "role:viewer", Namespace: "team-a-*", Resource: "pods", Action: "logs", Effect: "allow"},
		{Subject: "role:viewer", Namespace: "team-a-*", Resource: "{deployments,statefulsets}", Action: "{get,describe,rollout-status}", Effect: "allow"},
		{Subject: "role:viewer", Namespace: "team-a-*", Resource: "*", Action: "events", Effect: "allow"},
	}, a.Allowed(ctx, "U0ALICE01", "C0DEV1"))

	require.Equal(t, []Grant{
		{Subject: "U0ALICE01", Namespace: "team-a-*", Resource: "pods", Action: "logs", Effect: "allow"},
	}, a.Allowed(ctx, "U0ALICE01", "dm"))

	require.Equal(t, []Grant{
		{Subject: "role:operator", Namespace: "prod-*", Resource: "deployments", Action: "rollout-*", Effect: "allow"},
		{Subject: "role:operator", Namespace: "prod-*", Resource: "deployments", Action: "scale", Effect: "allow"},
		{Subject: "role:operator", Namespace: "prod-*", Resource: "pods", Action: "delete", Effect: "allow"},
		{Subject: "role:operator", Namespace: "prod-payments", Resource: "pods", Action: "delete", Effect: "deny"},
		{Subject: "role:operator", Namespace: "*", Resource: "pods", Action: "get", Effect: "allow"},
		{Subject: "role:operator", Namespace: "prod-*", Resource: "releases", Action: "helm-*", Effect: "allow"},
		{Subject: "S0CONTRACT", Namespace: "*", Resource: "*", Action: "delete", Effect: "deny"},
	}, a.Allowed(ctx, "U0FRANK01", "C0PROD1"))

	require.Empty(t, a.Allowed(ctx, "U0ALICE01", "C0PROD1"))
	require.Empty(t, a.Allowed(ctx, "U0NOBODY1", "C0DEV1"))
	require.Empty(t, a.Allowed(ctx, "alice", "C0DEV1"))
}

func TestNeedsApprovalAndCanApprove(t *testing.T) {
	a := newShipped(t, Options{})
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		r    Request
		want bool
	}{
		{"rollout undo in prod from #prod-ops", req("U0BOB0001", "C0PROD1", "prod-api", "deployments", "rollout-undo"), true},
		{"rollout restart needs no approval", req("U0BOB0001", "C0PROD1", "prod-api", "deployments", "rollout-restart"), false},
		{"rollout undo outside the a row's channel", req("U0BOB0001", "C0OPS1", "prod-api", "deployments", "rollout-undo"), false},
		{"helm rollback in prod from anywhere", req("U0BOB0001", "C0OPS1", "prod-api", "releases", "helm-rollback"), true},
		{"helm uninstall in prod (brace glob)", req("U0BOB0001", "C0PROD1", "prod-api", "releases", "helm-uninstall"), true},
		{"an a row's * channel covers DMs", req("U0BOB0001", "dm", "prod-api", "releases", "helm-rollback"), true},
		{"all namespaces is matched inclusively", req("U0BOB0001", "C0PROD1", "*", "releases", "helm-rollback"), true},
		{"helm rollback outside prod", req("U0BOB0001", "C0PROD1", "team-a-web", "releases", "helm-rollback"), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.want, a.NeedsApproval(tc.r))
		})
	}

	undo := req("U0BOB0001", "C0PROD1", "prod-api", "deployments", "rollout-undo")
	d := a.CanApprove(ctx, undo, "U0CAROL01")
	require.True(t, d.Allowed, d.Reason)
	require.Equal(t, row("role:lead, C0PROD1, prod-*, *, approve, allow"), d.Rule)

	d = a.CanApprove(ctx, undo, "U0BOB0001")
	require.False(t, d.Allowed)
	require.Equal(t, "hard deny: a request cannot be approved by the person who made it", d.Reason)

	d = a.CanApprove(ctx, undo, "U0FRANK01")
	require.False(t, d.Allowed, "an operator holds no approve")

	carolsOwn := req("U0CAROL01", "C0PROD1", "prod-api", "deployments", "rollout-undo")
	require.False(t, a.CanApprove(ctx, carolsOwn, "U0CAROL01").Allowed)

	elsewhere := undo
	elsewhere.ChannelID = "C0DEV1"
	require.False(t, a.CanApprove(ctx, elsewhere, "U0CAROL01").Allowed, "lead's role is scoped to #prod-ops")
}

func TestGroupCache(t *testing.T) {
	groups := shippedGroups()
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
	a := newShipped(t, Options{Groups: groups, Now: clock})
	ctx := context.Background()
	r := req("W0ERIN001", "C0PROD1", "prod-api", "deployments", "rollout-restart")

	require.True(t, a.Authorize(ctx, r).Allowed)
	require.True(t, a.Authorize(ctx, r).Allowed)
	require.Equal(t, 1, groups.Calls("S0ONCALL1"), "cached for five minutes")

	advance(4 * time.Minute)
	require.True(t, a.Authorize(ctx, r).Allowed)
	require.Equal(t, 1, groups.Calls("S0ONCALL1"))

	// Erin leaves the group; the cache notices after five minutes.
	groups.mu.Lock()
	groups.members["S0ONCALL1"] = nil
	groups.mu.Unlock()
	advance(time.Minute)
	require.False(t, a.Authorize(ctx, r).Allowed)
	require.Equal(t, 2, groups.Calls("S0ONCALL1"))
}

func TestGroupResolverErrorsAreNotMembership(t *testing.T) {
	groups := shippedGroups()
	groups.fail["S0ONCALL1"] = true
	groups.fail["S0CONTRACT"] = true
	a := newShipped(t, Options{Groups: groups})
	ctx := context.Background()

	d := a.Authorize(ctx, req("W0ERIN001", "C0PROD1", "prod-api", "deployments", "rollout-restart"))
	require.False(t, d.Allowed)
	require.Equal(t, reasonDefaultDeny, d.Reason)

	// Errors are not cached: the next request asks again.
	a.Authorize(ctx, req("W0ERIN001", "C0PROD1", "prod-api", "deployments", "rollout-restart"))
	require.Equal(t, 2, groups.Calls("S0ONCALL1"))

	// For deny rows an unknown membership counts as membership: the
	// contractors' deny applies to everyone until the look-up succeeds.
	for _, user := range []string{"U0FRANK01", "U0BOB0001"} {
		d = a.Authorize(ctx, req(user, "C0PROD1", "prod-api", "pods", "delete"))
		require.False(t, d.Allowed, user)
		require.Equal(t, row("S0CONTRACT, *, *, *, delete, deny"), d.Rule)
		require.Equal(t, "denied by p, S0CONTRACT, *, *, *, delete, deny (membership of S0CONTRACT unknown: user group look-up failed)", d.Reason)
	}
	// Rows of other groups are unaffected.
	require.True(t, a.Authorize(ctx, req("U0BOB0001", "C0PROD1", "prod-api", "deployments", "scale")).Allowed)

	groups.mu.Lock()
	groups.fail = map[string]bool{}
	groups.mu.Unlock()
	require.True(t, a.Authorize(ctx, req("U0BOB0001", "C0PROD1", "prod-api", "pods", "delete")).Allowed, "recovers once the look-up succeeds")
}

func TestNoGroupResolver(t *testing.T) {
	a, err := NewAuthorizer(Options{PolicyFile: shippedPolicy}, zerolog.Nop())
	require.NoError(t, err)
	d := a.Authorize(context.Background(), req("W0ERIN001", "C0PROD1", "prod-api", "deployments", "rollout-restart"))
	require.False(t, d.Allowed)
	require.Equal(t, reasonDefaultDeny, d.Reason)
}

func TestAuthorizeConcurrently(t *testing.T) {
	a := newShipped(t, Options{})
	ctx := context.Background()
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			for j := range 200 {
				tc := decisionCases[(i+j)%len(decisionCases)]
				require.Equal(t, tc.want, a.Authorize(ctx, tc.r).Allowed, tc.name)
			}
		})
	}
	wg.Wait()
}

func TestNewAuthorizerErrors(t *testing.T) {
	_, err := NewAuthorizer(Options{}, zerolog.Nop())
	require.EqualError(t, err, "rbac: policy file is required")

	missing := filepath.Join(t.TempDir(), "nope.csv")
	_, err = NewAuthorizer(Options{PolicyFile: missing}, zerolog.Nop())
	require.ErrorIs(t, err, os.ErrNotExist)

	bad := filepath.Join(t.TempDir(), "policy.csv")
	require.NoError(t, os.WriteFile(bad, []byte("# ok\np, U0A, C0A, ns, pods, get, allow\np, U0A, C0A, ns, pods, exec, allow\n"), 0o600))
	_, err = NewAuthorizer(Options{PolicyFile: bad}, zerolog.Nop())
	require.ErrorContains(t, err, "load policy "+bad+": line 3: unknown action \"exec\"")
}

func TestExplain(t *testing.T) {
	require.Equal(t, "yes: allowed by p, U0A, C0A, ns, pods, get, allow",
		Explain(Decision{Allowed: true, Rule: row("U0A, C0A, ns, pods, get, allow"), Reason: "allowed by p, U0A, C0A, ns, pods, get, allow"}))
	require.Equal(t, "no: no policy allows this (default deny)", Explain(Decision{Reason: reasonDefaultDeny}))
	require.Equal(t, "no: hard deny: secrets", Explain(Decision{Reason: "hard deny: secrets"}))
}

func BenchmarkAuthorize(b *testing.B) {
	a := newShipped(b, Options{})
	ctx := context.Background()
	for _, bc := range []struct {
		name string
		r    Request
	}{
		{"allow_via_role", req("U0ALICE01", "C0DEV1", "team-a-web", "pods", "get")},
		{"deny_override", req("U0BOB0001", "C0PROD1", "prod-payments", "pods", "delete")},
		{"default_deny", req("U0NOBODY1", "C0DEV1", "team-a-web", "pods", "get")},
		{"allow_via_group", req("W0ERIN001", "C0PROD1", "prod-api", "deployments", "rollout-restart")},
		{"hard_deny", req("U0ADMIN01", "C0OPS1", "kube-system", "secrets", "delete")},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_ = a.Authorize(ctx, bc.r)
			}
		})
	}
}

func checkGolden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		require.NoError(t, os.WriteFile(path, []byte(got), 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "run go test ./rbac -update to create %s", path)
	require.Equal(t, string(want), got)
}
