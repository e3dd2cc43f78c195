package slacktest_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/slack-go/slack"
	"github.com/stretchr/testify/require"

	"github.com/watchkeeper/watchkeeper/internal/slacktest"
)

func TestChatPostUpdateAndEphemeral(t *testing.T) {
	ctx := testContext(t)
	srv := newServer(t, slacktest.Options{})
	api := newAPI(srv, appToken)

	ch, root, err := api.PostMessageContext(ctx, "C1", slack.MsgOptionText("deploying", false),
		slack.MsgOptionBlocks(slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, "*deploying*", false, false), nil, nil)))
	require.NoError(t, err)
	require.Equal(t, "C1", ch)
	_, reply, err := api.PostMessageContext(ctx, "C1", slack.MsgOptionText("step 1 done", false), slack.MsgOptionTS(root))
	require.NoError(t, err)
	require.Greater(t, reply, root, "timestamps increase")

	_, _, _, err = api.UpdateMessageContext(ctx, "C1", root, slack.MsgOptionText("deployed", false))
	require.NoError(t, err)
	eph, err := api.PostEphemeralContext(ctx, "C1", "U1", slack.MsgOptionText("only you", false))
	require.NoError(t, err)

	msgs := srv.Messages("C1")
	require.Len(t, msgs, 3)
	require.Equal(t, slacktest.PostedMessage{Channel: "C1", TS: root, Text: "deployed", Updated: 1, Via: slacktest.ViaPostMessage,
		Blocks: json.RawMessage(`[{"type":"section","text":{"type":"mrkdwn","text":"*deploying*"}}]`)}, msgs[0])
	require.Equal(t, root, msgs[1].ThreadTS)
	require.Equal(t, "step 1 done", msgs[1].Text)
	require.Equal(t, slacktest.PostedMessage{Channel: "C1", TS: eph, Text: "only you", User: "U1", Ephemeral: true, Via: slacktest.ViaPostEphemeral}, msgs[2])

	_, _, _, err = api.UpdateMessageContext(ctx, "C1", "1.000000", slack.MsgOptionText("x", false))
	var slackErr slack.SlackErrorResponse
	require.ErrorAs(t, err, &slackErr)
	require.Equal(t, "message_not_found", slackErr.Err)
}

func TestFailNext(t *testing.T) {
	tests := []struct {
		name  string
		fault slacktest.Fault
		check func(t *testing.T, err error)
	}{
		{"429 with Retry-After", slacktest.Fault{Status: http.StatusTooManyRequests, RetryAfter: 2 * time.Second}, func(t *testing.T, err error) {
			var rl *slack.RateLimitedError
			require.ErrorAs(t, err, &rl)
			require.Equal(t, 2*time.Second, rl.RetryAfter)
		}},
		{"500", slacktest.Fault{Status: http.StatusInternalServerError}, func(t *testing.T, err error) {
			var sc slack.StatusCodeError
			require.ErrorAs(t, err, &sc)
			require.Equal(t, http.StatusInternalServerError, sc.Code)
		}},
		{"ok:false", slacktest.Fault{SlackError: "not_in_channel"}, func(t *testing.T, err error) {
			var se slack.SlackErrorResponse
			require.ErrorAs(t, err, &se)
			require.Equal(t, "not_in_channel", se.Err)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := testContext(t)
			srv := newServer(t, slacktest.Options{})
			api := newAPI(srv, appToken)
			srv.FailNext("chat.postMessage", 1, tt.fault)

			_, _, err := api.PostMessageContext(ctx, "C1", slack.MsgOptionText("hi", false))
			tt.check(t, err)
			_, _, err = api.PostMessageContext(ctx, "C1", slack.MsgOptionText("hi", false))
			require.NoError(t, err, "only the next call fails")
			require.Len(t, srv.Messages("C1"), 1)
			calls := srv.Calls()
			require.Len(t, calls, 2)
			require.NotEmpty(t, calls[0].SlackError)
			require.Empty(t, calls[1].SlackError)
		})
	}
}

// clock is a settable Options.Now.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }

func (c *clock) Add(d time.Duration) { c.mu.Lock(); defer c.mu.Unlock(); c.now = c.now.Add(d) }

func TestChannelRateLimit(t *testing.T) {
	ctx := testContext(t)
	clk := &clock{now: time.Unix(1_700_000_000, 0)}
	srv := newServer(t, slacktest.Options{Now: clk.Now})
	api := newAPI(srv, appToken)
	srv.SetChannelRateLimit(1)

	post := func(channel string) error {
		_, _, err := api.PostMessageContext(ctx, channel, slack.MsgOptionText("alert", false))
		return err
	}
	require.NoError(t, post("C1"))
	for range 2 {
		var rl *slack.RateLimitedError
		require.ErrorAs(t, post("C1"), &rl)
		require.Equal(t, time.Second, rl.RetryAfter)
	}
	require.NoError(t, post("C2"), "the limit is per channel")
	clk.Add(time.Second)
	require.NoError(t, post("C1"))
	require.Len(t, srv.Messages("C1"), 2)
}

func TestUploadFile(t *testing.T) {
	ctx := testContext(t)
	srv := newServer(t, slacktest.Options{})
	api := newAPI(srv, appToken)

	content := "NAME READY\napi  1/1\n"
	sum, err := api.UploadFileContext(ctx, slack.UploadFileParameters{
		Content: content, FileSize: len(content), Filename: "pods.txt", Title: "Pods",
		Channel: "C1", ThreadTimestamp: "1700000000.000100", InitialComment: "here you go",
	})
	require.NoError(t, err)
	require.Equal(t, "Pods", sum.Title)

	files := srv.Files()
	require.Len(t, files, 1)
	require.Equal(t, slacktest.File{
		ID: sum.ID, Name: "pods.txt", Title: "Pods", Length: len(content), Content: []byte(content),
		Uploaded: true, Completed: true, Channels: []string{"C1"}, ThreadTS: "1700000000.000100", InitialComment: "here you go",
	}, files[0])
	msgs := srv.Messages("C1")
	require.Len(t, msgs, 1)
	require.Equal(t, slacktest.ViaCompleteUpload, msgs[0].Via)
	require.Equal(t, []string{sum.ID}, msgs[0].FileIDs)
	require.Equal(t, "here you go", msgs[0].Text)
}

func TestWebAPIDirectoryAndAuth(t *testing.T) {
	ctx := testContext(t)
	srv := newServer(t, slacktest.Options{
		Users:      map[string]slacktest.User{"U1": {Name: "alice", RealName: "Alice A"}, "U2": {Name: "bob", Deleted: true}},
		UserGroups: map[string][]string{"S1": {"U1", "U2"}},
	})
	api := newAPI(srv, appToken)

	auth, err := api.AuthTestContext(ctx)
	require.NoError(t, err)
	require.Equal(t, "T0001", auth.TeamID)
	require.Equal(t, "U0BOT", auth.UserID)
	require.Equal(t, "B0BOT", auth.BotID)
	require.NotEmpty(t, auth.URL)

	_, err = slack.New("xoxb-wrong", slack.OptionAPIURL(srv.APIURL())).AuthTestContext(ctx)
	require.EqualError(t, err, "invalid_auth")

	u, err := api.GetUserInfoContext(ctx, "U1")
	require.NoError(t, err)
	require.Equal(t, "alice", u.Name)
	require.Equal(t, "Alice A", u.RealName)
	require.Equal(t, "T0001", u.TeamID)
	bot, err := api.GetUserInfoContext(ctx, "U0BOT")
	require.NoError(t, err)
	require.True(t, bot.IsBot)
	_, err = api.GetUserInfoContext(ctx, "U404")
	require.EqualError(t, err, "user_not_found")

	members, err := api.GetUserGroupMembersContext(ctx, "S1")
	require.NoError(t, err)
	require.Equal(t, []string{"U1", "U2"}, members)
	_, err = api.GetUserGroupMembersContext(ctx, "S404")
	require.EqualError(t, err, "no_such_subteam")

	ref := slack.NewRefToMessage("C1", "1700000000.000100")
	require.NoError(t, api.AddReactionContext(ctx, "eyes", ref))
	require.EqualError(t, api.AddReactionContext(ctx, "eyes", ref), "already_reacted")
	require.Equal(t, []string{"eyes"}, srv.Reactions("C1", "1700000000.000100"))

	resp, err := http.PostForm(srv.APIURL()+"no.such.method", url.Values{"token": {botToken}})
	require.NoError(t, err)
	defer resp.Body.Close()
	var body struct {
		OK    bool   `json:"ok"`
		Error string `json:"error"`
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&body))
	require.False(t, body.OK)
	require.Equal(t, "unknown_method", body.Error)
}
