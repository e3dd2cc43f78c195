package bot_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"github.com/stretchr/testify/require"

	"github.com/watchkeeper/watchkeeper/bot"
	"github.com/watchkeeper/watchkeeper/executors"
	"github.com/watchkeeper/watchkeeper/rbac"
)

// testPolicy grants, in channel C0DEV1: viewers get/logs pods in team-a-*;
// operators restart deployments in prod-* (undo needs approval; leads
// approve); alice may read pod logs in DMs.
const testPolicy = `
p, role:viewer, C0DEV1, team-a-*, pods, "{get,logs}", allow
p, role:viewer, C0DEV1, team-a-*, secrets, "{get,get-yaml}", allow
p, role:viewer, C0DEV1, -, nodes, get, allow
p, role:operator, C0DEV1, prod-*, deployments, "{rollout-restart,rollout-undo}", allow
p, role:lead, C0DEV1, prod-*, deployments, approve, allow
p, U0ALICE01, dm, team-a-*, pods, logs, allow
g, U0ALICE01, role:viewer, C0DEV1
g, U0BOB0001, role:operator, C0DEV1
g, U0CAROL01, role:lead, C0DEV1
a, C0DEV1, prod-*, deployments, rollout-undo
`

// fakeExecutor resolves a few spellings like the RESTMapper does and
// records what it was asked to run.
type fakeExecutor struct {
	mu    sync.Mutex
	calls []fakeCall
	err   error
	block bool
}

type fakeCall struct {
	id  executors.Identity
	cmd executors.Command
}

func (f *fakeExecutor) Resolve(_ context.Context, typed string) (executors.Target, error) {
	canon := map[string]string{"po": "pods", "pod": "pods", "pods": "pods", "secret": "secrets", "secrets": "secrets",
		"deploy": "deployments", "deployments": "deployments", "deployments.apps": "deployments", "nodes": "nodes", "no": "nodes"}
	r, ok := canon[typed]
	if !ok {
		return executors.Target{}, executors.Userf("the server doesn't have a resource type %q", typed)
	}
	t := executors.Target{Namespaced: r != "nodes"}
	t.GVR.Resource = r
	return t, nil
}

func (f *fakeExecutor) Namespace(cmd executors.Command) string {
	if cmd.Namespace != "" {
		return cmd.Namespace
	}
	return "default"
}

func (f *fakeExecutor) Run(ctx context.Context, id executors.Identity, cmd executors.Command) (executors.Result, error) {
	f.mu.Lock()
	f.calls = append(f.calls, fakeCall{id, cmd})
	err, block := f.err, f.block
	f.mu.Unlock()
	if block {
		<-ctx.Done()
		return executors.Result{}, ctx.Err()
	}
	if err != nil {
		return executors.Result{}, err
	}
	res := executors.Result{Text: "NAME   READY\napi-0  1/1\n"}
	if cmd.Mutating {
		res.Summary = cmd.Resource + "/" + cmd.Names[0] + " done"
	}
	return res, nil
}

func (f *fakeExecutor) ran() []fakeCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]fakeCall(nil), f.calls...)
}

type harness struct {
	c     *bot.Commands
	exec  *fakeExecutor
	audit *bytes.Buffer
	mu    *sync.Mutex
}

func newHarness(t *testing.T, mod func(*bot.CommandsConfig)) *harness {
	t.Helper()
	path := filepath.Join(t.TempDir(), "policy.csv")
	require.NoError(t, os.WriteFile(path, []byte(testPolicy), 0o600))
	authz, err := rbac.NewAuthorizer(rbac.Options{PolicyFile: path, TeamID: "T0TEAM"}, zerolog.Nop())
	require.NoError(t, err)
	h := &harness{exec: &fakeExecutor{}, audit: &bytes.Buffer{}, mu: &sync.Mutex{}}
	auditor, err := bot.NewAuditor(zerolog.New(lockedWriter{h.mu, h.audit}), "")
	require.NoError(t, err)
	cfg := bot.CommandsConfig{
		ClusterName: "prod", Version: "v1.2.3", Policy: authz, Executor: h.exec, Audit: auditor,
		Impersonate: true, RoleGroups: map[string][]string{"role:viewer": {"watchkeeper:viewers"}, "role:operator": {"watchkeeper:operators"}},
	}
	if mod != nil {
		mod(&cfg)
	}
	h.c = bot.NewCommands(cfg, zerolog.Nop())
	return h
}

type lockedWriter struct {
	mu *sync.Mutex
	w  *bytes.Buffer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// records returns the audit lines written so far, decoded.
func (h *harness) records(t *testing.T) []map[string]any {
	t.Helper()
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(h.audit.String()), "\n") {
		if line == "" {
			continue
		}
		var m map[string]any
		require.NoError(t, json.Unmarshal([]byte(line), &m), line)
		out = append(out, m)
	}
	return out
}

func env(user, channel, text string) bot.Envelope {
	return bot.Envelope{ID: "E" + user + text, Source: bot.SourceSlash, TeamID: "T0TEAM", HomeTeamID: "T0TEAM",
		UserID: user, UserName: strings.ToLower(user), ChannelID: channel, Text: text, ResponseURL: "https://example.invalid/r"}
}

func TestCommandsBuiltins(t *testing.T) {
	h := newHarness(t, nil)
	tests := []struct {
		text string
		want []string
	}{
		{"", []string{"*Watchkeeper* on cluster `prod`", "`whoami`"}},
		{"help", []string{"`help`"}},
		{"  HELP  ", []string{"`help`"}},
		{"version", []string{"v1.2.3", "`prod`"}},
		{"whoami", []string{"`U0ALICE01`", "team `T0TEAM`", "Roles here: `role:viewer`", "allow `{get,logs}` on `pods` in team-a-*",
			"Kubernetes user `watchkeeper:slack:U0ALICE01` with groups `watchkeeper:viewers`"}},
		{"delete pods --all", []string{"Sorry, I can't run that.", "Unknown flag `--all`"}},
		{"`rm` -rf", []string{"Sorry, I can't run that."}},
		{"get pods --server https://evil.example", []string{"Sorry, I can't run that.", "--server"}},
		{"exec -it api -- sh", []string{"Sorry, I can't run that.", "exec"}},
		{"<@U0OTHER> get pods", []string{"Sorry, I can't run that."}},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			r := h.c.Handle(context.Background(), env("U0ALICE01", "C0DEV1", tt.text))
			for _, w := range tt.want {
				require.Contains(t, r.Text, w)
			}
			require.True(t, r.Ephemeral)
		})
	}
	require.Empty(t, h.exec.ran(), "built-ins and refusals never reach the executor")
	require.Len(t, h.records(t), len(tests), "one audit line per request")
}

func TestCommandsAllowedRunsImpersonated(t *testing.T) {
	h := newHarness(t, nil)
	r := h.c.Handle(context.Background(), env("U0ALICE01", "C0DEV1", "k get po -n team-a-web"))
	require.False(t, r.Ephemeral)
	require.Contains(t, r.Text, "<@U0ALICE01> ran `kubectl get po -n team-a-web` on `prod`")
	require.Equal(t, "NAME   READY\napi-0  1/1\n", r.Output)
	calls := h.exec.ran()
	require.Len(t, calls, 1)
	require.Equal(t, executors.Identity{User: "watchkeeper:slack:U0ALICE01", Groups: []string{"watchkeeper:viewers"}}, calls[0].id)
	recs := h.records(t)
	require.Len(t, recs, 1)
	rec := recs[0]
	require.Equal(t, "audit", rec["component"])
	require.Equal(t, "allow", rec["decision"])
	require.Equal(t, "ok", rec["outcome"])
	require.Equal(t, "pods", rec["resource"], "the resource is canonical whatever the spelling")
	require.Equal(t, "team-a-web", rec["namespace"])
	require.Equal(t, []any{"role:viewer", "C0DEV1", "team-a-*", "pods", "{get,logs}", "allow"}, rec["rule"])
	require.Equal(t, "watchkeeper:slack:U0ALICE01", rec["impersonate"])
	require.Equal(t, "kubectl get po -n team-a-web", rec["command"])
	require.EqualValues(t, len(r.Output), rec["output_bytes"])
}

func TestCommandsDenied(t *testing.T) {
	h := newHarness(t, nil)
	tests := []struct {
		name string
		env  bot.Envelope
		want string
	}{
		{"other namespace", env("U0ALICE01", "C0DEV1", "get pods -n payments"),
			"You are not allowed to `get pods` in `payments` from this channel. Ask an admin, or run `whoami`."},
		{"other channel", env("U0ALICE01", "C0PROD1", "get pods -n team-a-web"), "not allowed to `get pods` in `team-a-web`"},
		{"all namespaces", env("U0ALICE01", "C0DEV1", "get pods -A"), "not allowed to `get pods` in all namespaces"},
		{"default namespace", env("U0ALICE01", "C0DEV1", "get pods"), "in `default`"},
		{"unknown user", env("U0NOBODY1", "C0DEV1", "get pods -n team-a-web"), "not allowed"},
		{"secret yaml is a hard deny", env("U0ALICE01", "C0DEV1", "get secret db -o yaml -n team-a-web"), "not allowed to `get -o yaml secrets`"},
		{"cluster scoped", env("U0BOB0001", "C0DEV1", "get nodes"), "You are not allowed to `get nodes` from this channel."},
		{"unknown type", env("U0ALICE01", "C0DEV1", "get widgets"), "the server doesn't have a resource type \"widgets\""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := h.c.Handle(context.Background(), tt.env)
			require.True(t, r.Ephemeral, "refusals are ephemeral")
			require.Contains(t, r.Text, tt.want)
		})
	}
	require.Empty(t, h.exec.ran())
	recs := h.records(t)
	require.Len(t, recs, len(tests))
	for _, rec := range recs[:len(tests)-1] {
		require.Equal(t, "deny", rec["decision"])
		require.Equal(t, "refused", rec["outcome"])
	}
	require.Equal(t, "invalid", recs[len(tests)-1]["decision"])
}

func TestCommandsDirectMessagesAreTheirOwnScope(t *testing.T) {
	h := newHarness(t, nil)
	dm := env("U0ALICE01", "D0ALICE01", "logs api-0 -n team-a-web")
	dm.Source, dm.ResponseURL = bot.SourceDM, ""
	r := h.c.Handle(context.Background(), dm)
	require.Contains(t, r.Text, "ran `kubectl logs api-0 -n team-a-web`")
	// A channel grant does not reach DMs: get is only allowed in C0DEV1.
	dm.Text = "get pods -n team-a-web"
	r = h.c.Handle(context.Background(), dm)
	require.Contains(t, r.Text, "not allowed to `get pods` in `team-a-web` from a direct message")
	// Impersonation in a DM uses the DM's roles: none.
	calls := h.exec.ran()
	require.Len(t, calls, 1)
	require.Empty(t, calls[0].id.Groups)
}

func TestCommandsOtherTeamRefused(t *testing.T) {
	h := newHarness(t, nil)
	e := env("U0ALICE01", "C0DEV1", "whoami")
	e.TeamID = "T0OTHER"
	r := h.c.Handle(context.Background(), e)
	require.True(t, r.Ephemeral)
	require.Contains(t, r.Text, "only take commands from members of this workspace")
	require.Equal(t, "invalid", h.records(t)[0]["decision"])
}

func TestCommandsCanI(t *testing.T) {
	h := newHarness(t, nil)
	r := h.c.Handle(context.Background(), env("U0ALICE01", "C0DEV1", "can-i kubectl get pods -n team-a-x"))
	require.Contains(t, r.Text, "yes: allowed by p, role:viewer, C0DEV1, team-a-*, pods, {get,logs}, allow")
	require.Contains(t, r.Text, "`watchkeeper:slack:U0ALICE01`")
	r = h.c.Handle(context.Background(), env("U0ALICE01", "C0DEV1", "can-i delete pod x -n team-a-x"))
	require.Contains(t, r.Text, "no: no policy allows this (default deny)")
	r = h.c.Handle(context.Background(), env("U0BOB0001", "C0DEV1", "can-i rollout undo deploy/api -n prod-shop"))
	require.Contains(t, r.Text, "yes: allowed by")
	require.Contains(t, r.Text, "needs approval by a second person")
	require.Empty(t, h.exec.ran(), "can-i never runs anything")
}

func TestCommandsApprovalFlow(t *testing.T) {
	h := newHarness(t, nil)
	ctx := context.Background()
	req := env("U0BOB0001", "C0DEV1", "rollout undo deploy/api -n prod-shop")
	r := h.c.Handle(ctx, req)
	require.False(t, r.Ephemeral, "the approval request is visible to the channel")
	require.Contains(t, r.Text, "<@U0BOB0001> wants to run `kubectl rollout undo deploy/api -n prod-shop`")
	require.Len(t, r.Buttons, 2)
	id := r.Buttons[0].Value
	require.Equal(t, bot.ActionApprove, r.Buttons[0].ActionID)
	require.Empty(t, h.exec.ran(), "nothing runs before approval")

	click := func(user, action string) bot.Reply {
		e := env(user, "C0DEV1", id)
		e.Source, e.ActionID = bot.SourceAction, action
		return h.c.Handle(ctx, e)
	}
	r = click("U0BOB0001", bot.ActionApprove)
	require.Contains(t, r.Text, "can't approve your own request")
	r = click("U0ALICE01", bot.ActionApprove)
	require.Contains(t, r.Text, "not allowed to approve")
	require.Empty(t, h.exec.ran())

	r = click("U0CAROL01", bot.ActionApprove)
	require.True(t, r.ReplaceOriginal)
	require.Contains(t, r.Text, "<@U0BOB0001> ran `kubectl rollout undo deploy/api -n prod-shop` on `prod`, approved by <@U0CAROL01>")
	calls := h.exec.ran()
	require.Len(t, calls, 1)
	require.Equal(t, "watchkeeper:slack:U0BOB0001", calls[0].id.User, "it runs as the requester, not the approver")

	r = click("U0CAROL01", bot.ActionApprove)
	require.Contains(t, r.Text, "expired or was already handled")
	require.Len(t, h.exec.ran(), 1, "a second click runs nothing")

	recs := h.records(t)
	decisions := []string{}
	for _, rec := range recs {
		decisions = append(decisions, rec["decision"].(string))
	}
	require.Equal(t, []string{"needs-approval", "deny", "deny", "approved", "invalid"}, decisions)
	approved := recs[3]
	require.Equal(t, "U0BOB0001", approved["user_id"])
	require.Equal(t, "U0CAROL01", approved["approver_id"])
	require.Equal(t, id, approved["approval_id"])
}

func TestCommandsApprovalDeniedAndExpired(t *testing.T) {
	now := time.Date(2026, 11, 28, 10, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	h := newHarness(t, func(c *bot.CommandsConfig) { c.Now = clock; c.ApprovalTimeout = time.Minute })
	ctx := context.Background()
	ask := func() string {
		return h.c.Handle(ctx, env("U0BOB0001", "C0DEV1", "rollout undo deploy/api -n prod-shop")).Buttons[0].Value
	}
	click := func(user, action, id string) bot.Reply {
		e := env(user, "C0DEV1", id)
		e.Source, e.ActionID = bot.SourceAction, action
		return h.c.Handle(ctx, e)
	}
	id := ask()
	r := click("U0CAROL01", bot.ActionDeny, id)
	require.Contains(t, r.Text, "<@U0CAROL01> denied <@U0BOB0001>'s request")
	require.True(t, r.ReplaceOriginal)

	id = ask()
	mu.Lock()
	now = now.Add(2 * time.Minute)
	mu.Unlock()
	r = click("U0CAROL01", bot.ActionApprove, id)
	require.Contains(t, r.Text, "expired")
	require.Empty(t, h.exec.ran())
}

func TestCommandsExecutorErrors(t *testing.T) {
	h := newHarness(t, func(c *bot.CommandsConfig) { c.Timeout = 50 * time.Millisecond })
	h.exec.err = executors.Userf("The cluster refused: pods is forbidden")
	r := h.c.Handle(context.Background(), env("U0ALICE01", "C0DEV1", "get pods -n team-a-web"))
	require.Contains(t, r.Text, ":warning: The cluster refused: pods is forbidden")
	h.exec.err, h.exec.block = nil, true
	r = h.c.Handle(context.Background(), env("U0ALICE01", "C0DEV1", "get pods -n team-a-x"))
	require.Contains(t, r.Text, "timed out")
	recs := h.records(t)
	require.Equal(t, "error", recs[0]["outcome"])
	require.Equal(t, "timeout", recs[1]["outcome"])
}

func TestCommandsRateLimitPerUser(t *testing.T) {
	h := newHarness(t, func(c *bot.CommandsConfig) { c.UserRatePerMinute, c.UserBurst = 1, 2 })
	for i := 0; i < 2; i++ {
		r := h.c.Handle(context.Background(), env("U0ALICE01", "C0DEV1", "get pods -n team-a-web"))
		require.NotContains(t, r.Text, "faster")
	}
	r := h.c.Handle(context.Background(), env("U0ALICE01", "C0DEV1", "get pods -n team-a-web"))
	require.Contains(t, r.Text, "faster than I take them")
	// Another user is not affected.
	r = h.c.Handle(context.Background(), env("U0BOB0001", "C0DEV1", "rollout restart deploy/api -n prod-a"))
	require.Contains(t, r.Text, "ran `kubectl rollout restart deploy/api -n prod-a`")
	require.Len(t, h.exec.ran(), 3)
}

func TestCommandsWithoutPolicyDenyEverything(t *testing.T) {
	c := bot.NewCommands(bot.CommandsConfig{ClusterName: "prod", Executor: &fakeExecutor{}}, zerolog.Nop())
	r := c.Handle(context.Background(), env("U0ALICE01", "C0DEV1", "get pods -n x"))
	require.True(t, r.Ephemeral)
	require.Contains(t, r.Text, "No policy is configured")
}
