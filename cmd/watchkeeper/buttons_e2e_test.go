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

// alertButtons returns the command buttons of an alert message by action_id.
func alertButtons(t *testing.T, m slacktest.PostedMessage) map[string]string {
	t.Helper()
	var blocks []struct {
		Type     string `json:"type"`
		Elements []struct {
			ActionID string `json:"action_id"`
			Value    string `json:"value"`
		} `json:"elements"`
	}
	require.NoError(t, json.Unmarshal(m.Blocks, &blocks))
	out := map[string]string{}
	for _, b := range blocks {
		if b.Type == "actions" {
			for _, e := range b.Elements {
				out[e.ActionID] = e.Value
			}
		}
	}
	return out
}

// TestAlertButtons: the buttons on an alert run their commands through the
// same policy as typed commands, and Silence 1h mutes the workload.
func TestAlertButtons(t *testing.T) {
	k := newCluster(t)
	resetState(t, k)
	ns := k.namespace("btn")
	web := k.deployment(ns, "web", 2)
	api := k.deployment(ns, "api", 1)
	policy := filepath.Join(t.TempDir(), "policy.csv")
	require.NoError(t, os.WriteFile(policy, []byte(`
p, role:viewer, C0ALERTS1, btn-*, pods, "{get,describe}", allow
p, role:viewer, C0ALERTS1, btn-*, alerts, silence, allow
g, U0ALICE01, role:viewer, C0ALERTS1
`), 0o600))
	fake := slacktest.NewTestServer(t, slacktest.Options{BotToken: testBotToken, AppToken: testAppToken})
	in := startInstance(t, nil, alertConfig(fake, only(ns))+fmt.Sprintf(`rbac:
  policyFile: %s
  impersonation:
    roleGroups:
      role:viewer: [watchkeeper:viewers]
commands:
  cacheDir: %s
`, policy, t.TempDir()))
	in.waitReady(t)
	ctx := waitCtx(t, 60*time.Second)

	k.crashLoop(web[0], "OOMKilled", 137, 2)
	alert := waitMessage(t, fake, contains(web[0].Name))
	buttons := alertButtons(t, alert)
	require.Equal(t, "describe pod "+web[0].Name+" -n "+ns, buttons["watchkeeper_run_describe"])
	require.Equal(t, "rollout restart deploy/web -n "+ns, buttons["watchkeeper_run_restart"])
	require.Equal(t, "silence "+ns+"/web 1h", buttons["watchkeeper_run_silence"])

	click := func(user, id string) {
		t.Helper()
		_, err := fake.SendBlockAction(ctx, slacktest.BlockAction{UserID: user, ChannelID: alertChannel, MessageTS: alert.TS,
			Actions: []slacktest.Action{{ActionID: id, Value: buttons[id]}}})
		require.NoError(t, err)
	}
	click("U0ALICE01", "watchkeeper_run_describe")
	m, err := fake.WaitForMessage(ctx, alertChannel, func(m slacktest.PostedMessage) bool {
		return m.Via == slacktest.ViaResponseURL && strings.Contains(m.Text, "ran `kubectl describe pod")
	})
	require.NoError(t, err)
	require.Contains(t, m.Text, "Name:")
	require.Contains(t, m.Text, web[0].Name)

	// A button grants nothing: the restart is not in alice's policy.
	click("U0ALICE01", "watchkeeper_run_restart")
	m, err = fake.WaitForMessage(ctx, alertChannel, func(m slacktest.PostedMessage) bool {
		return strings.Contains(m.Text, "not allowed to `rollout restart deployments`")
	})
	require.NoError(t, err)
	require.True(t, m.Ephemeral)

	click("U0ALICE01", "watchkeeper_run_silence")
	_, err = fake.WaitForMessage(ctx, alertChannel, func(m slacktest.PostedMessage) bool {
		return strings.Contains(m.Text, "Alerts for `"+ns+"/web` are silenced until")
	})
	require.NoError(t, err)
	cm, err := k.c.CoreV1().ConfigMaps("watchkeeper").Get(ctx, "watchkeeper-state", metav1.GetOptions{})
	require.NoError(t, err)
	require.Contains(t, cm.Data["silences.json"], `"name":"web"`)
	require.Contains(t, cm.Data["silences.json"], `"by":"U0ALICE01"`)

	// A new problem in web is muted; one in api, after it, is not.
	k.crashLoop(web[1], "Error", 1, 1)
	k.crashLoop(api[0], "Error", 1, 1)
	waitMessage(t, fake, contains(api[0].Name))
	require.Empty(t, posts(fake, alertChannel, web[1].Name), "the silenced workload stayed quiet: %s", dump(fake))
}
