package slacktest_test

import (
	"context"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"
	"github.com/stretchr/testify/require"

	"github.com/watchkeeper/watchkeeper/internal/slacktest"
)

const (
	botToken = "xoxb-test-bot"
	appToken = "xapp-test-app"
)

// newServer starts a fake with the test tokens and closes it after the test.

func newServer(t *testing.T, opts slacktest.Options) *slacktest.Server {
	t.Helper()
	if opts.BotToken == "" {
		opts.BotToken = botToken
	}
	if opts.AppToken == "" {
		opts.AppToken = appToken
	}
	return slacktest.NewTestServer(t, opts)
}

func newAPI(srv *slacktest.Server, appTok string) *slack.Client {
	return slack.New(botToken, slack.OptionAPIURL(srv.APIURL()), slack.OptionAppLevelToken(appTok))
}

func testContext(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 4*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// client is an unmodified slack-go Socket Mode client running against the fake.

type client struct {
	*socketmode.Client
	done   chan struct{} // closed when RunContext returns
	runErr error         // valid once done is closed
}

func runClient(t *testing.T, srv *slacktest.Server, appTok string, opts ...socketmode.Option) *client {
	t.Helper()
	c := &client{Client: socketmode.New(newAPI(srv, appTok), opts...), done: make(chan struct{})}
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		defer close(c.done)
		c.runErr = c.RunContext(ctx)
	}()
	// Registered after the server's Close, so it runs first.
	t.Cleanup(func() {
		cancel()
		select {
		case <-c.done:
		case <-time.After(5 * time.Second):
			t.Error("RunContext did not return after cancel")
		}
	})
	return c
}

// next returns the next event of type typ, dropping others.

func (c *client) next(t *testing.T, typ socketmode.EventType) socketmode.Event {
	t.Helper()
	timeout := time.NewTimer(3 * time.Second)
	defer timeout.Stop()
	for {
		select {
		case evt := <-c.Events:
			if evt.Type == typ {
				return evt
			}
		case <-c.done:
			t.Fatalf("RunContext returned while waiting for %s: %v", typ, c.runErr)
		case <-timeout.C:
			t.Fatalf("no %s event", typ)
		}
	}
}

func TestLifecycle(t *testing.T) {
	srv := slacktest.NewServer(slacktest.Options{})
	require.Empty(t, srv.APIURL(), "NewServer has no side effects")
	_, err := srv.SendSlashCommand(t.Context(), slacktest.SlashCommand{Command: "/wk"})
	require.ErrorIs(t, err, slacktest.ErrNotStarted)

	require.NoError(t, srv.Start())
	require.True(t, strings.HasPrefix(srv.APIURL(), "http://127.0.0.1:"))
	require.True(t, strings.HasSuffix(srv.APIURL(), "/api/"))

	waitErr := make(chan error, 1)
	go func() { waitErr <- srv.WaitConnected(context.Background(), 1) }()
	srv.Close()
	srv.Close()
	select {
	case err := <-waitErr:
		require.ErrorIs(t, err, slacktest.ErrClosed)
	case <-time.After(3 * time.Second):
		t.Fatal("Close did not wake WaitConnected")
	}
	require.ErrorIs(t, srv.Start(), slacktest.ErrClosed)
}

func TestCloseEndsEveryServerGoroutine(t *testing.T) {
	ctx := testContext(t)
	srv := newServer(t, slacktest.Options{PingInterval: 50 * time.Millisecond})
	c := runClient(t, srv, appToken)
	c.next(t, socketmode.EventTypeHello)
	_, err := srv.SendSlashCommand(ctx, slacktest.SlashCommand{Command: "/wk", UserID: "U1", ChannelID: "C1"})
	require.NoError(t, err)
	c.next(t, socketmode.EventTypeSlashCommand)

	srv.Close()
	// Close waits for the connection handlers and pingers, so none may be
	// left, even while the client keeps trying to reconnect.
	buf := make([]byte, 1<<20)
	stacks := string(buf[:runtime.Stack(buf, true)])
	require.NotContains(t, stacks, "slacktest.(*Server)")
	require.NotContains(t, stacks, "slacktest.pingLoop")
}
