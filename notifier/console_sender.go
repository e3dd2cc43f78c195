package notifier

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
)

// ConsoleChannel is the channel of every MessageRef a ConsoleSender returns.
const ConsoleChannel = "console"

// ConsoleSender prints messages for local runs (`make demo`). Pair it with
// TextRenderer: it prints Message.Text and ignores blocks. Posts are shown
// in full; updates and thread replies compactly, one line each.
type ConsoleSender struct {
	mu  sync.Mutex // serialises writes and seq
	w   io.Writer
	seq int
}

// NewConsoleSender returns a sender writing to w.
func NewConsoleSender(w io.Writer) *ConsoleSender {
	return &ConsoleSender{w: w}
}

// Post prints m under a banner naming channel and returns a synthetic ref.
func (c *ConsoleSender) Post(ctx context.Context, channel string, m Message) (MessageRef, bool, error) {
	if err := ctx.Err(); err != nil {
		return MessageRef{}, false, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.seq++
	ref := MessageRef{Channel: ConsoleChannel, TS: strconv.Itoa(c.seq)}
	if _, err := fmt.Fprintf(c.w, "── %s · message %s ──\n%s\n\n", channel, ref.TS, strings.TrimRight(m.Text, "\n")); err != nil {
		return MessageRef{}, false, fmt.Errorf("console post: %w", err)
	}
	return ref, false, nil
}

// Update prints the first line of m, marked as an update of ref.
func (c *ConsoleSender) Update(ctx context.Context, ref MessageRef, m Message) (bool, error) {
	return c.line(ctx, "[updated "+ref.TS+"] ", m)
}

// Reply prints the first line of m, marked as a reply to ref.
func (c *ConsoleSender) Reply(ctx context.Context, ref MessageRef, m Message) (bool, error) {
	return c.line(ctx, "  ↳ [re "+ref.TS+"] ", m)
}

func (c *ConsoleSender) line(ctx context.Context, prefix string, m Message) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	first, _, _ := strings.Cut(strings.TrimSpace(m.Text), "\n")
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, err := fmt.Fprintf(c.w, "%s%s\n", prefix, first); err != nil {
		return false, fmt.Errorf("console write: %w", err)
	}
	return false, nil
}
