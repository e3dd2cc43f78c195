package main

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/watchkeeper/watchkeeper/internal/slacktest"
)

const leaderConfig = `leaderElection:
  enabled: true
  leaseDuration: 4s
  renewDeadline: 2s
  retryPeriod: 250ms
`

// leading reports whether in holds the lease, from its own metrics.
func (in *instance) leading() bool {
	_, body, err := in.get("/metrics")
	return err == nil && strings.Contains(body, "\nwatchkeeper_leader 1")
}

// TestLeaderElection: two replicas, one alert pipeline. Both are ready and
// serve commands; only the leader posts alerts; when it shuts down it hands
// the lease over and the other continues from the saved state without
// posting the old incident again.
func TestLeaderElection(t *testing.T) {
	k := newCluster(t)
	resetState(t, k)
	fake := slacktest.NewTestServer(t, slacktest.Options{BotToken: testBotToken, AppToken: testAppToken, PingInterval: time.Second})
	ns := k.namespace("leader")
	pods := k.deployment(ns, "orders", 2)
	cfg := alertConfig(fake, only(ns)) + leaderConfig
	a := startInstance(t, nil, cfg)
	b := startInstance(t, nil, cfg)
	a.waitReady(t)
	b.waitReady(t)

	var leader, standby *instance
	deadline := time.Now().Add(30 * time.Second)
	for leader == nil {
		switch la, lb := a.leading(), b.leading(); {
		case la && lb:
			t.Fatal("both replicas lead")
		case la:
			leader, standby = a, b
		case lb:
			leader, standby = b, a
		}
		require.True(t, time.Now().Before(deadline), "no replica took the lease")
		time.Sleep(20 * time.Millisecond) // poll interval
	}
	lease, err := k.c.CoordinationV1().Leases("watchkeeper").Get(k.ctx(), "watchkeeper", metav1.GetOptions{})
	require.NoError(t, err)
	require.NotNil(t, lease.Spec.HolderIdentity)

	k.crashLoop(pods[0], "OOMKilled", 137, 2)
	waitMessage(t, fake, contains(pods[0].Name))

	// Both replicas answer commands, whichever leads.
	ctx := waitCtx(t, 30*time.Second)
	for i := 0; i < 4; i++ {
		_, err := fake.SendSlashCommand(ctx, slacktest.SlashCommand{Text: "version", UserID: "U0ALICE01", ChannelID: "C0OPS0001"})
		require.NoError(t, err)
	}
	for len(fake.Messages("C0OPS0001")) < 4 {
		require.NoError(t, ctx.Err(), "not every command was answered")
		time.Sleep(20 * time.Millisecond) // poll interval
	}

	// The leader renews every retryPeriod, so the lease it last renewed
	// would expire no earlier than this renewal plus leaseDuration.
	lease, err = k.c.CoordinationV1().Leases("watchkeeper").Get(k.ctx(), "watchkeeper", metav1.GetOptions{})
	require.NoError(t, err)
	oldHolder, renewed := *lease.Spec.HolderIdentity, lease.Spec.RenewTime.Time
	require.NoError(t, leader.stop(t))
	deadline = time.Now().Add(30 * time.Second)
	for !standby.leading() {
		require.True(t, time.Now().Before(deadline), "the standby never took over:\n%s", standby.stderr.String())
		time.Sleep(20 * time.Millisecond) // poll interval
	}
	lease, err = k.c.CoordinationV1().Leases("watchkeeper").Get(k.ctx(), "watchkeeper", metav1.GetOptions{})
	require.NoError(t, err)
	require.NotEqual(t, oldHolder, *lease.Spec.HolderIdentity)
	require.True(t, lease.Spec.AcquireTime.Time.Before(renewed.Add(4*time.Second)),
		"the hand-over did not wait for the lease to expire: released on shutdown (acquired %s, old renewal %s)",
		lease.Spec.AcquireTime.Time, renewed)

	k.crashLoop(pods[1], "Error", 3, 1)
	waitMessage(t, fake, contains(pods[1].Name, "Error"))
	require.Len(t, posts(fake, alertChannel, pods[0].Name), 1, "the new leader did not repeat the old incident: %s", dump(fake))
}
