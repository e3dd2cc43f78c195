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
	BotUserID  string
	ReceivedAt time.Time
}

// Reply is what the command path answers.
type Reply struct {
	Text string
	// Ephemeral replies are shown only to the requesting user (refusals, help).
	Ephemeral bool
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
