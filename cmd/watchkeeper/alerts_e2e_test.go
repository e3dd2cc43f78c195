package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/watchkeeper/watchkeeper/internal/slacktest"
)

const alertChannel = "C0ALERTS1"

func alertConfig(fake *slacktest.Server, extra string) string {
	return slackConfig(fake) + `
notifier:
  groupWait: 1s
  resolveGrace: 2s
  repeatInterval: 1h
` + extra
}

// only scopes the watchers to the test's own namespaces, so pods left
// crashing by other tests in the shared control plane stay out of view.
func only(namespaces ...string) string {
	var quoted []string
	for _, ns := range namespaces {
		quoted = append(quoted, fmt.Sprintf("%q", ns))
	}
	return "watchers:\n  namespaces:\n    include: [" + strings.Join(quoted, ", ") + "]\n"
}

// resetState removes the incident state a previous test left behind.
func resetState(t *testing.T, k *cluster) {
	t.Helper()
	err := k.c.CoreV1().ConfigMaps("watchkeeper").Delete(k.ctx(), "watchkeeper-state", metav1.DeleteOptions{})
	if err != nil && !apierrors.IsNotFound(err) {
		require.NoError(t, err)
	}
}

func waitMessage(t *testing.T, fake *slacktest.Server, match func(slacktest.PostedMessage) bool) slacktest.PostedMessage {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 45*time.Second)
	defer cancel()
	m, err := fake.WaitForMessage(ctx, alertChannel, match)
	require.NoError(t, err, "messages so far: %s", dump(fake))
	return m
}

func dump(fake *slacktest.Server) string {
	b, _ := json.MarshalIndent(fake.Messages(alertChannel), "", "  ")
	return string(b)
}

func contains(parts ...string) func(slacktest.PostedMessage) bool {
	return func(m slacktest.PostedMessage) bool {
		s := text(m)
		for _, p := range parts {
			if !strings.Contains(s, p) {
				return false
			}
		}
		return true
	}
}

// TestAlertsEndToEnd runs the real wiring against the real apiserver and the
// fake Slack, driving pod status as a kubelet would.
func TestAlertsEndToEnd(t *testing.T) {
	k := newCluster(t)
	resetState(t, k)
	fake := slacktest.NewTestServer(t, slacktest.Options{BotToken: testBotToken, AppToken: testAppToken, PingInterval: time.Second})
	ignored := k.namespace("ignored")
	ns := k.namespace("shop")
	in := startInstance(t, nil, alertConfig(fake, fmt.Sprintf("ignore:\n  namespaces: [%q]\n%s", ignored, only(ns, ignored))))
	in.waitReady(t)

	t.Run("OOMKilled crash loop posts one message with the real cause", func(t *testing.T) {
		pods := k.deployment(ns, "checkout", 1)
		k.crashLoop(pods[0], "OOMKilled", 137, 3)
		m := waitMessage(t, fake, contains(pods[0].Name, "OOMKilled"))
		for _, want := range []string{ns, "checkout", "Deployment", "app", "137", "back-off"} {
			require.Contains(t, text(m), want)
		}
		require.Equal(t, slacktest.ViaPostMessage, m.Via)

		// Further restarts within the repeat interval post nothing new.
		k.crashLoop(pods[0], "OOMKilled", 137, 4)
		k.crashLoop(pods[0], "OOMKilled", 137, 5)
		sentinel := k.deployment(ns, "sentinel-a", 1)
		k.crashLoop(sentinel[0], "Error", 1, 1)
		waitMessage(t, fake, contains(sentinel[0].Name))
		require.Len(t, posts(fake, alertChannel, pods[0].Name), 1, "restarts re-posted: %s", dump(fake))

		// Recovery resolves: the original message is updated and the thread says so.
		origTS := m.TS
		k.running(pods[0])
		resolved := waitMessage(t, fake, func(m slacktest.PostedMessage) bool {
			return m.TS == origTS && strings.Contains(text(m), "Resolved")
		})
		require.GreaterOrEqual(t, resolved.Updated, 1)
		waitMessage(t, fake, func(p slacktest.PostedMessage) bool {
			return p.ThreadTS == resolved.TS && strings.Contains(strings.ToLower(text(p)), "resolved")
		})
	})

	t.Run("three pods of one deployment are one incident", func(t *testing.T) {
		pods := k.deployment(ns, "payments", 3)
		for _, p := range pods {
			k.crashLoop(p, "Error", 2, 2)
		}
		waitMessage(t, fake, contains(pods[0].Name, pods[1].Name, pods[2].Name))
		require.Len(t, posts(fake, alertChannel, "payments"), 1, "one message for one incident: %s", dump(fake))
	})

	t.Run("image pull failure names the image and the cause", func(t *testing.T) {
		pods := k.deployment(ns, "frontend", 1)
		k.imagePull(pods[0], `Back-off pulling image "registry.example/frontend:1.0": rpc error: code = NotFound desc = failed to pull and unpack image: registry.example/frontend:1.0: not found`)
		m := waitMessage(t, fake, contains(pods[0].Name, "ImagePullBackOff"))
		require.Contains(t, text(m), "registry.example/frontend:1.0")
		require.Contains(t, text(m), "not found")
	})

	t.Run("ignored namespaces and deleting pods stay silent", func(t *testing.T) {
		quiet := k.deployment(ignored, "noisy", 1)
		k.crashLoop(quiet[0], "Error", 1, 7)
		leaving := k.deployment(ns, "leaving", 1)
		// No kubelet confirms the deletion, so the pod stays terminating.
		require.NoError(t, k.c.CoreV1().Pods(ns).Delete(k.ctx(), leaving[0].Name, metav1.DeleteOptions{}))
		k.crashLoop(leaving[0], "Error", 143, 1)
		sentinel := k.deployment(ns, "sentinel-b", 1)
		k.crashLoop(sentinel[0], "Error", 1, 1)
		waitMessage(t, fake, contains(sentinel[0].Name))
		require.Empty(t, posts(fake, alertChannel, "noisy"), dump(fake))
		require.Empty(t, posts(fake, alertChannel, "leaving"), dump(fake))
	})

	_, body, err := in.get("/metrics")
	require.NoError(t, err)
	require.Contains(t, body, `watchkeeper_alerts_detected_total{reason="CrashLoopBackOff"}`)
	require.Contains(t, body, `watchkeeper_alerts_resolved_total{reason="OOMKilled"} 1`)
}

// TestAlertsSurviveRestart: a restart mid-incident neither re-posts nor
// forgets; the new process resolves the original message.
func TestAlertsSurviveRestart(t *testing.T) {
	k := newCluster(t)
	resetState(t, k)
	fake := slacktest.NewTestServer(t, slacktest.Options{BotToken: testBotToken, AppToken: testAppToken, PingInterval: time.Second})
	ns := k.namespace("restart")
	pods := k.deployment(ns, "orders", 2)
	first := startInstance(t, nil, alertConfig(fake, only(ns)))
	first.waitReady(t)
	k.crashLoop(pods[0], "OOMKilled", 137, 2)
	orig := waitMessage(t, fake, contains(pods[0].Name))
	// Let the state reach the ConfigMap, then stop as SIGTERM would.
	require.NoError(t, first.stop(t))
	cm, err := k.c.CoreV1().ConfigMaps("watchkeeper").Get(k.ctx(), "watchkeeper-state", metav1.GetOptions{})
	require.NoError(t, err, "the state was saved")
	require.Contains(t, cm.Data["incidents.json"], orig.TS, "the saved state knows the posted message")

	second := startInstance(t, nil, alertConfig(fake, only(ns)))
	second.waitReady(t)
	// A new problem proves the second instance is alerting...
	k.crashLoop(pods[1], "Error", 3, 1)
	waitMessage(t, fake, contains(pods[1].Name, "Error"))
	// ...and the old incident was not posted again.
	require.Len(t, posts(fake, alertChannel, pods[0].Name), 1, dump(fake))
	require.Empty(t, posts(fake, alertChannel, "already present"), "restart is not a pre-existing problem: %s", dump(fake))

	k.running(pods[0])
	waitMessage(t, fake, func(m slacktest.PostedMessage) bool { return m.TS == orig.TS && strings.Contains(text(m), "Resolved") })
}

// TestAlertsStartupSummary: problems present before start are reported in
// one summary message, not a flood.
func TestAlertsStartupSummary(t *testing.T) {
	k := newCluster(t)
	resetState(t, k)
	fake := slacktest.NewTestServer(t, slacktest.Options{BotToken: testBotToken, AppToken: testAppToken, PingInterval: time.Second})
	ns := k.namespace("before")
	var names []string
	for i := range 4 {
		p := k.deployment(ns, fmt.Sprintf("old%d", i), 1)
		k.crashLoop(p[0], "Error", 1, 9)
		names = append(names, p[0].Name)
	}
	in := startInstance(t, nil, alertConfig(fake, only(ns)))
	in.waitReady(t)
	m := waitMessage(t, fake, contains(names...))
	require.Contains(t, text(m), "already present")
	for _, n := range names {
		require.Len(t, posts(fake, alertChannel, n), 1, "each pre-existing problem is named once: %s", dump(fake))
	}
}

// TestAlertsStorm: 200 pods crash at once under Slack's 1 msg/s channel
// limit and forced 429s; every pod is named in some message and nothing is lost.
func TestAlertsStorm(t *testing.T) {
	k := newCluster(t)
	resetState(t, k)
	fake := slacktest.NewTestServer(t, slacktest.Options{BotToken: testBotToken, AppToken: testAppToken, PingInterval: time.Second})
	fake.SetChannelRateLimit(1)
	ns := k.namespace("storm")
	in := startInstance(t, nil, alertConfig(fake, only(ns)))
	in.waitReady(t)
	fake.FailNext("chat.postMessage", 3, slacktest.Fault{Status: 429, RetryAfter: time.Second})

	var names []string
	for d := range 20 {
		pods := k.deployment(ns, fmt.Sprintf("svc%02d", d), 10)
		for _, p := range pods {
			k.crashLoop(p, "Error", 1, 1)
			names = append(names, p.Name)
		}
	}
	deadline := time.Now().Add(120 * time.Second)
	for {
		var all strings.Builder
		for _, m := range fake.Messages(alertChannel) {
			all.WriteString(text(m))
		}
		missing := 0
		for _, n := range names {
			if !strings.Contains(all.String(), n) {
				missing++
			}
		}
		if missing == 0 {
			break
		}
		require.True(t, time.Now().Before(deadline), "%d of %d pods never named; messages: %s", missing, len(names), dump(fake))
		time.Sleep(200 * time.Millisecond)
	}
	var posted, limited int
	for _, c := range fake.Calls() {
		if c.Method == "chat.postMessage" {
			posted++
			if c.Status == 429 {
				limited++
			}
		}
	}
	t.Logf("storm: %d pods named via %d chat.postMessage calls (%d answered 429)", len(names), posted, limited)
	require.Less(t, posted, 60, "a storm is digested, not one message per pod")
}
