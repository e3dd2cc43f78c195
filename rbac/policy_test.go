package rbac

import (
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/casbin/casbin/v2/util"
	"github.com/stretchr/testify/require"
)

const okRow = "p, U0A, C0A, team-a, pods, get, allow"

func TestParsePolicyErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		src  string
		want string
	}{
		{"unknown action", okRow + "\np, U0A, C0A, team-a, pods, exec, allow", `line 2: unknown action "exec"`},
		{"action glob matching nothing", okRow + "\n\np, U0A, C0A, team-a, pods, hlem-*, allow", `line 3: action pattern "hlem-*" matches no known action`},
		{"upper-case action", "p, U0A, C0A, team-a, pods, GET, allow", `line 1: unknown action "GET"`},
		{"bad effect", "# c\np, U0A, C0A, team-a, pods, get, permit", `line 2: bad effect "permit": want allow or deny`},
		{"effect in capitals", "p, U0A, C0A, team-a, pods, get, Allow", `line 1: bad effect "Allow"`},
		{"namespace glob does not compile", "p, U0A, C0A, team-[a, pods, get, allow", `line 1: namespace pattern "team-[a" does not compile`},
		{"empty character class", "p, U0A, C0A, team-[], pods, get, allow", `line 1: namespace pattern "team-[]" does not compile`},
		{"unbalanced alternatives", `p, U0A, C0A, team-a, "{pods,deployments", get, allow`, `line 1: resource pattern "{pods,deployments" does not compile`},
		{"channel glob does not compile", "p, U0A, C0DEV[, team-a, pods, get, allow", `line 1: channel pattern "C0DEV[" does not compile`},
		{"action glob does not compile", "p, U0A, C0A, team-a, pods, get-[, allow", `line 1: action pattern "get-[" does not compile`},
		{"display name as subject", "p, alice, C0A, team-a, pods, get, allow", `line 1: subject "alice" is not a Slack user ID`},
		{"mention as subject", "p, <@U0A>, C0A, team-a, pods, get, allow", `line 1: subject "<@U0A>" is not a Slack user ID`},
		{"glob subject", "p, U*, C0A, team-a, pods, get, allow", `line 1: subject "U*" is not a Slack user ID`},
		{"role without name", "p, role:, C0A, team-a, pods, get, allow", `line 1: subject "role:" is not`},
		{"channel name", "p, U0A, #prod-ops, team-a, pods, get, allow", `line 1: channel "#prod-ops" is not a channel ID`},
		{"DM in capitals", "p, U0A, DM, team-a, pods, get, allow", `line 1: channel "DM": write direct messages as dm, in lower case`},
		{"lower-case channel", "p, U0A, prod-ops, team-a, pods, get, allow", `line 1: channel "prod-ops" is not a channel ID`},
		{"namespace in capitals", "p, U0A, C0A, Team-A, pods, get, allow", `line 1: namespace "Team-A" is not a namespace`},
		{"resource with group slash", "p, U0A, C0A, team-a, apps/deployments, get, allow", `line 1: resource "apps/deployments" is not`},
		{"too few p fields", "p, U0A, C0A, team-a, pods, get", "line 1: p row has 6 fields, want 7"},
		{"too many p fields", okRow + ", extra", "line 1: p row has 8 fields, want 7"},
		{"empty field", "p, U0A, , team-a, pods, get, allow", "line 1: field 3 is empty"},
		{"g member is a role", okRow + "\ng, role:a, role:b, *", `line 2: member "role:a" is not a Slack user ID`},
		{"g role without prefix", okRow + "\ng, U0A, viewer, *", `line 2: role "viewer" is not a role name`},
		{"g channel name", okRow + "\ng, U0A, role:viewer, #dev", `line 2: channel "#dev" is not a channel ID`},
		{"g too few fields", okRow + "\ng, U0A, role:viewer", "line 2: g row has 3 fields, want 4"},
		{"a row unknown action", okRow + "\na, *, prod-*, deployments, rollback", `line 2: unknown action "rollback"`},
		{"a row too few fields", okRow + "\na, *, prod-*, deployments", "line 2: a row has 4 fields, want 5"},
		{"unknown row type", okRow + "\nm, r.sub == p.sub", `line 2: unknown row type "m": want p, g or a`},
		{"bare comma in a pattern", "p, U0A, C0A, team-a, pods, get,describe, allow", "line 1: p row has 8 fields"},
		{"bad quoting", `p, U0A, C0A, team-a, "pods, get, allow`, "line 1: not a CSV row"},
		{"duplicate row", okRow + "\n# again\n" + okRow, "line 3: duplicate of line 1"},
		{"no p rows", "# nothing here\n\ng, U0A, role:viewer, *", "policy has no p rows"},
		{"empty file", "", "policy has no p rows"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := ParsePolicy([]byte(tc.src))
			require.Nil(t, p)
			require.ErrorContains(t, err, tc.want)
		})
	}
}

func TestParsePolicyReportsEveryBadLine(t *testing.T) {
	src := strings.Join([]string{
		"# header",
		okRow,
		"p, U0A, C0A, team-a, pods, exec, allow",
		"",
		"p, alice, C0A, team-a, pods, get, allow",
		"g, U0A, role:x, #dev",
	}, "\n")
	_, err := ParsePolicy([]byte(src))
	require.Error(t, err)
	var lines []int
	for _, e := range err.(interface{ Unwrap() []error }).Unwrap() {
		var le *LineError
		require.True(t, errors.As(e, &le))
		lines = append(lines, le.Line)
	}
	require.Equal(t, []int{3, 5, 6}, lines)
}

func TestParsePolicyAccepts(t *testing.T) {
	src := "\ufeff# BOM, CRLF, comments and odd spacing are fine\r\n" +
		"  # indented comment\r\n" +
		"p,U0A,C0A,team-a,pods,get,allow\r\n" +
		"p ,  W0B , G0PRIV , - , nodes , \"{cordon,uncordon}\", deny\r\n" +
		"p, S0GRP, D0DM, *, *, *, allow\n" +
		"p, role:on-call.v2, dm, prod-?, \"{pods,deployments}\", rollout-*, allow\n" +
		"p, role:x, [CG]0*, team-[ab]-*, deployments.apps, [gd]et, allow\n" +
		"g, S0GRP, role:x, C0*\n" +
		"a, dm, *, releases, helm-*\n"
	p, err := ParsePolicy([]byte(src))
	require.NoError(t, err)
	require.Len(t, p.rules, 5)
	require.Equal(t, []string{"W0B", "G0PRIV", "-", "nodes", "{cordon,uncordon}", "deny"}, p.rules[1].fields)
	require.Equal(t, 4, p.rules[1].line)
	require.Equal(t, []string{"S0GRP"}, p.groups)
	require.Len(t, p.bindings, 1)
	require.Len(t, p.approvals, 1)
	require.Len(t, p.Digest(), 64)
}

func TestShippedPolicyParses(t *testing.T) {
	src, err := os.ReadFile(shippedPolicy)
	require.NoError(t, err)
	p, err := ParsePolicy(src)
	require.NoError(t, err)
	require.Equal(t, []string{"S0CONTRACT", "S0ONCALL1", "S0SRE0001"}, p.groups)
}

// The role's channel scope is casbin's domain, matched by chMatch through
// AddNamedDomainMatchingFunc: this pins the casbin behaviour the model
// relies on, independent of the shipped policy.
func TestRoleChannelScopeIsAGlobDomain(t *testing.T) {
	p, err := ParsePolicy([]byte(`
p, role:r, *, ns, pods, get, allow
g, U0DEV, role:r, C0DEV*
g, U0ALL, role:r, *
g, U0ONE, role:r, C0ONE
g, U0DM, role:r, dm
`))
	require.NoError(t, err)
	for _, tc := range []struct {
		user, ch string
		want     bool
	}{
		{"U0DEV", "C0DEV", true},
		{"U0DEV", "C0DEV42", true},
		{"U0DEV", "C0PROD1", false},
		{"U0DEV", "G0DEV1", false},
		{"U0ALL", "C0PROD1", true},
		{"U0ALL", "G0PRIV1", true},
		{"U0ALL", "dm", false}, // * never covers DMs...
		{"U0DM", "dm", false},  // ...and the p row's * channel does not either
		{"U0ONE", "C0ONE", true},
		{"U0ONE", "C0ONE1", false},
		{"U0NONE", "C0DEV1", false},
	} {
		t.Run(tc.user+"/"+tc.ch, func(t *testing.T) {
			ok, rule, err := p.enforcer.EnforceEx(tc.user, tc.ch, "ns", "pods", "get")
			require.NoError(t, err)
			require.Equal(t, tc.want, ok)
			if tc.want {
				require.Equal(t, []string{"role:r", "*", "ns", "pods", "get", "allow"}, rule)
			}
		})
	}

	// Asking in the order pattern-then-literal and literal-then-pattern gives
	// the same answer (casbin builds per-domain role managers lazily).
	for range 2 {
		ok, _, err := p.enforcer.EnforceEx("U0DEV", "C0DEV", "ns", "pods", "get")
		require.NoError(t, err)
		require.True(t, ok)
	}
}

func TestDMGrantNeedsLiteralDM(t *testing.T) {
	p, err := ParsePolicy([]byte(`
p, role:r, dm, ns, pods, get, allow
g, U0DM, role:r, dm
g, U0ALL, role:r, *
`))
	require.NoError(t, err)
	ok, _, err := p.enforcer.EnforceEx("U0DM", "dm", "ns", "pods", "get")
	require.NoError(t, err)
	require.True(t, ok)
	ok, _, err = p.enforcer.EnforceEx("U0ALL", "dm", "ns", "pods", "get")
	require.NoError(t, err)
	require.False(t, ok, "a role granted in * does not reach DMs")
}

func TestDecideWithoutRows(t *testing.T) {
	p, err := ParsePolicy([]byte(okRow))
	require.NoError(t, err)
	d, err := p.decide(req("U0B", "C0A", "team-a", "pods", "get"), []string{"U0B"}, nil)
	require.NoError(t, err)
	require.Equal(t, Decision{Reason: reasonDefaultDeny}, d)
}

func TestChannelMatching(t *testing.T) {
	for _, tc := range []struct {
		channel, pattern string
		want             bool
	}{
		{"C0DEV1", "C0DEV*", true},
		{"C0DEV1", "*", true},
		{"G0PRIV1", "*", true},
		{"C0DEV1", "C0DEV1", true},
		{"C0DEV1", "C0DEV", false},
		{"C0DEV1", "[CG]0DEV?", true},
		{"C0DEV1", "dm", false},
		{"dm", "dm", true},
		{"dm", "*", false},
		{"dm", "d*", false},
		{"dm", "??", false},
		{"D0IM1", "dm", true},
		{"D0IM1", "D0IM1", true},
		{"D0IM1", "*", false},
		{"D0IM1", "D*", false},
		{"dm", "D0IM1", false},
	} {
		t.Run(tc.channel+"~"+tc.pattern, func(t *testing.T) {
			require.Equal(t, tc.want, chMatch(tc.channel, tc.pattern))
		})
	}
}

func TestNamespaceMatching(t *testing.T) {
	for _, tc := range []struct {
		ns, pattern string
		want        bool
	}{
		{"team-a-web", "team-a-*", true},
		{"team-a", "team-a-*", false},
		{"team-b-web", "team-a-*", false},
		{"*", "*", true},
		{"*", "team-a-*", false},
		{"*", "?", false},
		{"*", "-", false},
		{"-", "-", true},
		{"-", "*", true}, // cluster-scoped requests are covered by a * row
		{"-", "team-*", false},
		{"prod", "*", true},
	} {
		t.Run(tc.ns+"~"+tc.pattern, func(t *testing.T) {
			require.Equal(t, tc.want, nsMatch(tc.ns, tc.pattern))
		})
	}
}

// validGlob must accept exactly what casbin's globMatch compiles, within the
// policy alphabet, and reject what would fail or be taken literally.
func TestValidGlob(t *testing.T) {
	for _, s := range []string{"*", "team-a-*", "prod-?", "[ab]", "[!a]x", "[^a]x", "{a,b}", "{a,{b,c}}", "x[a-c]y", "a**"} {
		require.True(t, validGlob(s), s)
		_, err := util.GlobMatch("zzzzzz", s)
		require.NoError(t, err, s)
	}
	for _, s := range []string{"[", "[]", "[!]", "a[b", "{a,b", "a}", "a]", "a,b", "!a", "a^"} {
		require.False(t, validGlob(s), s)
	}
}
