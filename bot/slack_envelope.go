package bot

import (
	"context"
	"fmt"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
	"github.com/slack-go/slack/socketmode"
)

// normalize turns a Socket Mode request into an Envelope. It reports false
// for anything that is not a request from a person: our own and other bots'
// messages, edits and other message subtypes.
func (s *Slack) normalize(evt socketmode.Event) (Envelope, bool) {
	env := Envelope{ID: evt.Request.EnvelopeID, ReceivedAt: time.Now(), BotUserID: s.BotUserID()}
	switch data := evt.Data.(type) {
	case slack.SlashCommand:
		env.Source = SourceSlash
		env.TeamID, env.UserID, env.UserName = data.TeamID, data.UserID, data.UserName
		env.ChannelID, env.Text, env.ResponseURL = data.ChannelID, data.Text, data.ResponseURL
		return env, true
	case slackevents.EventsAPIEvent:
		if cb, ok := data.Data.(*slackevents.EventsAPICallbackEvent); ok && cb.EventID != "" {
			env.ID = cb.EventID
		}
		env.TeamID = data.TeamID
		switch ev := data.InnerEvent.Data.(type) {
		case *slackevents.AppMentionEvent:
			if ev.BotID != "" || ev.User == "" || ev.User == s.BotUserID() {
				return env, false
			}
			env.Source = SourceMention
			env.UserID, env.ChannelID, env.Text = ev.User, ev.Channel, ev.Text
			env.ThreadTS = ev.ThreadTimeStamp
			if env.ThreadTS == "" {
				env.ThreadTS = ev.TimeStamp
			}
			return env, true
		case *slackevents.MessageEvent:
			if ev.ChannelType != "im" || ev.SubType != "" || ev.BotID != "" || ev.User == "" || ev.User == s.BotUserID() {
				return env, false
			}
			env.Source = SourceDM
			env.UserID, env.ChannelID, env.Text = ev.User, ev.Channel, ev.Text
			env.ThreadTS = ev.ThreadTimeStamp
			return env, true
		}
		return env, false
	case slack.InteractionCallback:
		if data.Type != slack.InteractionTypeBlockActions || len(data.ActionCallback.BlockActions) == 0 {
			return env, false
		}
		a := data.ActionCallback.BlockActions[0]
		env.Source = SourceAction
		env.TeamID, env.UserID, env.UserName = data.Team.ID, data.User.ID, data.User.Name
		env.ChannelID, env.ResponseURL = data.Channel.ID, data.ResponseURL
		env.Text = a.Value
		env.ThreadTS = data.Message.Timestamp
		return env, true
	}
	return env, false
}

// reply sends r back where env came from: response_url for slash commands
// and buttons, the thread for mentions, the conversation for DMs.
func (s *Slack) reply(ctx context.Context, env Envelope, r Reply) error {
	switch {
	case env.ResponseURL != "":
		msg := &slack.WebhookMessage{Text: r.Text, ResponseType: slack.ResponseTypeInChannel}
		if r.Ephemeral {
			msg.ResponseType = slack.ResponseTypeEphemeral
		}
		if err := slack.PostWebhookCustomHTTPContext(ctx, env.ResponseURL, s.cfg.HTTPClient, msg); err != nil {
			return fmt.Errorf("post to response_url: %w", err)
		}
	case r.Ephemeral && env.Source == SourceMention:
		if _, err := s.api.PostEphemeralContext(ctx, env.ChannelID, env.UserID,
			slack.MsgOptionText(r.Text, false), slack.MsgOptionTS(env.ThreadTS)); err != nil {
			return fmt.Errorf("chat.postEphemeral: %w", err)
		}
	default:
		opts := []slack.MsgOption{slack.MsgOptionText(r.Text, false)}
		if env.ThreadTS != "" {
			opts = append(opts, slack.MsgOptionTS(env.ThreadTS))
		}
		if _, _, err := s.api.PostMessageContext(ctx, env.ChannelID, opts...); err != nil {
			return fmt.Errorf("chat.postMessage: %w", err)
		}
	}
	return nil
}
