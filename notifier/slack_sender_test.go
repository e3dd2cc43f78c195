package notifier

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"
	"github.com/slack-go/slack"
	"github.com/stretchr/testify/require"

	"github.com/watchkeeper/watchkeeper/internal/slacktest"
)

const (
	testBotToken = "xoxb-watchkeeper-test"
	alertChannel = "C0ALERTS"
)

// newSlackTestSender returns a sender pointed at apiURL and the buffer its
// logs go to. Tests are single-goroutine, so the buffer needs no lock. Its
// throttle runs on a step clock, so it never really waits.
func newSlackTestSender(t *testing.T, apiURL, token string) (*SlackSender, *bytes.Buffer) {
	t.Helper()
	var logs bytes.Buffer
	s, err := NewSlackSender(SlackSenderConfig{BotToken: token, APIURL: apiURL}, prometheus.NewRegistry(), zerolog.New(&logs))
	require.NoError(t, err)
	clk := newStepClock()
	s.throttle.now, s.throttle.sleep = clk.Now, clk.Sleep
	return s, &logs
}

func blocksJSON(t *testing.T, blocks []slack.Block) string {
	t.Helper()
	raw, err := json.Marshal(blocks)
	require.NoError(t, err)
	return string(raw)
}

func TestSlackSenderPostSendsTheRenderedMessage(t *testing.T) {
	srv := slacktest.NewTestServer(t, slacktest.Options{BotToken: testBotToken})
	s, _ := newSlackTestSender(t, srv.APIURL(), testBotToken)
	m := RenderSlack(fixtureView(viewLogs("checkout (previous)", oomLogs...), viewEvents(oomEvents...)))

	ref, retry, err := s.Post(context.Background(), alertChannel, m)
	require.NoError(t, err)
	require.False(t, retry)
	require.Equal(t, alertChannel, ref.Channel)
	require.NotEmpty(t, ref.TS)

	calls := srv.Calls()
	require.Len(t, calls, 1)
	c := calls[0]
	require.Equal(t, "chat.postMessage", c.Method)
	require.Equal(t, testBotToken, c.Token)
	require.Equal(t, alertChannel, c.Form.Get("channel"))
	require.Equal(t, m.Text, c.Form.Get("text"))
	require.JSONEq(t, blocksJSON(t, m.Blocks), c.Form.Get("blocks"))
	require.Equal(t, "false", c.Form.Get("unfurl_links"))
	require.Equal(t, "false", c.Form.Get("unfurl_media"))
	require.False(t, c.Form.Has("thread_ts"))

	msgs := srv.Messages(alertChannel)
	require.Len(t, msgs, 1)
	require.Equal(t, ref.TS, msgs[0].TS)
	require.JSONEq(t, blocksJSON(t, m.Blocks), string(msgs[0].Blocks))
	require.Equal(t, 1.0, requestsCount(t, s, "chat.postMessage", "ok"))
}

func TestSlackSenderUpdateAndReply(t *testing.T) {
	srv := slacktest.NewTestServer(t, slacktest.Options{BotToken: testBotToken})
	s, _ := newSlackTestSender(t, srv.APIURL(), testBotToken)
	ctx := context.Background()
	firing := fixtureView()
	ref, _, err := s.Post(ctx, alertChannel, RenderSlack(firing))
	require.NoError(t, err)

	resolved := fixtureView(viewResolvedAfter(5 * time.Minute))
	retry, err := s.Update(ctx, ref, RenderSlack(resolved))
	require.NoError(t, err)
	require.False(t, retry)

	note := RenderThreadNote(resolved)
	retry, err = s.Reply(ctx, ref, note)
	require.NoError(t, err)
	require.False(t, retry)

	calls := srv.Calls()
	require.Len(t, calls, 3)
	upd := calls[1]
	require.Equal(t, "chat.update", upd.Method)
	require.Equal(t, ref.Channel, upd.Form.Get("channel"))
	require.Equal(t, ref.TS, upd.Form.Get("ts"))
	require.Equal(t, RenderSlack(resolved).Text, upd.Form.Get("text"))
	require.JSONEq(t, blocksJSON(t, RenderSlack(resolved).Blocks), upd.Form.Get("blocks"))

	reply := calls[2]
	require.Equal(t, "chat.postMessage", reply.Method)
	require.Equal(t, ref.Channel, reply.Form.Get("channel"))
	require.Equal(t, ref.TS, reply.Form.Get("thread_ts"))
	require.Equal(t, note.Text, reply.Form.Get("text"))
	require.False(t, reply.Form.Has("blocks"), "a text-only post sends no blocks")

	msgs := srv.Messages(alertChannel)
	require.Len(t, msgs, 2)
	require.Equal(t, 1, msgs[0].Updated)
	require.Contains(t, msgs[0].Text, "Resolved after 5m")
	require.Equal(t, ref.TS, msgs[1].ThreadTS)
	require.Equal(t, note.Text, msgs[1].Text)

	// An update to a text-only message clears the old blocks.
	_, err = s.Update(ctx, ref, Message{Text: "plain"})
	require.NoError(t, err)
	require.JSONEq(t, `[]`, srv.Calls()[3].Form.Get("blocks"))
	require.JSONEq(t, `[]`, string(srv.Messages(alertChannel)[0].Blocks))
}

func TestSlackSenderClassifiesFailures(t *testing.T) {
	tests := []struct {
		name        string
		fault       slacktest.Fault
		retry       bool
		after       time.Duration // a RetryAfterError with this After; 0: none
		code        string
		rateLimited bool
		permanent   bool
	}{
		{name: "429 with Retry-After", fault: slacktest.Fault{Status: 429, RetryAfter: 2 * time.Second},
			retry: true, after: 2 * time.Second, code: "429", rateLimited: true},
		{name: "429 without Retry-After", fault: slacktest.Fault{Status: 429},
			retry: true, code: "429", rateLimited: true},
		{name: "500", fault: slacktest.Fault{Status: 500}, retry: true, code: "500"},
		{name: "503", fault: slacktest.Fault{Status: 503}, retry: true, code: "503"},
		{name: "400", fault: slacktest.Fault{Status: 400}, retry: false, code: "400"},
		{name: "ok:false channel_not_found", fault: slacktest.Fault{SlackError: "channel_not_found"},
			retry: false, code: "channel_not_found", permanent: true},
		{name: "ok:false not_in_channel", fault: slacktest.Fault{SlackError: "not_in_channel"},
			retry: false, code: "not_in_channel", permanent: true},
		{name: "ok:false invalid_blocks", fault: slacktest.Fault{SlackError: "invalid_blocks"},
			retry: false, code: "invalid_blocks", permanent: true},
		{name: "ok:false internal_error", fault: slacktest.Fault{SlackError: "internal_error"},
			retry: true, code: "internal_error"},
		{name: "ok:false ratelimited", fault: slacktest.Fault{SlackError: "ratelimited"},
			retry: true, code: "ratelimited", rateLimited: true},
		{name: "ok:false unknown code", fault: slacktest.Fault{SlackError: "brand_new_error"},
			retry: true, code: "brand_new_error"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := slacktest.NewTestServer(t, slacktest.Options{BotToken: testBotToken})
			s, logs := newSlackTestSender(t, srv.APIURL(), testBotToken)
			srv.FailNext("chat.postMessage", 1, tt.fault)

			_, retry, err := s.Post(context.Background(), alertChannel, Message{Text: "hello"})
			require.Error(t, err)
			require.Equal(t, tt.retry, retry)
			require.ErrorContains(t, err, "chat.postMessage "+alertChannel)

			ra, ok := errors.AsType[*RetryAfterError](err)
			require.Equal(t, tt.after > 0, ok, "RetryAfterError present")
			if ok {
				require.Equal(t, tt.after, ra.After)
				_, isSlack := errors.AsType[*slack.RateLimitedError](err)
				require.True(t, isSlack, "the slack-go error stays in the chain")
			}
			if tt.permanent {
				se, ok := errors.AsType[slack.SlackErrorResponse](err)
				require.True(t, ok)
				require.Equal(t, tt.code, se.Err)
			}
			if !tt.retry { // logged loudly: the message is lost unless someone acts
				var line map[string]any
				require.NoError(t, json.Unmarshal(logs.Bytes(), &line), logs.String())
				require.Equal(t, "error", line["level"])
				require.Equal(t, "chat.postMessage", line["method"])
				require.Equal(t, alertChannel, line["channel_id"])
				require.Equal(t, tt.code, line["error_code"])
			}

			require.Equal(t, 1.0, requestsCount(t, s, "chat.postMessage", tt.code))
			wantLimited := 0.0
			if tt.rateLimited {
				wantLimited = 1
			}
			require.Equal(t, wantLimited, rateLimitedCount(t, s, "chat.postMessage"))

			// The fault is used up: the next attempt goes through.
			_, _, err = s.Post(context.Background(), alertChannel, Message{Text: "hello"})
			require.NoError(t, err)
			require.Len(t, srv.Messages(alertChannel), 1)
		})
	}
}

func TestSlackSenderUpdateAndReplyClassifyToo(t *testing.T) {
	srv := slacktest.NewTestServer(t, slacktest.Options{BotToken: testBotToken})
	s, _ := newSlackTestSender(t, srv.APIURL(), testBotToken)
	ctx := context.Background()
	ref, _, err := s.Post(ctx, alertChannel, Message{Text: "x"})
	require.NoError(t, err)

	srv.FailNext("chat.update", 1, slacktest.Fault{Status: 429, RetryAfter: 3 * time.Second})
	retry, err := s.Update(ctx, ref, Message{Text: "y"})
	require.True(t, retry)
	ra, ok := errors.AsType[*RetryAfterError](err)
	require.True(t, ok)
	require.Equal(t, 3*time.Second, ra.After)
	require.Equal(t, 1.0, rateLimitedCount(t, s, "chat.update"))

	retry, err = s.Update(ctx, MessageRef{Channel: alertChannel, TS: "1.000999"}, Message{Text: "y"})
	require.False(t, retry, "message_not_found cannot succeed later")
	require.ErrorContains(t, err, "message_not_found")

	srv.FailNext("chat.postMessage", 1, slacktest.Fault{Status: 502})
	retry, err = s.Reply(ctx, ref, Message{Text: "z"})
	require.True(t, retry)
	require.ErrorContains(t, err, "502")
}

func TestSlackSenderWrongTokenIsPermanent(t *testing.T) {
	srv := slacktest.NewTestServer(t, slacktest.Options{BotToken: testBotToken})
	s, _ := newSlackTestSender(t, srv.APIURL(), "xoxb-revoked")
	_, retry, err := s.Post(context.Background(), alertChannel, Message{Text: "x"})
	require.False(t, retry)
	require.ErrorContains(t, err, "invalid_auth")
}

func TestSlackSenderTransportErrorsRetry(t *testing.T) {
	dead := httptest.NewServer(http.NotFoundHandler())
	dead.Close() // connection refused from now on
	s, _ := newSlackTestSender(t, dead.URL+"/api/", testBotToken)

	_, retry, err := s.Post(context.Background(), alertChannel, Message{Text: "x"})
	require.True(t, retry)
	_, isURL := errors.AsType[*url.Error](err)
	require.True(t, isURL, "%v", err)
	require.Equal(t, 1.0, requestsCount(t, s, "chat.postMessage", codeTransport))
}

func TestSlackSenderCanceledContextDoesNotRetry(t *testing.T) {
	srv := slacktest.NewTestServer(t, slacktest.Options{BotToken: testBotToken})
	s, _ := newSlackTestSender(t, srv.APIURL(), testBotToken)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, retry, err := s.Post(ctx, alertChannel, Message{Text: "x"})
	require.False(t, retry)
	require.ErrorIs(t, err, context.Canceled)
	require.Empty(t, srv.Messages(alertChannel))
}

func TestSlackSenderThrottlesPerChannel(t *testing.T) {
	srv := slacktest.NewTestServer(t, slacktest.Options{BotToken: testBotToken})
	s, _ := newSlackTestSender(t, srv.APIURL(), testBotToken)
	s.throttle = newThrottle(1, 3) // a channel that allows bursts of three
	clk := newStepClock()
	s.throttle.now, s.throttle.sleep = clk.Now, clk.Sleep // the clock stands still unless slept
	ctx := context.Background()

	for i := range 3 {
		_, _, err := s.Post(ctx, "C1", Message{Text: fmt.Sprint("burst ", i)})
		require.NoError(t, err)
	}
	require.Empty(t, clk.Sleeps(), "a burst of three goes out at once")

	_, _, err := s.Post(ctx, "C1", Message{Text: "fourth"})
	require.NoError(t, err)
	require.Equal(t, []time.Duration{time.Second}, clk.Sleeps(), "the fourth waits for a token")

	_, _, err = s.Post(ctx, "C2", Message{Text: "elsewhere"})
	require.NoError(t, err)
	require.Len(t, clk.Sleeps(), 1, "another channel has its own bucket")

	// Replies and updates draw from their channel's bucket too.
	ref := MessageRef{Channel: "C2", TS: srv.Messages("C2")[0].TS}
	for range 2 {
		_, err = s.Reply(ctx, ref, Message{Text: "r"})
		require.NoError(t, err)
	}
	_, err = s.Update(ctx, ref, Message{Text: "u"})
	require.NoError(t, err)
	require.Equal(t, []time.Duration{time.Second, time.Second}, clk.Sleeps())
	require.Len(t, srv.Messages("C1"), 4)
}

// TestDeliverThroughSlackRateLimit runs the retry loop against the fake's
// real one-message-per-second limit: every 429 is waited out and retried,
// and all five messages arrive, in order.
func TestDeliverThroughSlackRateLimit(t *testing.T) {
	if testing.Short() {
		t.Skip("takes about four seconds of real time")
	}
	srv := slacktest.NewTestServer(t, slacktest.Options{BotToken: testBotToken})
	srv.SetChannelRateLimit(1)
	s, _ := newSlackTestSender(t, srv.APIURL(), testBotToken)
	// A real clock here. Pace a little under the fake's exact 1/s, as its
	// clock starts when a request lands, ours when we reserve; the burst of
	// three still runs into 429s.
	s.throttle = newThrottle(0.9, 3)
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()

	start := time.Now()
	for i := range 5 {
		m := Message{Text: fmt.Sprintf("alert %d", i)}
		err := deliver(ctx, Backoff{}, func(ctx context.Context) (bool, error) {
			_, retry, err := s.Post(ctx, "C0STORM", m)
			return retry, err
		})
		require.NoError(t, err, "message %d", i)
	}
	elapsed := time.Since(start)

	msgs := srv.Messages("C0STORM")
	require.Len(t, msgs, 5, "nothing lost")
	for i, m := range msgs {
		require.Equal(t, fmt.Sprintf("alert %d", i), m.Text)
	}
	var posts, limited int
	for _, c := range srv.Calls() {
		if c.Method == "chat.postMessage" {
			posts++
			if c.Status == http.StatusTooManyRequests {
				limited++
			}
		}
	}
	require.Positive(t, limited, "the burst ran into the fake's limit")
	require.Equal(t, 5+limited, posts, "each 429 was retried exactly once per wait")
	require.Equal(t, float64(limited), rateLimitedCount(t, s, "chat.postMessage"))
	require.Less(t, elapsed, 8*time.Second)
	t.Logf("5 messages in %s with %d rate-limited attempts", elapsed.Round(time.Millisecond), limited)
}

func TestNewSlackSenderValidates(t *testing.T) {
	for name, cfg := range map[string]SlackSenderConfig{
		"no token":       {},
		"negative rate":  {BotToken: "x", PerChannelRate: -1},
		"negative burst": {BotToken: "x", Burst: -1},
		"relative url":   {BotToken: "x", APIURL: "slack/api"},
	} {
		_, err := NewSlackSender(cfg, nil, zerolog.Nop())
		require.Error(t, err, name)
	}
	s, err := NewSlackSender(SlackSenderConfig{BotToken: "x"}, nil, zerolog.Nop())
	require.NoError(t, err)
	require.Equal(t, 1, s.throttle.burst)
	require.InDelta(t, 0.9, float64(s.throttle.limit), 1e-9, "just under Slack's 1/s")

	// Two senders on one registry share the counters instead of failing.
	reg := prometheus.NewRegistry()
	a, err := NewSlackSender(SlackSenderConfig{BotToken: "x"}, reg, zerolog.Nop())
	require.NoError(t, err)
	b, err := NewSlackSender(SlackSenderConfig{BotToken: "x"}, reg, zerolog.Nop())
	require.NoError(t, err)
	require.Same(t, a.metrics.requests, b.metrics.requests)
}

func TestSlackSenderAddsTrailingSlashToAPIURL(t *testing.T) {
	srv := slacktest.NewTestServer(t, slacktest.Options{BotToken: testBotToken})
	s, _ := newSlackTestSender(t, strings.TrimSuffix(srv.APIURL(), "/"), testBotToken)
	_, _, err := s.Post(context.Background(), alertChannel, Message{Text: "x"})
	require.NoError(t, err)
}

// requestsCount and rateLimitedCount read the sender's counters.
// (prometheus/testutil would pull in a module this repo does not require.)
func requestsCount(t *testing.T, s *SlackSender, method, code string) float64 {
	return counterValue(t, s.metrics.requests, map[string]string{"method": method, "code": code})
}

func rateLimitedCount(t *testing.T, s *SlackSender, method string) float64 {
	return counterValue(t, s.metrics.rateLimited, map[string]string{"method": method})
}

func counterValue(t *testing.T, c prometheus.Collector, labels map[string]string) float64 {
	t.Helper()
	reg := prometheus.NewPedanticRegistry()
	require.NoError(t, reg.Register(c))
	families, err := reg.Gather()
	require.NoError(t, err)
	for _, f := range families {
		for _, m := range f.GetMetric() {
			got := map[string]string{}
			for _, l := range m.GetLabel() {
				got[l.GetName()] = l.GetValue()
			}
			if maps.Equal(got, labels) {
				return m.GetCounter().GetValue()
			}
		}
	}
	return 0
}

// TestRateLimitedChannelBacksOff: after a 429 the channel takes nothing
// until Retry-After has passed, and its bucket restarts empty, so the
// retry and the messages queued behind it do not collect more 429s.
func TestRateLimitedChannelBacksOff(t *testing.T) {
	if testing.Short() {
		t.Skip("takes about five seconds of real time")
	}
	srv := slacktest.NewTestServer(t, slacktest.Options{BotToken: testBotToken})
	srv.SetChannelRateLimit(1)
	s, _ := newSlackTestSender(t, srv.APIURL(), testBotToken)
	s.throttle = newThrottle(0.9, 3) // a burst the fake refuses: the first 429 comes at once
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for i := range 6 {
		m := Message{Text: fmt.Sprintf("alert %d", i)}
		require.NoError(t, deliver(ctx, Backoff{}, func(ctx context.Context) (bool, error) {
			_, retry, err := s.Post(ctx, "C0STORM", m)
			return retry, err
		}))
	}
	require.Len(t, srv.Messages("C0STORM"), 6)
	limited := 0
	for _, c := range srv.Calls() {
		if c.Status == http.StatusTooManyRequests {
			limited++
		}
	}
	require.Equal(t, 1, limited, "one 429, then the channel was paced: %d", limited)
}
