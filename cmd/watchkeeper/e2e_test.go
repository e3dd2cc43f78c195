package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/watchkeeper/watchkeeper/internal/slacktest"
)

const (
	testBotToken = "xoxb-e2e-bot-token"
	testAppToken = "xapp-e2e-app-token"
)

func slackConfig(fake *slacktest.Server) string {
	return "clusterName: e2e\nslack:\n  botToken: " + testBotToken + "\n  appToken: " + testAppToken +
		"\n  apiURL: " + fake.APIURL() + "\n  alertChannel: C0ALERTS1\n"
}

// TestRunSlackLifecycle runs the real wiring against the real apiserver and
// the fake Slack: ready only after hello, reconnect after a disconnect and a
// hard close, commands answered, clean shutdown.
func TestRunSlackLifecycle(t *testing.T) {
	fake := slacktest.NewTestServer(t, slacktest.Options{BotToken: testBotToken, AppToken: testAppToken, PingInterval: time.Second})
	// The first connection attempts fail, so there is a window where the
	// informers are synced but Slack is not connected: /readyz must say no.
	fake.FailConnectionsOpen(3, "internal_error")
	in := startInstance(t, nil, slackConfig(fake))

	sawChatNotReady := false
	deadline := time.Now().Add(30 * time.Second)
	for {
		code, body, err := in.get("/readyz")
		hellos := fake.Connections() // read after the response: a 200 must follow a hello
		if err == nil && code == http.StatusOK {
			require.GreaterOrEqual(t, hellos, 1, "/readyz was ready before any Socket Mode hello")
			break
		}
		if err == nil && code == http.StatusServiceUnavailable && strings.Contains(body, "chat:") && !strings.Contains(body, "informers:") {
			sawChatNotReady = true
		}
		require.True(t, time.Now().Before(deadline), "never ready: %d %q %v\n%s", code, body, err, in.stderr.String())
		time.Sleep(10 * time.Millisecond) // polling interval of a poll-with-deadline
	}
	require.True(t, sawChatNotReady, "/readyz never reported the chat connection as the missing piece")

	code, body, err := in.get("/healthz")
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, code, body)

	ctx := waitCtx(t, 30*time.Second)
	askWhoami := func(user string) {
		t.Helper()
		id, err := fake.SendSlashCommand(ctx, slacktest.SlashCommand{Command: "/kube", Text: "whoami", UserID: user, ChannelID: "C0OPS0001"})
		require.NoError(t, err)
		ack, err := fake.WaitAck(ctx, id)
		require.NoError(t, err)
		require.Less(t, ack.Latency, time.Second)
		_, err = fake.WaitForMessage(ctx, "C0OPS0001", func(m slacktest.PostedMessage) bool {
			return m.Via == slacktest.ViaResponseURL && strings.Contains(m.Text, "`"+user+"`")
		})
		require.NoError(t, err)
	}
	askWhoami("U0ALICE01")

	// Slack's routine refresh: reconnect, become ready again, keep answering.
	fake.SendDisconnect("refresh_requested")
	require.NoError(t, fake.WaitConnected(ctx, 2))
	in.waitReady(t)
	askWhoami("U0BOB0001")

	// A dropped socket with no close frame.
	fake.CloseConnections()
	require.NoError(t, fake.WaitConnected(ctx, 3))
	in.waitReady(t)
	_, err = fake.SendAppMention(ctx, slacktest.Message{UserID: "U0CAROL01", ChannelID: "C0OPS0001", Text: "<@U0BOT> version", TS: "1700000001.000200"})
	require.NoError(t, err)
	m, err := fake.WaitForMessage(ctx, "C0OPS0001", func(m slacktest.PostedMessage) bool { return strings.Contains(m.Text, "Watchkeeper") })
	require.NoError(t, err)
	require.True(t, m.Ephemeral, "the version reply is only for the asker")
	require.Equal(t, "U0CAROL01", m.User)

	_, body, err = in.get("/metrics")
	require.NoError(t, err)
	require.Contains(t, body, "watchkeeper_slack_connected 1")
	require.Contains(t, body, `watchkeeper_chat_requests_total{source="slash"} 2`)
	require.Contains(t, body, "watchkeeper_build_info")
	require.Contains(t, body, "watchkeeper_informers_synced 1")

	require.NoError(t, in.stop(t), "graceful shutdown returns no error")
	require.Eventually(t, func() bool { return fake.ActiveConnections() == 0 }, 5*time.Second, 10*time.Millisecond, "the socket is closed on shutdown")
	require.Contains(t, in.stderr.String(), `"message":"watchkeeper stopped"`)
	require.NotContains(t, in.stderr.String(), testBotToken, "tokens are never logged")
	require.NotContains(t, in.stderr.String(), testAppToken, "tokens are never logged")
}

// TestRunStopsOnRevokedToken: an invalid token is not retried forever.
func TestRunStopsOnRevokedToken(t *testing.T) {
	fake := slacktest.NewTestServer(t, slacktest.Options{BotToken: "xoxb-the-real-one", AppToken: testAppToken})
	in := startInstance(t, nil, slackConfig(fake))
	select {
	case err := <-in.done:
		in.done <- err
		require.ErrorContains(t, err, "invalid_auth")
		require.ErrorContains(t, err, "slack.botToken")
	case <-time.After(30 * time.Second):
		t.Fatal("watchkeeper kept running with a rejected token")
	}
}

// TestRunConsole: with no Slack tokens, lines on stdin go through the same
// command path as the local user.
func TestRunConsole(t *testing.T) {
	stdinR, stdinW := io.Pipe()
	t.Cleanup(func() { stdinW.Close() })
	in := startInstance(t, stdinR, "clusterName: local-dev\n")
	in.waitReady(t)
	_, err := io.WriteString(stdinW, "whoami\nversion\n")
	require.NoError(t, err)
	deadline := time.Now().Add(15 * time.Second)
	for !strings.Contains(in.stdout.String(), "on cluster `local-dev`") || !strings.Contains(in.stdout.String(), "`ULOCAL`") {
		require.True(t, time.Now().Before(deadline), "no console reply:\n%s", in.stdout.String())
		time.Sleep(10 * time.Millisecond)
	}
	require.NoError(t, stdinW.Close())
	require.NoError(t, in.stop(t))
}

func TestCheckConfigExample(t *testing.T) {
	t.Setenv("SLACK_BOT_TOKEN", "xoxb-secret-value-123")
	t.Setenv("SLACK_APP_TOKEN", "xapp-secret-value-456")
	var out, errOut bytes.Buffer
	err := run(context.Background(), []string{"check-config", "--config", filepath.Join("..", "..", "config.example.yaml")}, nil, &out, &errOut)
	require.NoError(t, err, errOut.String())
	require.Contains(t, out.String(), "botToken: xoxb-***")
	require.Contains(t, out.String(), "listen: :8080")
	require.NotContains(t, out.String()+errOut.String(), "secret-value")
	require.Contains(t, errOut.String(), "config is valid")
}

func TestCheckConfigNamesEveryBadKey(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bad.yaml")
	require.NoError(t, os.WriteFile(path, []byte(`
clusterName: "no spaces allowed"
slack:
  botToken: xoxp-not-a-bot-token
  appToken: xapp-ok
  alertChannel: "#alerts"
  apiUrl: https://example.invalid/api/
server:
  listen: "8080"
log:
  format: pretty
  level: chatty
unexpected: true
`), 0o600))
	var out, errOut bytes.Buffer
	err := run(context.Background(), []string{"check-config", "--config", path}, nil, &out, &errOut)
	require.Error(t, err)
	require.True(t, isReported(err), "main must not print the problems twice")
	for _, key := range []string{"clusterName:", "slack.botToken:", "slack.alertChannel:", "slack.apiUrl:", "server.listen:", "log.format:", "log.level:", "unexpected:"} {
		require.Contains(t, errOut.String(), "  - "+key, "problem list names %s", key)
	}
	require.NotContains(t, errOut.String(), "xoxp-not-a-bot-token", "a secret is never echoed")
	require.Empty(t, out.String())
}

func TestRunRejectsBadConfigBeforeStarting(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bad.yaml")
	require.NoError(t, os.WriteFile(path, []byte("slack:\n  botToken: ${WATCHKEEPER_TEST_UNSET_VAR}\n"), 0o600))
	err := run(context.Background(), []string{"run", "--config", path, "--kubeconfig", "/nonexistent"}, nil, io.Discard, io.Discard)
	require.ErrorContains(t, err, "slack.botToken: environment variable WATCHKEEPER_TEST_UNSET_VAR is not set")
}

func TestCheckConfigValidatesThePolicyFile(t *testing.T) {
	dir := t.TempDir()
	policy := filepath.Join(dir, "policy.csv")
	require.NoError(t, os.WriteFile(policy, []byte("p, U0ALICE01, C0DEV1, team-a, pods, exec, allow\n"), 0o600))
	cfg := filepath.Join(dir, "config.yaml")
	require.NoError(t, os.WriteFile(cfg, []byte("rbac:\n  policyFile: "+policy+"\n"), 0o600))
	var out, errOut bytes.Buffer
	err := run(context.Background(), []string{"check-config", "--config", cfg}, nil, &out, &errOut)
	require.Error(t, err)
	require.Contains(t, errOut.String(), "rbac.policyFile:")
	require.Contains(t, errOut.String(), "line 1")
	require.Contains(t, errOut.String(), "exec")
}

func TestPolicyTestCommand(t *testing.T) {
	policy := filepath.Join("..", "..", "rbac", "example_policy.csv")
	var out bytes.Buffer
	err := run(context.Background(), []string{"policy", "test", "--policy", policy, "--user", "U0ALICE01", "--channel", "C0DEV1", "--",
		"kubectl", "get", "po", "-n", "team-a-web"}, nil, &out, io.Discard)
	require.NoError(t, err)
	require.Contains(t, out.String(), "allow: kubectl get po -n team-a-web")
	require.Contains(t, out.String(), "resource=pods action=get")
	require.Contains(t, out.String(), "reason: allowed by p, role:viewer, C0DEV*, team-a-*, pods, get, allow")

	out.Reset()
	err = run(context.Background(), []string{"policy", "test", "--policy", policy, "--user", "U0ALICE01", "--channel", "C0PROD1", "--",
		"delete", "pod", "x", "-n", "prod-payments"}, nil, &out, io.Discard)
	require.Error(t, err, "a denial exits non-zero")
	require.Contains(t, out.String(), "deny: kubectl delete pod x -n prod-payments")

	out.Reset()
	err = run(context.Background(), []string{"policy", "test", "--policy", policy, "--user", "U0BOB0001", "--channel", "C0PROD1", "--",
		"rollout", "undo", "deploy/api", "-n", "prod-shop"}, nil, &out, io.Discard)
	require.NoError(t, err)
	require.Contains(t, out.String(), "approval: required")

	out.Reset()
	err = run(context.Background(), []string{"policy", "test", "--policy", policy, "--user", "U0ADMIN01", "--channel", "C0OPS1", "--",
		"get", "secret", "db", "-o", "yaml", "-n", "prod-shop"}, nil, &out, io.Discard)
	require.Error(t, err)
	require.Contains(t, out.String(), "reason: hard deny: secrets")
}
