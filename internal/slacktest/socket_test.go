package slacktest_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
	"github.com/slack-go/slack/socketmode"
	"github.com/stretchr/testify/require"

	"github.com/watchkeeper/watchkeeper/internal/slacktest"
)

func TestHelloAndConnected(t *testing.T) {
	ctx := testContext(t)
	srv := newServer(t, slacktest.Options{})
	c := runClient(t, srv, appToken)

	connected := c.next(t, socketmode.EventTypeConnected)
	require.Equal(t, 0, connected.Data.(*socketmode.ConnectedEvent).ConnectionCount)
	hello := c.next(t, socketmode.EventTypeHello)
	require.Equal(t, "hello", hello.Request.Type)
	require.Equal(t, 1, hello.Request.NumConnections)
	require.Equal(t, "A0APP", hello.Request.ConnectionInfo.AppID)
	require.NotEmpty(t, hello.Request.DebugInfo.Host)

	require.NoError(t, srv.WaitConnected(ctx, 1))
	require.Equal(t, 1, srv.ActiveConnections())
	open, err := srv.WaitForCall(ctx, "apps.connections.open", nil)
	require.NoError(t, err)
	require.Equal(t, appToken, open.Token)
	require.Equal(t, http.StatusOK, open.Status)
}

func TestSlashCommand(t *testing.T) {
	ctx := testContext(t)
	srv := newServer(t, slacktest.Options{Users: map[string]slacktest.User{"U1": {Name: "alice"}}})
	c := runClient(t, srv, appToken)
	c.next(t, socketmode.EventTypeHello)

	envID, err := srv.SendSlashCommand(ctx, slacktest.SlashCommand{
		Command: "/wk", Text: "pods -n prod", UserID: "U1", ChannelID: "C1", ChannelName: "ops",
	})
	require.NoError(t, err)

	evt := c.next(t, socketmode.EventTypeSlashCommand)
	require.Equal(t, envID, evt.Request.EnvelopeID)
	require.True(t, evt.Request.AcceptsResponsePayload)
	cmd, ok := evt.Data.(slack.SlashCommand)
	require.True(t, ok)
	require.Equal(t, "/wk", cmd.Command)
	require.Equal(t, "pods -n prod", cmd.Text)
	require.Equal(t, "U1", cmd.UserID)
	require.Equal(t, "alice", cmd.UserName)
	require.Equal(t, "C1", cmd.ChannelID)
	require.Equal(t, "ops", cmd.ChannelName)
	require.Equal(t, "T0001", cmd.TeamID)
	require.Equal(t, "A0APP", cmd.APIAppID)
	require.NotEmpty(t, cmd.TriggerID)
	require.True(t, strings.HasPrefix(cmd.ResponseURL, strings.TrimSuffix(srv.APIURL(), "/api/")), cmd.ResponseURL)

	// An ack payload becomes the command's (ephemeral) response.
	require.NoError(t, c.Ack(*evt.Request, map[string]any{"text": "working on it"}))
	ack, err := srv.WaitAck(ctx, envID)
	require.NoError(t, err)
	require.Equal(t, envID, ack.EnvelopeID)
	require.JSONEq(t, `{"text":"working on it"}`, string(ack.Payload))
	require.GreaterOrEqual(t, ack.Latency, time.Duration(0))

	// The response_url answer is recorded and, being in_channel, visible to all.
	api := newAPI(srv, appToken)
	_, _, err = api.PostMessageContext(ctx, "", slack.MsgOptionResponseURL(cmd.ResponseURL, slack.ResponseTypeInChannel), slack.MsgOptionText("3 pods", false))
	require.NoError(t, err)

	msgs := srv.Messages("C1")
	require.Len(t, msgs, 2)
	require.Equal(t, slacktest.ViaAck, msgs[0].Via)
	require.True(t, msgs[0].Ephemeral)
	require.Equal(t, "U1", msgs[0].User)
	require.Equal(t, slacktest.ViaResponseURL, msgs[1].Via)
	require.Equal(t, "3 pods", msgs[1].Text)
	require.Equal(t, "in_channel", msgs[1].ResponseType)
	require.False(t, msgs[1].Ephemeral)

	id := cmd.ResponseURL[strings.LastIndex(cmd.ResponseURL, "/")+1:]
	posts := srv.ResponseURLPosts(id)
	require.Len(t, posts, 1)
	var body map[string]any
	require.NoError(t, json.Unmarshal(posts[0], &body))
	require.Equal(t, "3 pods", body["text"])
}

func TestAppMentionAndDirectMessage(t *testing.T) {
	ctx := testContext(t)
	srv := newServer(t, slacktest.Options{})
	c := runClient(t, srv, appToken)
	c.next(t, socketmode.EventTypeHello)

	envID, err := srv.SendAppMention(ctx, slacktest.Message{UserID: "U1", ChannelID: "C1", Text: "<@U0BOT> status", ThreadTS: "1700000000.000001", EventID: "Ev42"})
	require.NoError(t, err)
	evt := c.next(t, socketmode.EventTypeEventsAPI)
	require.Equal(t, envID, evt.Request.EnvelopeID)
	require.False(t, evt.Request.AcceptsResponsePayload)
	outer, ok := evt.Data.(slackevents.EventsAPIEvent)
	require.True(t, ok)
	require.Equal(t, slackevents.CallbackEvent, outer.Type)
	require.Equal(t, "T0001", outer.TeamID)
	require.Equal(t, "A0APP", outer.APIAppID)
	require.Equal(t, "Ev42", outer.Data.(*slackevents.EventsAPICallbackEvent).EventID)
	mention, ok := outer.InnerEvent.Data.(*slackevents.AppMentionEvent)
	require.True(t, ok, "inner event is %T", outer.InnerEvent.Data)
	require.Equal(t, "U1", mention.User)
	require.Equal(t, "C1", mention.Channel)
	require.Equal(t, "<@U0BOT> status", mention.Text)
	require.Equal(t, "1700000000.000001", mention.ThreadTimeStamp)
	require.NotEmpty(t, mention.TimeStamp)
	require.NoError(t, c.Ack(*evt.Request))
	ack, err := srv.WaitAck(ctx, envID)
	require.NoError(t, err)
	require.Nil(t, ack.Payload)

	_, err = srv.SendDirectMessage(ctx, slacktest.Message{UserID: "U1", ChannelID: "D1", Text: "help"})
	require.NoError(t, err)
	evt = c.next(t, socketmode.EventTypeEventsAPI)
	dm, ok := evt.Data.(slackevents.EventsAPIEvent).InnerEvent.Data.(*slackevents.MessageEvent)
	require.True(t, ok)
	require.Equal(t, "im", dm.ChannelType)
	require.Equal(t, "D1", dm.Channel)
	require.Equal(t, "help", dm.Text)
	require.Empty(t, dm.SubType)
}

func TestBlockAction(t *testing.T) {
	ctx := testContext(t)
	srv := newServer(t, slacktest.Options{})
	api := newAPI(srv, appToken)
	c := runClient(t, srv, appToken)
	c.next(t, socketmode.EventTypeHello)

	button := slack.NewButtonBlockElement("approve", "yes", slack.NewTextBlockObject(slack.PlainTextType, "Approve", false, false))
	_, ts, err := api.PostMessageContext(ctx, "C1", slack.MsgOptionText("rollback?", false), slack.MsgOptionBlocks(slack.NewActionBlock("approval", button)))
	require.NoError(t, err)

	envID, err := srv.SendBlockAction(ctx, slacktest.BlockAction{
		UserID: "U1", ChannelID: "C1", MessageTS: ts,
		Actions: []slacktest.Action{{ActionID: "approve", BlockID: "approval", Value: "yes"}},
	})
	require.NoError(t, err)
	evt := c.next(t, socketmode.EventTypeInteractive)
	require.Equal(t, envID, evt.Request.EnvelopeID)
	cb, ok := evt.Data.(slack.InteractionCallback)
	require.True(t, ok)
	require.Equal(t, slack.InteractionTypeBlockActions, cb.Type)
	require.Equal(t, "U1", cb.User.ID)
	require.Equal(t, "C1", cb.Channel.ID)
	require.Equal(t, "T0001", cb.Team.ID)
	require.Equal(t, ts, cb.Message.Timestamp)
	require.Equal(t, "rollback?", cb.Message.Text)
	require.Len(t, cb.Message.Blocks.BlockSet, 1)
	require.Equal(t, ts, cb.Container.MessageTs)
	require.NotEmpty(t, cb.TriggerID)
	require.NotEmpty(t, cb.ResponseURL)
	require.Len(t, cb.ActionCallback.BlockActions, 1)
	action := cb.ActionCallback.BlockActions[0]
	require.Equal(t, "approve", action.ActionID)
	require.Equal(t, "approval", action.BlockID)
	require.Equal(t, "yes", action.Value)
	require.NoError(t, c.Ack(*evt.Request))

	_, _, err = api.PostMessageContext(ctx, "", slack.MsgOptionReplaceOriginal(cb.ResponseURL), slack.MsgOptionText("approved by alice", false))
	require.NoError(t, err)
	msgs := srv.Messages("C1")
	require.Len(t, msgs, 1)
	require.Equal(t, "approved by alice", msgs[0].Text)
	require.Equal(t, 1, msgs[0].Updated)
}

func TestReconnects(t *testing.T) {
	tests := []struct {
		name  string
		fault func(*slacktest.Server)
	}{
		{"disconnect message", func(s *slacktest.Server) { s.SendDisconnect("refresh_requested") }},
		{"hard close", (*slacktest.Server).CloseConnections},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := testContext(t)
			srv := newServer(t, slacktest.Options{})
			c := runClient(t, srv, appToken)
			c.next(t, socketmode.EventTypeHello)
			require.NoError(t, srv.WaitConnected(ctx, 1))

			tt.fault(srv)
			require.NoError(t, srv.WaitConnected(ctx, 2))
			c.next(t, socketmode.EventTypeHello)
			require.Eventually(t, func() bool { return srv.ActiveConnections() == 1 }, 3*time.Second, 10*time.Millisecond)

			_, err := srv.SendSlashCommand(ctx, slacktest.SlashCommand{Command: "/wk", UserID: "U1", ChannelID: "C1"})
			require.NoError(t, err)
			c.next(t, socketmode.EventTypeSlashCommand)
		})
	}
}

func TestFailConnectionsOpenRecovers(t *testing.T) {
	ctx := testContext(t)
	srv := newServer(t, slacktest.Options{})
	srv.FailConnectionsOpen(2, "internal_error")
	c := runClient(t, srv, appToken)

	for range 2 {
		evt := c.next(t, socketmode.EventTypeConnectionError)
		require.EqualError(t, evt.Data.(*slack.ConnectionErrorEvent).ErrorObj, "internal_error")
	}
	c.next(t, socketmode.EventTypeHello)
	require.NoError(t, srv.WaitConnected(ctx, 1))
}

func TestConnectionsOpenAuthErrorsStopTheClient(t *testing.T) {
	tests := []struct {
		name   string
		appTok string
		inject func(*slacktest.Server)
	}{
		{"injected invalid_auth", appToken, func(s *slacktest.Server) { s.FailConnectionsOpen(1, "invalid_auth") }},
		{"wrong app token", "xapp-wrong", func(*slacktest.Server) {}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newServer(t, slacktest.Options{})
			tt.inject(srv)
			c := runClient(t, srv, tt.appTok)
			select {
			case <-c.done:
			case <-time.After(3 * time.Second):
				t.Fatal("RunContext kept running after invalid_auth")
			}
			require.EqualError(t, c.runErr, "invalid_auth")
			require.Zero(t, srv.Connections())
		})
	}
}

func TestPingsKeepTheConnectionAlive(t *testing.T) {
	srv := newServer(t, slacktest.Options{PingInterval: 100 * time.Millisecond})
	c := runClient(t, srv, appToken, socketmode.OptionPingInterval(400*time.Millisecond))
	c.next(t, socketmode.EventTypeHello)

	// Four of the client's ping windows pass without a reconnect.
	window := time.NewTimer(1600 * time.Millisecond)
	defer window.Stop()
	for done := false; !done; {
		select {
		case evt := <-c.Events:
			require.NotContains(t, []socketmode.EventType{socketmode.EventTypeConnecting, socketmode.EventTypeHello}, evt.Type)
		case <-c.done:
			t.Fatalf("RunContext returned: %v", c.runErr)
		case <-window.C:
			done = true
		}
	}
	require.Equal(t, 1, srv.Connections())
	require.Equal(t, 1, srv.ActiveConnections())
}

func TestWithoutPingsTheClientReconnects(t *testing.T) {
	ctx := testContext(t)
	srv := newServer(t, slacktest.Options{PingInterval: -1})
	runClient(t, srv, appToken, socketmode.OptionPingInterval(200*time.Millisecond))
	require.NoError(t, srv.WaitConnected(ctx, 2))
}

func TestRedeliverAndRaw(t *testing.T) {
	ctx := testContext(t)
	srv := newServer(t, slacktest.Options{})
	c := runClient(t, srv, appToken)
	c.next(t, socketmode.EventTypeHello)

	envID, err := srv.SendAppMention(ctx, slacktest.Message{UserID: "U1", ChannelID: "C1", Text: "hi"})
	require.NoError(t, err)
	first := c.next(t, socketmode.EventTypeEventsAPI)
	require.Zero(t, first.Request.RetryAttempt)
	require.NoError(t, srv.Redeliver(ctx, envID, "timeout"))
	again := c.next(t, socketmode.EventTypeEventsAPI)
	require.Equal(t, envID, again.Request.EnvelopeID)
	require.Equal(t, 1, again.Request.RetryAttempt)
	require.Equal(t, "timeout", again.Request.RetryReason)
	require.Equal(t,
		first.Data.(slackevents.EventsAPIEvent).Data.(*slackevents.EventsAPICallbackEvent).EventID,
		again.Data.(slackevents.EventsAPIEvent).Data.(*slackevents.EventsAPICallbackEvent).EventID)
	require.NoError(t, c.Ack(*first.Request))
	require.NoError(t, c.Ack(*again.Request))

	raw := `{"envelope_id":"raw-1","type":"slash_commands","accepts_response_payload":true,"payload":{"command":"/wk","text":"x","is_enterprise_install":false}}`
	require.NoError(t, srv.SendRaw(ctx, []byte(raw)))
	evt := c.next(t, socketmode.EventTypeSlashCommand)
	require.Equal(t, "raw-1", evt.Request.EnvelopeID)
	require.NoError(t, c.Ack(*evt.Request))
	_, err = srv.WaitAck(ctx, "raw-1")
	require.NoError(t, err)

	var ids []string
	for _, a := range srv.Acks() {
		ids = append(ids, a.EnvelopeID)
	}
	require.Equal(t, []string{envID, envID, "raw-1"}, ids)
}
