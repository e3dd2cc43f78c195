package slacktest

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
)

// VerificationToken is the deprecated verification token the fake puts in
// every payload, as Slack still does.
const VerificationToken = "slacktest-verification-token"

// DefaultSlashCommand is the command a SlashCommand without one invokes.
const DefaultSlashCommand = "/kube"

// SlashCommand is a slash command invocation to deliver. Empty fields get
// defaults: Command DefaultSlashCommand, TeamID from Options, UserName from Options.Users (else the ID),
// ChannelName "directmessage" for D... channels (else the lower-cased ID),
// TriggerID and EnvelopeID generated, ResponseURL a new ResponseURL bound to
// the channel and user.
type SlashCommand struct {
	Command     string
	Text        string
	UserID      string
	UserName    string
	ChannelID   string
	ChannelName string
	TeamID      string
	TriggerID   string
	ResponseURL string
	EnvelopeID  string
}

// Message is a message event to deliver. Empty TS, EventID, EnvelopeID and
// TeamID get defaults; BotID and SubType are only sent when set.
type Message struct {
	UserID     string
	ChannelID  string
	Text       string
	TS         string
	ThreadTS   string
	TeamID     string
	BotID      string
	SubType    string
	EventID    string
	EnvelopeID string
}

// BlockAction is a block_actions interaction to deliver: a user pressed
// Actions in the message at MessageTS. When that message was posted through
// the fake, the payload carries its text and blocks, as Slack's does. Empty
// fields default as for SlashCommand.
type BlockAction struct {
	UserID      string
	UserName    string
	ChannelID   string
	ChannelName string
	TeamID      string
	MessageTS   string
	ThreadTS    string
	TriggerID   string
	ResponseURL string
	Actions     []Action
	EnvelopeID  string
}

// Action is one element of a block_actions payload. Type defaults to "button".
type Action struct {
	ActionID string
	BlockID  string
	Value    string
	Type     string
	Text     string // the button label; default Value
}

// envelope is a Socket Mode request as Slack writes it.
type envelope struct {
	EnvelopeID             string  `json:"envelope_id"`
	Payload                any     `json:"payload"`
	Type                   string  `json:"type"`
	AcceptsResponsePayload bool    `json:"accepts_response_payload"`
	RetryAttempt           *int    `json:"retry_attempt,omitempty"`
	RetryReason            *string `json:"retry_reason,omitempty"`
}

// SendSlashCommand delivers cmd as a "slash_commands" envelope with
// accepts_response_payload true and the form-like, all-string payload Slack
// sends. It waits for a connection until ctx ends.
func (s *Server) SendSlashCommand(ctx context.Context, cmd SlashCommand) (string, error) {
	s.mu.Lock()
	s.defaultsLocked(&cmd.TeamID, &cmd.UserName, cmd.UserID, &cmd.ChannelName, cmd.ChannelID, &cmd.EnvelopeID)
	if cmd.TriggerID == "" {
		cmd.TriggerID = s.nextTriggerIDLocked()
	}
	if cmd.Command == "" {
		cmd.Command = DefaultSlashCommand
	}
	target := responseTarget{channel: cmd.ChannelID, user: cmd.UserID}
	cmd.ResponseURL = s.bindResponseURLLocked(cmd.ResponseURL, target)
	payload := map[string]string{
		"token":                 VerificationToken,
		"team_id":               cmd.TeamID,
		"team_domain":           s.teamDomain(),
		"channel_id":            cmd.ChannelID,
		"channel_name":          cmd.ChannelName,
		"user_id":               cmd.UserID,
		"user_name":             cmd.UserName,
		"command":               cmd.Command,
		"text":                  cmd.Text,
		"api_app_id":            s.opts.AppID,
		"is_enterprise_install": "false",
		"response_url":          cmd.ResponseURL,
		"trigger_id":            cmd.TriggerID,
	}
	s.mu.Unlock()
	env := envelope{EnvelopeID: cmd.EnvelopeID, Type: "slash_commands", Payload: payload, AcceptsResponsePayload: true}
	return cmd.EnvelopeID, s.send(ctx, env, sentEnvelope{target: &target})
}

// SendAppMention delivers m as an "events_api" envelope whose event_callback
// carries an app_mention event.
func (s *Server) SendAppMention(ctx context.Context, m Message) (string, error) {
	return s.sendMessageEvent(ctx, "app_mention", "", m)
}

// SendDirectMessage delivers m as an "events_api" envelope whose
// event_callback carries a message event with channel_type "im".
func (s *Server) SendDirectMessage(ctx context.Context, m Message) (string, error) {
	return s.sendMessageEvent(ctx, "message", "im", m)
}

// messageEvent is the inner event of app_mention and message callbacks.
type messageEvent struct {
	ClientMsgID string `json:"client_msg_id,omitempty"`
	Type        string `json:"type"`
	SubType     string `json:"subtype,omitempty"`
	Text        string `json:"text"`
	User        string `json:"user,omitempty"`
	BotID       string `json:"bot_id,omitempty"`
	TS          string `json:"ts"`
	ThreadTS    string `json:"thread_ts,omitempty"`
	Team        string `json:"team,omitempty"`
	Channel     string `json:"channel"`
	EventTS     string `json:"event_ts"`
	ChannelType string `json:"channel_type,omitempty"`
}

type eventCallback struct {
	Token              string          `json:"token"`
	TeamID             string          `json:"team_id"`
	APIAppID           string          `json:"api_app_id"`
	Event              messageEvent    `json:"event"`
	Type               string          `json:"type"`
	EventID            string          `json:"event_id"`
	EventTime          int64           `json:"event_time"`
	Authorizations     []authorization `json:"authorizations"`
	IsExtSharedChannel bool            `json:"is_ext_shared_channel"`
	EventContext       string          `json:"event_context"`
}

type authorization struct {
	EnterpriseID        *string `json:"enterprise_id"`
	TeamID              string  `json:"team_id"`
	UserID              string  `json:"user_id"`
	IsBot               bool    `json:"is_bot"`
	IsEnterpriseInstall bool    `json:"is_enterprise_install"`
}

func (s *Server) sendMessageEvent(ctx context.Context, eventType, channelType string, m Message) (string, error) {
	s.mu.Lock()
	s.defaultsLocked(&m.TeamID, nil, "", nil, "", &m.EnvelopeID)
	if m.TS == "" {
		m.TS = s.nextTSLocked()
	}
	if m.EventID == "" {
		m.EventID = s.nextEventIDLocked()
	}
	ev := messageEvent{
		Type: eventType, SubType: m.SubType, Text: m.Text, User: m.UserID, BotID: m.BotID,
		TS: m.TS, ThreadTS: m.ThreadTS, Team: m.TeamID, Channel: m.ChannelID, EventTS: m.TS,
		ChannelType: channelType,
	}
	if m.BotID == "" && m.SubType == "" {
		// Messages typed by people carry a client_msg_id; bot messages do not.
		ev.ClientMsgID = s.nextClientMsgIDLocked()
	}
	cb := eventCallback{
		Token: VerificationToken, TeamID: m.TeamID, APIAppID: s.opts.AppID, Event: ev,
		Type: "event_callback", EventID: m.EventID, EventTime: s.opts.Now().Unix(),
		Authorizations: []authorization{{TeamID: s.opts.TeamID, UserID: s.opts.BotUserID, IsBot: true}},
		EventContext:   "4-" + m.EventID,
	}
	s.mu.Unlock()
	attempt, reason := 0, ""
	env := envelope{EnvelopeID: m.EnvelopeID, Type: "events_api", Payload: cb, RetryAttempt: &attempt, RetryReason: &reason}
	return m.EnvelopeID, s.send(ctx, env, sentEnvelope{})
}

// SendBlockAction delivers a as an "interactive" envelope with a
// block_actions payload.
func (s *Server) SendBlockAction(ctx context.Context, a BlockAction) (string, error) {
	s.mu.Lock()
	s.defaultsLocked(&a.TeamID, &a.UserName, a.UserID, &a.ChannelName, a.ChannelID, &a.EnvelopeID)
	if a.TriggerID == "" {
		a.TriggerID = s.nextTriggerIDLocked()
	}
	a.ResponseURL = s.bindResponseURLLocked(a.ResponseURL, responseTarget{channel: a.ChannelID, user: a.UserID, messageTS: a.MessageTS})
	actionTS := s.nextTSLocked()
	actions := make([]map[string]any, 0, len(a.Actions))
	for _, act := range a.Actions {
		if act.Type == "" {
			act.Type = "button"
		}
		if act.Text == "" {
			act.Text = act.Value
		}
		actions = append(actions, map[string]any{
			"action_id": act.ActionID, "block_id": act.BlockID, "value": act.Value, "type": act.Type,
			"text":      map[string]any{"type": "plain_text", "text": act.Text, "emoji": true},
			"action_ts": actionTS,
		})
	}
	container := map[string]any{"type": "message", "message_ts": a.MessageTS, "channel_id": a.ChannelID, "is_ephemeral": false}
	if a.ThreadTS != "" {
		container["thread_ts"] = a.ThreadTS
	}
	payload := map[string]any{
		"type":                  "block_actions",
		"user":                  map[string]any{"id": a.UserID, "username": a.UserName, "name": a.UserName, "team_id": a.TeamID},
		"api_app_id":            s.opts.AppID,
		"token":                 VerificationToken,
		"container":             container,
		"trigger_id":            a.TriggerID,
		"team":                  map[string]any{"id": a.TeamID, "domain": s.teamDomain()},
		"enterprise":            nil,
		"is_enterprise_install": false,
		"channel":               map[string]any{"id": a.ChannelID, "name": a.ChannelName},
		"state":                 map[string]any{"values": map[string]any{}},
		"response_url":          a.ResponseURL,
		"actions":               actions,
	}
	if m := s.rec.findMessage(a.ChannelID, a.MessageTS); m != nil && m.Ephemeral {
		// Slack sends no message body for ephemeral messages.
		container["is_ephemeral"] = true
	} else if m != nil {
		payload["message"] = s.messageJSONLocked(m)
	} else {
		msg := map[string]any{"type": "message", "ts": a.MessageTS, "text": ""}
		if a.ThreadTS != "" {
			msg["thread_ts"] = a.ThreadTS
		}
		payload["message"] = msg
	}
	s.mu.Unlock()
	env := envelope{EnvelopeID: a.EnvelopeID, Type: "interactive", Payload: payload}
	return a.EnvelopeID, s.send(ctx, env, sentEnvelope{})
}

func (s *Server) send(ctx context.Context, env envelope, meta sentEnvelope) error {
	raw, err := json.Marshal(env)
	if err != nil {
		return fmt.Errorf("slacktest: marshal %s envelope: %w", env.Type, err)
	}
	return s.deliver(ctx, env.EnvelopeID, raw, meta)
}

// defaultsLocked fills the common envelope defaults; nil pointers are skipped.
func (s *Server) defaultsLocked(teamID, userName *string, userID string, channelName *string, channelID string, envelopeID *string) {
	if *teamID == "" {
		*teamID = s.opts.TeamID
	}
	if userName != nil && *userName == "" {
		*userName = userID
		if u, ok := s.opts.Users[userID]; ok && u.Name != "" {
			*userName = u.Name
		}
	}
	if channelName != nil && *channelName == "" {
		*channelName = strings.ToLower(channelID)
		if strings.HasPrefix(channelID, "D") {
			*channelName = "directmessage"
		}
	}
	if *envelopeID == "" {
		*envelopeID = s.nextEnvelopeIDLocked()
	}
}

// teamDomain is the workspace subdomain derived from Options.TeamName.
func (s *Server) teamDomain() string {
	return strings.ReplaceAll(strings.ToLower(strings.TrimSpace(s.opts.TeamName)), " ", "-")
}
