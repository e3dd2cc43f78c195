package notifier

import (
	"context"
	"fmt"
	"time"

	"github.com/slack-go/slack"
)

// MessageRef identifies a posted message.
type MessageRef struct {
	Channel string
	TS      string
}

// Message is a rendered message, ready for a Sender.
type Message struct {
	// Text is the notification fallback (and the whole message when there
	// are no blocks). It is already escaped for the Sender it was rendered
	// for.
	Text string `json:"text"`
	// Blocks are Block Kit blocks; empty for senders that cannot draw them.
	Blocks []slack.Block `json:"blocks"`
}

// Sender delivers rendered messages to one chat backend. It makes one
// attempt per call and says whether another attempt could succeed; the
// pipeline owns retrying (see deliver).
type Sender interface {
	// Post sends m to channel and returns the posted message's reference.
	Post(ctx context.Context, channel string, m Message) (ref MessageRef, retry bool, err error)
	// Update replaces the message at ref with m.
	Update(ctx context.Context, ref MessageRef, m Message) (retry bool, err error)
	// Reply posts m in the thread under ref.
	Reply(ctx context.Context, ref MessageRef, m Message) (retry bool, err error)
}

// RetryAfterError carries how long the backend asked us to wait (Slack's
// Retry-After on a 429) before the next attempt. deliver never waits less.
type RetryAfterError struct {
	After time.Duration
	Err   error
}

func (e *RetryAfterError) Error() string {
	return fmt.Sprintf("retry after %s: %v", e.After, e.Err)
}

func (e *RetryAfterError) Unwrap() error { return e.Err }

// Interface guards.
var (
	_ Sender = (*SlackSender)(nil)
	_ Sender = (*ConsoleSender)(nil)
)
