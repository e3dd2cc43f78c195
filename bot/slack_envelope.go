package bot

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
	"github.com/slack-go/slack/socketmode"
)

// normalize turns a Socket Mode request into an Envelope. It reports false
// for anything that is not a request from a person: our own and other bots'
// messages, edits and other message subtypes.
func (s *Slack) normalize(evt socketmode.Event) (Envelope, bool) {
	s.mu.RLock()
	env := Envelope{ID: evt.Request.EnvelopeID, ReceivedAt: time.Now(), BotUserID: s.botUserID, HomeTeamID: s.teamID}
	s.mu.RUnlock()
	switch data := evt.Data.(type) {
	case slack.SlashCommand:
		if data.Command != s.cfg.SlashCommand {
			s.log.Warn().Str("command", data.Command).Str("expected", s.cfg.SlashCommand).Msg("ignoring a slash command this app does not own (check slack.slashCommand)")
			return env, false
		}
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
			if ev.UserTeam != "" {
				env.TeamID = ev.UserTeam // Slack Connect: the user's own team
			}
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
			if ev.UserTeam != "" {
				env.TeamID = ev.UserTeam
			}
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
		if data.User.TeamID != "" {
			env.TeamID = data.User.TeamID
		}
		env.ActionID = a.ActionID
		env.ChannelID, env.ResponseURL = data.Channel.ID, data.ResponseURL
		env.Text = a.Value
		env.ThreadTS = data.Message.Timestamp
		return env, true
	}
	return env, false
}

// maxInlineOutput is the most output shown in a message's code block;
// longer output is uploaded as a file. Slack cuts section text at 3,000
// characters, and the reply's own text needs room too.
const maxInlineOutput = 2900

// previewLines is how many lines of an uploaded output are shown inline.
const previewLines = 10

// reply sends r back where env came from: response_url for slash commands
// and buttons, the thread for mentions, the conversation for DMs. Long
// output is uploaded as a file into the same place (not for ephemeral
// replies: files cannot be ephemeral, so those are cut instead).
func (s *Slack) reply(ctx context.Context, env Envelope, r Reply) error {
	text, upload := r.Text, false
	if r.Output != "" {
		out := strings.TrimRight(r.Output, "\n")
		if len(out) <= maxInlineOutput {
			text += "\n" + codeBlock(out)
		} else {
			upload = !r.Ephemeral
			lines := strings.Split(out, "\n")
			head := strings.Join(lines[:min(previewLines, len(lines))], "\n")
			if len(head) > maxInlineOutput/2 {
				head = head[:maxInlineOutput/2]
			}
			if upload {
				text += fmt.Sprintf("\n%d lines of output, attached as `%s`. The first lines:\n%s", len(lines), r.OutputName, codeBlock(head))
			} else {
				text += fmt.Sprintf("\n%d lines of output; the first lines:\n%s", len(lines), codeBlock(head))
			}
		}
	}
	var blocks []slack.Block
	if len(r.Buttons) > 0 {
		blocks = buttonBlocks(text, r.Buttons)
	}
	if err := s.post(ctx, env, r, text, blocks); err != nil {
		return err
	}
	if upload {
		return s.upload(ctx, env, r)
	}
	return nil
}

func (s *Slack) post(ctx context.Context, env Envelope, r Reply, text string, blocks []slack.Block) error {
	switch {
	case env.ResponseURL != "":
		msg := &slack.WebhookMessage{Text: text, ResponseType: slack.ResponseTypeInChannel, ReplaceOriginal: r.ReplaceOriginal}
		if len(blocks) > 0 {
			msg.Blocks = &slack.Blocks{BlockSet: blocks}
		}
		if r.Ephemeral {
			msg.ResponseType = slack.ResponseTypeEphemeral
		}
		if err := slack.PostWebhookCustomHTTPContext(ctx, env.ResponseURL, s.cfg.HTTPClient, msg); err != nil {
			return fmt.Errorf("post to response_url: %w", err)
		}
	case r.Ephemeral && env.Source == SourceMention:
		if _, err := s.api.PostEphemeralContext(ctx, env.ChannelID, env.UserID,
			slack.MsgOptionText(text, false), slack.MsgOptionTS(env.ThreadTS)); err != nil {
			return fmt.Errorf("chat.postEphemeral: %w", err)
		}
	default:
		opts := []slack.MsgOption{slack.MsgOptionText(text, false)}
		if len(blocks) > 0 {
			opts = append(opts, slack.MsgOptionBlocks(blocks...))
		}
		if env.ThreadTS != "" {
			opts = append(opts, slack.MsgOptionTS(env.ThreadTS))
		}
		if _, _, err := s.api.PostMessageContext(ctx, env.ChannelID, opts...); err != nil {
			return fmt.Errorf("chat.postMessage: %w", err)
		}
	}
	return nil
}

// upload shares r.Output as a file (files.getUploadURLExternal → upload →
// files.completeUploadExternal) in the conversation, in the thread for
// mentions.
func (s *Slack) upload(ctx context.Context, env Envelope, r Reply) error {
	name := r.OutputName
	if name == "" {
		name = "output.txt"
	}
	_, err := s.api.UploadFileContext(ctx, slack.UploadFileParameters{
		Filename: name, Title: name, FileSize: len(r.Output), Reader: strings.NewReader(r.Output),
		Channel: env.ChannelID, ThreadTimestamp: env.ThreadTS,
	})
	if err != nil {
		return fmt.Errorf("upload output: %w", err)
	}
	return nil
}

// codeBlock fences output for Slack, escaping what Slack would otherwise
// parse: <!here>, <@U…> and links in pod logs stay text, and a ``` in the
// output cannot close the block early.
func codeBlock(out string) string {
	out = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", "```", "`\u200b``").Replace(out)
	return "```" + out + "```"
}

// buttonBlocks renders text and buttons as Block Kit.
func buttonBlocks(text string, buttons []Button) []slack.Block {
	elems := make([]slack.BlockElement, 0, len(buttons))
	for _, b := range buttons {
		btn := slack.NewButtonBlockElement(b.ActionID, b.Value, slack.NewTextBlockObject(slack.PlainTextType, b.Text, false, false))
		btn.Style = slack.Style(b.Style)
		if b.Confirm != "" {
			btn.Confirm = slack.NewConfirmationBlockObject(
				slack.NewTextBlockObject(slack.PlainTextType, "Are you sure?", false, false),
				slack.NewTextBlockObject(slack.MarkdownType, b.Confirm, false, false),
				slack.NewTextBlockObject(slack.PlainTextType, b.Text, false, false),
				slack.NewTextBlockObject(slack.PlainTextType, "Cancel", false, false))
		}
		elems = append(elems, btn)
	}
	return []slack.Block{
		slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, text, false, false), nil, nil),
		slack.NewActionBlock("watchkeeper_actions", elems...),
	}
}
