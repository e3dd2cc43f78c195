package bot_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"
	"github.com/stretchr/testify/require"

	"github.com/watchkeeper/watchkeeper/bot"
	"github.com/watchkeeper/watchkeeper/internal/slacktest"
)

const (
	botToken = "xoxb-test-bot"
	appToken = "xapp-test-app"
)

func startSlack(t *testing.T, h bot.Handler, mutate func(*bot.SlackConfig)) (*slacktest.Server, *bot.Slack, context.CancelFunc, <-chan error) {
	t.Helper()
	fake := slacktest.NewTestServer(t, slacktest.Options{BotToken: botToken, AppToken: appToken, PingInterval: 200 * time.Millisecond})
	cfg := bot.SlackConfig{BotToken: botToken, AppToken: appToken, APIURL: fake.APIURL(), MaxBackoff: 200 * time.Millisecond}
	if mutate != nil {
		mutate(&cfg)
	}
	s, err := bot.NewSlack(cfg, h, prometheus.NewRegistry(), zerolog.Nop())
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Start(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Error("slack adapter did not stop")
		}
	})
	wctx, wcancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer wcancel()
	require.NoError(t, fake.WaitConnected(wctx, 1))
	require.Eventually(t, func() bool { return s.Ready() == nil }, 5*time.Second, 5*time.Millisecond)
	return fake, s, cancel, done
}

func waitCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestSlackSlashCommandAckedThenAnsweredOnResponseURL(t *testing.T) {
	release := make(chan struct{})
	h := bot.HandlerFunc(func(ctx context.Context, env bot.Envelope) bot.Reply {
		<-release // the handler is slow; the ack must not wait for it
		return bot.Reply{Text: "hi " + env.UserID + " in " + env.ChannelID, Ephemeral: true}
	})
	fake, s, _, _ := startSlack(t, h, nil)
	require.Equal(t, "U0BOT", s.BotUserID())
	ctx := waitCtx(t)

	id, err := fake.SendSlashCommand(ctx, slacktest.SlashCommand{Command: "/kube", Text: "whoami", UserID: "U1", ChannelID: "C0000001"})
	require.NoError(t, err)
	ack, err := fake.WaitAck(ctx, id)
	require.NoError(t, err)
	require.Less(t, ack.Latency, 3*time.Second, "acked before the slow handler finished")
	close(release)

	m, err := fake.WaitForMessage(ctx, "C0000001", func(m slacktest.PostedMessage) bool { return m.Via == slacktest.ViaResponseURL })
	require.NoError(t, err)
	require.Equal(t, "hi U1 in C0000001", m.Text)
	require.Equal(t, "ephemeral", m.ResponseType)
}

func TestSlackMentionRepliesInThreadAndIgnoresBots(t *testing.T) {
	seen := make(chan bot.Envelope, 10)
	h := bot.HandlerFunc(func(_ context.Context, env bot.Envelope) bot.Reply {
		seen <- env
		return bot.Reply{Text: "done: " + env.Text}
	})
	fake, _, _, _ := startSlack(t, h, nil)
	ctx := waitCtx(t)

	// A bot's mention and our own messages are ignored.
	_, err := fake.SendAppMention(ctx, slacktest.Message{UserID: "U2", BotID: "B9", ChannelID: "C0000002", Text: "<@U0BOT> from a bot"})
	require.NoError(t, err)
	_, err = fake.SendDirectMessage(ctx, slacktest.Message{UserID: "U0BOT", ChannelID: "D0000001", Text: "echo"})
	require.NoError(t, err)
	_, err = fake.SendDirectMessage(ctx, slacktest.Message{UserID: "U2", ChannelID: "D0000001", Text: "edited", SubType: "message_changed"})
	require.NoError(t, err)

	_, err = fake.SendAppMention(ctx, slacktest.Message{UserID: "U2", ChannelID: "C0000002", Text: "<@U0BOT> help", TS: "1700000000.000100"})
	require.NoError(t, err)
	env := <-seen
	require.Equal(t, bot.SourceMention, env.Source)
	require.Equal(t, "<@U0BOT> help", env.Text)
	m, err := fake.WaitForMessage(ctx, "C0000002", func(m slacktest.PostedMessage) bool { return m.Via == slacktest.ViaPostMessage })
	require.NoError(t, err)
	require.Equal(t, "1700000000.000100", m.ThreadTS, "reply goes in the mention's thread")

	_, err = fake.SendDirectMessage(ctx, slacktest.Message{UserID: "U2", ChannelID: "D0000001", Text: "whoami"})
	require.NoError(t, err)
	env = <-seen
	require.Equal(t, bot.SourceDM, env.Source)
	require.Equal(t, "D0000001", env.ChannelID)
	_, err = fake.WaitForMessage(ctx, "D0000001", func(m slacktest.PostedMessage) bool { return m.Text == "done: whoami" })
	require.NoError(t, err)
	require.Empty(t, seen, "bot, self and edited messages were not handled")
}

func TestSlackBusyPoolRefusesPolitely(t *testing.T) {
	block := make(chan struct{})
	defer close(block)
	h := bot.HandlerFunc(func(ctx context.Context, _ bot.Envelope) bot.Reply {
		select {
		case <-block:
		case <-ctx.Done():
		}
		return bot.Reply{Text: "late"}
	})
	fake, _, _, _ := startSlack(t, h, func(c *bot.SlackConfig) { c.Workers, c.Queue = 1, 1 })
	ctx := waitCtx(t)
	var ids []string
	for range 3 {
		id, err := fake.SendSlashCommand(ctx, slacktest.SlashCommand{Text: "get pods", UserID: "U3", ChannelID: "C0000003"})
		require.NoError(t, err)
		ids = append(ids, id)
	}
	for _, id := range ids {
		_, err := fake.WaitAck(ctx, id) // every envelope is acked even when busy
		require.NoError(t, err)
	}
	m, err := fake.WaitForMessage(ctx, "C0000003", func(m slacktest.PostedMessage) bool { return strings.Contains(m.Text, "busy") })
	require.NoError(t, err)
	require.Equal(t, "ephemeral", m.ResponseType)
}

func TestSlackReconnectsAfterDisconnectAndHardClose(t *testing.T) {
	h := bot.HandlerFunc(func(_ context.Context, env bot.Envelope) bot.Reply { return bot.Reply{Text: "ok " + env.Text} })
	fake, s, _, _ := startSlack(t, h, nil)
	ctx := waitCtx(t)

	fake.SendDisconnect("refresh_requested")
	require.NoError(t, fake.WaitConnected(ctx, 2))
	fake.CloseConnections()
	require.NoError(t, fake.WaitConnected(ctx, 3))
	require.Eventually(t, func() bool { return s.Ready() == nil }, 5*time.Second, 5*time.Millisecond)

	id, err := fake.SendSlashCommand(ctx, slacktest.SlashCommand{Text: "after", UserID: "U4", ChannelID: "C0000004"})
	require.NoError(t, err)
	_, err = fake.WaitAck(ctx, id)
	require.NoError(t, err)
	_, err = fake.WaitForMessage(ctx, "C0000004", func(m slacktest.PostedMessage) bool { return m.Text == "ok after" })
	require.NoError(t, err)
}

func TestSlackInvalidTokenStopsLoudly(t *testing.T) {
	fake := slacktest.NewTestServer(t, slacktest.Options{BotToken: botToken, AppToken: appToken})
	s, err := bot.NewSlack(bot.SlackConfig{BotToken: "xoxb-wrong", AppToken: appToken, APIURL: fake.APIURL()},
		bot.NewCommands(bot.CommandsConfig{}, zerolog.Nop()), nil, zerolog.Nop())
	require.NoError(t, err)
	err = s.Start(waitCtx(t))
	require.ErrorContains(t, err, "invalid_auth")
	require.ErrorContains(t, err, "slack.botToken")
	require.Error(t, s.Ready())

	s, err = bot.NewSlack(bot.SlackConfig{BotToken: botToken, AppToken: "xapp-wrong", APIURL: fake.APIURL()},
		bot.NewCommands(bot.CommandsConfig{}, zerolog.Nop()), nil, zerolog.Nop())
	require.NoError(t, err)
	err = s.Start(waitCtx(t))
	require.ErrorContains(t, err, "invalid_auth")
}

func TestSlackBlockActionNormalised(t *testing.T) {
	seen := make(chan bot.Envelope, 1)
	h := bot.HandlerFunc(func(_ context.Context, env bot.Envelope) bot.Reply { seen <- env; return bot.Reply{Text: "clicked"} })
	fake, _, _, _ := startSlack(t, h, nil)
	ctx := waitCtx(t)
	_, err := fake.SendBlockAction(ctx, slacktest.BlockAction{UserID: "U5", ChannelID: "C0000005",
		Actions: []slacktest.Action{{ActionID: "logs", Value: "logs api-1 -n prod"}}})
	require.NoError(t, err)
	env := <-seen
	require.Equal(t, bot.SourceAction, env.Source)
	require.Equal(t, "logs api-1 -n prod", env.Text)
	require.Equal(t, "U5", env.UserID)
	require.NotEmpty(t, env.ResponseURL)
}
