package bot

import (
	"context"
	"time"
)

// Source says which entry point an Envelope came through.
type Source string

// The entry points.
const (
	SourceSlash   Source = "slash"   // a slash command such as /kube
	SourceMention Source = "mention" // @watchkeeper in a channel
	SourceDM      Source = "dm"      // a direct message to the bot
	SourceAction  Source = "action"  // a button on an alert message
	SourceConsole Source = "console" // a line typed on the local console
)

// Envelope is the single normalised form of every chat request. Identity
// fields hold immutable IDs (user ID, channel ID), never display names, since
// those are what authorization is keyed on.
type Envelope struct {
	// ID identifies the delivery for logs and de-duplication.
	ID        string
	Source    Source
	TeamID    string
	UserID    string
	UserName  string // for display only; never authorize on it
	ChannelID string
	// Text is the command text as the user typed it, before any parsing.
	Text string
	// ThreadTS is where a threaded reply goes (mentions and DMs).
	ThreadTS string
	// ResponseURL answers slash commands and button clicks.
	ResponseURL string
	// BotUserID is our own user ID, so a mention addressing us can be
	// stripped (and any other mention refused).
	BotUserID string
	// HomeTeamID is our own Slack team (from auth.test); a request from any
	// other team (Slack Connect) is refused. Empty: not checked (console).
	HomeTeamID string
	// ActionID is the button pressed, for SourceAction; Text is its value.
	ActionID   string
	ReceivedAt time.Time
}

// PolicyChannel is the channel authorization is keyed on: the channel ID,
// or "dm" for a direct message, which is its own scope.
func (e Envelope) PolicyChannel() string {
	if e.Source == SourceDM {
		return "dm"
	}
	return e.ChannelID
}

// Reply is what the command path answers.
type Reply struct {
	// Text is Slack mrkdwn: who ran what, a refusal, help.
	Text string
	// Output is command output, shown verbatim: in a code block when short,
	// as an uploaded file with a preview when long.
	Output string
	// OutputName names the file when Output is uploaded ("get-pods.txt").
	OutputName string
	// Ephemeral replies are shown only to the requesting user (refusals, help).
	Ephemeral bool
	// ReplaceOriginal replaces the message a button was pressed on (approval
	// requests) instead of posting a new one.
	ReplaceOriginal bool
	// Buttons are shown under the text (approval requests).
	Buttons []Button
}

// Button is an interactive button on a reply.
type Button struct {
	ActionID string
	Text     string
	Value    string
	// Style is "", "primary" or "danger".
	Style string
	// Confirm, when set, asks "are you sure?" with this text before the
	// click is sent.
	Confirm string
}

// Handler runs one request. It is consumed by every adapter; implementations
// must honour ctx and must not retain env after returning.
type Handler interface {
	Handle(ctx context.Context, env Envelope) Reply
}

// HandlerFunc adapts a function to Handler.
type HandlerFunc func(ctx context.Context, env Envelope) Reply

// Handle calls f.
func (f HandlerFunc) Handle(ctx context.Context, env Envelope) Reply { return f(ctx, env) }
