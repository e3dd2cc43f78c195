package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/watchkeeper/watchkeeper/internal/slacktest"
)

const commandsChannel = "C0CMDS001"

// commandsPolicy: alice views pods, bob restarts deployments (with a second
// person's approval), carol approves, and U0NOKUBE1 is allowed by the policy
// but holds nothing in the cluster.
const commandsPolicy = `
p, role:viewer, C0CMDS001, cmd-*, pods, "{get,describe,logs}", allow
p, role:operator, C0CMDS001, cmd-*, deployments, "{get,rollout-restart}", allow
p, role:lead, C0CMDS001, cmd-*, deployments, approve, allow
p, U0NOKUBE1, C0CMDS001, cmd-*, pods, get, allow
g, U0ALICE01, role:viewer, C0CMDS001
g, U0BOB0001, role:operator, C0CMDS001
g, U0CAROL01, role:lead, C0CMDS001
a, C0CMDS001, cmd-*, deployments, rollout-restart
`

func commandsConfig(t testing.TB, fake *slacktest.Server) string {
	t.Helper()
	policy := filepath.Join(t.TempDir(), "policy.csv")
	require.NoError(t, os.WriteFile(policy, []byte(commandsPolicy), 0o600))
	return slackConfig(fake) + fmt.Sprintf(`watchers:
  pvc:
    enabled: false
  nodes:
    enabled: false
rbac:
  policyFile: %s
  impersonation:
    roleGroups:
      role:viewer: [watchkeeper:viewers]
      role:operator: [watchkeeper:operators]
commands:
  cacheDir: %s
`, policy, t.TempDir())
}

// auditLines returns the audit records in the instance's log.
func auditLines(t *testing.T, in *instance) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, line := range strings.Split(in.stderr.String(), "\n") {
		if !strings.Contains(line, `"component":"audit"`) {
			continue
		}
		var m map[string]any
		require.NoError(t, json.Unmarshal([]byte(line), &m), line)
		out = append(out, m)
	}
	return out
}

// waitAudit waits until the log holds n audit records.
func waitAudit(t *testing.T, in *instance, n int) []map[string]any {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		recs := auditLines(t, in)
		if len(recs) >= n {
			return recs
		}
		require.True(t, time.Now().Before(deadline), "want %d audit lines, have %d:\n%s", n, len(recs), in.stderr.String())
		time.Sleep(10 * time.Millisecond) // poll interval
	}
}

func TestCommandsEndToEnd(t *testing.T) {
	k := newCluster(t)
	ns := k.namespace("cmd")
	k.deployment(ns, "api", 2)

	fake := slacktest.NewTestServer(t, slacktest.Options{BotToken: testBotToken, AppToken: testAppToken})
	in := startInstance(t, nil, commandsConfig(t, fake))
	in.waitReady(t)
	ctx := waitCtx(t, 90*time.Second)
	audits := 0

	// 1. An allowed slash command: a kubectl table, in the channel, one audit line.
	id, err := fake.SendSlashCommand(ctx, slacktest.SlashCommand{Text: "get po -n " + ns, UserID: "U0ALICE01", ChannelID: commandsChannel})
	require.NoError(t, err)
	ack, err := fake.WaitAck(ctx, id)
	require.NoError(t, err)
	require.Less(t, ack.Latency, time.Second)
	m, err := fake.WaitForMessage(ctx, commandsChannel, func(m slacktest.PostedMessage) bool {
		return m.Via == slacktest.ViaResponseURL && strings.Contains(m.Text, "get po -n "+ns)
	})
	require.NoError(t, err)
	require.False(t, m.Ephemeral)
	require.Contains(t, m.Text, "<@U0ALICE01> ran `kubectl get po -n "+ns+"` on `e2e`")
	require.Contains(t, m.Text, "NAME")
	require.Contains(t, m.Text, "api-7d9f8c-00000")
	require.Contains(t, m.Text, "Running")
	audits++
	rec := waitAudit(t, in, audits)[audits-1]
	require.Equal(t, "allow", rec["decision"])
	require.Equal(t, "ok", rec["outcome"])
	require.Equal(t, "pods", rec["resource"])
	require.Equal(t, "watchkeeper:slack:U0ALICE01", rec["impersonate"])

	// 2. A mention: answered in its thread.
	_, err = fake.SendAppMention(ctx, slacktest.Message{UserID: "U0ALICE01", ChannelID: commandsChannel,
		Text: "<@" + "U0BOT" + "> describe pod api-7d9f8c-00001 -n " + ns, TS: "1700000100.000100"})
	require.NoError(t, err)
	m, err = fake.WaitForMessage(ctx, commandsChannel, func(m slacktest.PostedMessage) bool {
		return m.ThreadTS == "1700000100.000100"
	})
	require.NoError(t, err)
	require.Contains(t, m.Text, "Name:")
	require.Contains(t, m.Text, "api-7d9f8c-00001")
	audits++

	// 3. A denied user: a short ephemeral refusal, nothing run, one audit line.
	_, err = fake.SendSlashCommand(ctx, slacktest.SlashCommand{Text: "delete pod api-7d9f8c-00000 -n " + ns, UserID: "U0ALICE01", ChannelID: commandsChannel})
	require.NoError(t, err)
	m, err = fake.WaitForMessage(ctx, commandsChannel, func(m slacktest.PostedMessage) bool {
		return strings.Contains(m.Text, "not allowed to `delete pods`")
	})
	require.NoError(t, err)
	require.True(t, m.Ephemeral)
	require.Equal(t, "You are not allowed to `delete pods` in `"+ns+"` from this channel. Ask an admin, or run `whoami`.", m.Text)
	_, err = k.c.CoreV1().Pods(ns).Get(ctx, "api-7d9f8c-00000", metav1.GetOptions{})
	require.NoError(t, err, "the pod is still there")
	audits++
	rec = waitAudit(t, in, audits)[audits-1]
	require.Equal(t, "deny", rec["decision"])

	// 4. Allowed by the policy, refused by cluster RBAC (impersonation).
	_, err = fake.SendSlashCommand(ctx, slacktest.SlashCommand{Text: "get pods -n " + ns, UserID: "U0NOKUBE1", ChannelID: commandsChannel})
	require.NoError(t, err)
	m, err = fake.WaitForMessage(ctx, commandsChannel, func(m slacktest.PostedMessage) bool {
		return strings.Contains(m.Text, "U0NOKUBE1") && strings.Contains(m.Text, "The cluster refused")
	})
	require.NoError(t, err)
	require.Contains(t, m.Text, `User "watchkeeper:slack:U0NOKUBE1" cannot list resource "pods"`)
	audits++

	// 5. A redelivered envelope runs once.
	id, err = fake.SendSlashCommand(ctx, slacktest.SlashCommand{Text: "get pods -n " + ns + " -o name", UserID: "U0ALICE01", ChannelID: commandsChannel})
	require.NoError(t, err)
	_, err = fake.WaitForMessage(ctx, commandsChannel, func(m slacktest.PostedMessage) bool { return strings.Contains(m.Text, "pod/api-7d9f8c-00001") })
	require.NoError(t, err)
	audits++
	waitAudit(t, in, audits)
	require.NoError(t, fake.Redeliver(ctx, id, "timeout"))
	_, err = fake.WaitAck(ctx, id)
	require.NoError(t, err)

	// 6. A disconnect mid-command loses nothing: the command in flight is
	// answered, and so is the next one, on the new connection.
	_, err = fake.SendSlashCommand(ctx, slacktest.SlashCommand{Text: "get pods -n " + ns, UserID: "U0ALICE01", ChannelID: commandsChannel})
	require.NoError(t, err)
	fake.SendDisconnect("refresh_requested")
	_, err = fake.WaitForMessage(ctx, commandsChannel, func(m slacktest.PostedMessage) bool {
		return m.Via == slacktest.ViaResponseURL && strings.Contains(m.Text, "`kubectl get pods -n "+ns+"`") && strings.Contains(m.Text, "Running")
	})
	require.NoError(t, err)
	audits++
	require.NoError(t, fake.WaitConnected(ctx, 2))
	_, err = fake.SendSlashCommand(ctx, slacktest.SlashCommand{Text: "whoami", UserID: "U0BOB0001", ChannelID: commandsChannel})
	require.NoError(t, err)
	m, err = fake.WaitForMessage(ctx, commandsChannel, func(m slacktest.PostedMessage) bool { return strings.Contains(m.Text, "user ID `U0BOB0001`") })
	require.NoError(t, err)
	require.Contains(t, m.Text, "Roles here: `role:operator`")
	audits++
	recs := waitAudit(t, in, audits)
	require.Len(t, recs, audits, "the redelivered envelope was not run again")

	// 7. Four eyes: bob's restart waits for carol.
	_, err = fake.SendSlashCommand(ctx, slacktest.SlashCommand{Text: "rollout restart deploy/api -n " + ns, UserID: "U0BOB0001", ChannelID: commandsChannel})
	require.NoError(t, err)
	req, err := fake.WaitForMessage(ctx, commandsChannel, func(m slacktest.PostedMessage) bool { return strings.Contains(m.Text, "wants to run") })
	require.NoError(t, err)
	require.False(t, req.Ephemeral)
	var blocks []struct {
		Elements []struct {
			ActionID string `json:"action_id"`
			Value    string `json:"value"`
		} `json:"elements"`
	}
	require.NoError(t, json.Unmarshal(req.Blocks, &blocks))
	require.Len(t, blocks, 2)
	approvalID := blocks[1].Elements[0].Value
	require.Equal(t, "watchkeeper_approve", blocks[1].Elements[0].ActionID)
	audits++

	click := func(user string) {
		t.Helper()
		_, err := fake.SendBlockAction(ctx, slacktest.BlockAction{UserID: user, ChannelID: commandsChannel, MessageTS: req.TS,
			Actions: []slacktest.Action{{ActionID: "watchkeeper_approve", Value: approvalID}}})
		require.NoError(t, err)
	}
	click("U0BOB0001") // not by the requester
	_, err = fake.WaitForMessage(ctx, commandsChannel, func(m slacktest.PostedMessage) bool {
		return strings.Contains(m.Text, "can't approve your own request")
	})
	require.NoError(t, err)
	audits++
	waitAudit(t, in, audits)
	d, err := k.c.AppsV1().Deployments(ns).Get(ctx, "api", metav1.GetOptions{})
	require.NoError(t, err)
	require.NotContains(t, d.Spec.Template.Annotations, "kubectl.kubernetes.io/restartedAt", "nothing ran before approval")

	click("U0CAROL01")
	_, err = fake.WaitForMessage(ctx, commandsChannel, func(m slacktest.PostedMessage) bool {
		return m.TS == req.TS && strings.Contains(m.Text, "approved by <@U0CAROL01>")
	})
	require.NoError(t, err, "the approval request is replaced by the result")
	d, err = k.c.AppsV1().Deployments(ns).Get(ctx, "api", metav1.GetOptions{})
	require.NoError(t, err)
	require.Contains(t, d.Spec.Template.Annotations, "kubectl.kubernetes.io/restartedAt")
	audits++
	recs = waitAudit(t, in, audits)
	rec = recs[audits-1]
	require.Equal(t, "approved", rec["decision"])
	require.Equal(t, "U0BOB0001", rec["user_id"])
	require.Equal(t, "U0CAROL01", rec["approver_id"])
	require.Equal(t, "watchkeeper:slack:U0BOB0001", rec["impersonate"])
	require.Len(t, recs, audits, "exactly one audit line per attempt")
	require.NotContains(t, in.stderr.String(), testBotToken)
}

func TestCommandsLongOutputIsAFile(t *testing.T) {
	k := newCluster(t)
	ns := k.namespace("cmd")
	k.deployment(ns, "big", 60)

	fake := slacktest.NewTestServer(t, slacktest.Options{BotToken: testBotToken, AppToken: testAppToken})
	in := startInstance(t, nil, commandsConfig(t, fake))
	in.waitReady(t)
	ctx := waitCtx(t, 60*time.Second)
	_, err := fake.SendAppMention(ctx, slacktest.Message{UserID: "U0ALICE01", ChannelID: commandsChannel,
		Text: "<@" + "U0BOT" + "> get pods -n " + ns + " -o wide", TS: "1700000200.000100"})
	require.NoError(t, err)
	m, err := fake.WaitForMessage(ctx, commandsChannel, func(m slacktest.PostedMessage) bool { return m.ThreadTS == "1700000200.000100" })
	require.NoError(t, err)
	require.Contains(t, m.Text, "61 lines of output, attached as `get-pods.txt`")
	require.Less(t, len(m.Text), 3000)
	deadline := time.Now().Add(20 * time.Second)
	for len(fake.Files()) == 0 || !fake.Files()[0].Completed {
		require.True(t, time.Now().Before(deadline), "no file uploaded")
		time.Sleep(10 * time.Millisecond) // poll interval
	}
	f := fake.Files()[0]
	require.Equal(t, "get-pods.txt", f.Name)
	require.Equal(t, "1700000200.000100", f.ThreadTS)
	require.Contains(t, f.Channels, commandsChannel)
	require.Equal(t, 61, strings.Count(string(f.Content), "\n"), "header plus 60 pods")
	require.Contains(t, string(f.Content), "big-7d9f8c-00059")
}

// TestPolicyReload: a valid edit takes effect without a restart; a broken
// one keeps the old policy and is raised in the alert channel.
func TestPolicyReload(t *testing.T) {
	fake := slacktest.NewTestServer(t, slacktest.Options{BotToken: testBotToken, AppToken: testAppToken})
	policy := filepath.Join(t.TempDir(), "policy.csv")
	require.NoError(t, os.WriteFile(policy, []byte("p, U0ALICE01, C0CMDS001, cmd-x, pods, get, allow\n"), 0o600))
	in := startInstance(t, nil, slackConfig(fake)+fmt.Sprintf("rbac:\n  policyFile: %s\n  reloadInterval: 100ms\ncommands:\n  cacheDir: %s\n", policy, t.TempDir()))
	in.waitReady(t)
	ctx := waitCtx(t, 60*time.Second)
	asked := 0
	canI := func(want string) {
		t.Helper()
		asked++
		_, err := fake.SendSlashCommand(ctx, slacktest.SlashCommand{Text: "can-i get pods -n cmd-y", UserID: "U0ALICE01", ChannelID: commandsChannel})
		require.NoError(t, err)
		for len(fake.Messages(commandsChannel)) < asked {
			require.NoError(t, ctx.Err(), "no answer")
			time.Sleep(10 * time.Millisecond) // poll interval
		}
		msgs := fake.Messages(commandsChannel)
		require.Contains(t, msgs[asked-1].Text, want)
	}
	canI("no: no policy allows this")

	// Write the new file beside and rename it over the old one, as a
	// ConfigMap update does (an atomic swap).
	swap := func(content string) {
		tmp := policy + ".new"
		require.NoError(t, os.WriteFile(tmp, []byte(content), 0o600))
		require.NoError(t, os.Rename(tmp, policy))
	}
	swap("p, U0ALICE01, C0CMDS001, cmd-*, pods, get, allow\n")
	deadline := time.Now().Add(20 * time.Second)
	for !strings.Contains(in.stderr.String(), "policy reloaded") {
		require.True(t, time.Now().Before(deadline), "the new policy was never loaded")
		time.Sleep(20 * time.Millisecond) // poll interval
	}
	canI("yes: allowed by p, U0ALICE01, C0CMDS001, cmd-*")

	swap("p, U0ALICE01, C0CMDS001, cmd-*, pods, exec, allow\n")
	m, err := fake.WaitForMessage(ctx, "C0ALERTS1", func(m slacktest.PostedMessage) bool {
		return strings.Contains(m.Text, "could not reload its command policy")
	})
	require.NoError(t, err)
	require.Contains(t, m.Text, "line 1")
	canI("yes: allowed by p, U0ALICE01, C0CMDS001, cmd-*")
	_, body, err := in.get("/metrics")
	require.NoError(t, err)
	require.Contains(t, body, "watchkeeper_policy_reload_errors_total 1")
}

// TestCommandsUserGroups: a policy row for a Slack user group (S…) applies
// to its members, resolved with usergroups.users.list, and to no one else.
func TestCommandsUserGroups(t *testing.T) {
	fake := slacktest.NewTestServer(t, slacktest.Options{BotToken: testBotToken, AppToken: testAppToken,
		UserGroups: map[string][]string{"S0ONCALL1": {"U0BOB0001"}}})
	policy := filepath.Join(t.TempDir(), "policy.csv")
	require.NoError(t, os.WriteFile(policy, []byte("p, S0ONCALL1, C0CMDS001, cmd-*, pods, get, allow\n"), 0o600))
	in := startInstance(t, nil, slackConfig(fake)+fmt.Sprintf("rbac:\n  policyFile: %s\ncommands:\n  cacheDir: %s\n", policy, t.TempDir()))
	in.waitReady(t)
	ctx := waitCtx(t, 30*time.Second)
	for user, want := range map[string]string{
		"U0BOB0001": "yes: allowed by p, S0ONCALL1, C0CMDS001, cmd-*, pods, get, allow (as a member of S0ONCALL1)",
		"U0ALICE01": "no: no policy allows this (default deny)",
	} {
		_, err := fake.SendSlashCommand(ctx, slacktest.SlashCommand{Text: "can-i get pods -n cmd-a", UserID: user, ChannelID: commandsChannel})
		require.NoError(t, err)
		_, err = fake.WaitForMessage(ctx, commandsChannel, func(m slacktest.PostedMessage) bool {
			return strings.Contains(m.Text, "<@"+user+">") && strings.Contains(m.Text, want)
		})
		require.NoError(t, err, user)
	}
	_, err := fake.WaitForCall(ctx, "usergroups.users.list", func(c slacktest.Call) bool { return c.Form.Get("usergroup") == "S0ONCALL1" })
	require.NoError(t, err)
}
