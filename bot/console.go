package bot

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/rs/zerolog"
)

// The fixed local identity of the console adapter. Local runs authorize this
// user through the local policy exactly like a Slack user ID.
const (
	ConsoleUserID    = "ULOCAL"
	ConsoleUserName  = "local"
	ConsoleChannelID = "CONSOLE"
	ConsoleTeamID    = "TLOCAL"
)

// ConsoleConfig configures the console adapter.
type ConsoleConfig struct {
	// In supplies command lines, one per line. Nil disables input.
	In io.Reader
	// Out receives replies and alerts.
	Out io.Writer
	// CommandTimeout bounds each command. Default 30s.
	CommandTimeout time.Duration
}

// Console is the chat adapter for local runs without a Slack workspace: each
// line read from In goes through the same Handler as a Slack message, as the
// fixed local user, and replies and alerts are written to Out.
type Console struct {
	cfg     ConsoleConfig
	handler Handler
	log     zerolog.Logger

	mu sync.Mutex // serialises writes to Out
}

// NewConsole builds the console adapter.
func NewConsole(cfg ConsoleConfig, handler Handler, log zerolog.Logger) (*Console, error) {
	if cfg.Out == nil {
		return nil, errors.New("console adapter: output writer is required")
	}
	if handler == nil {
		return nil, errors.New("console adapter: handler is required")
	}
	if cfg.CommandTimeout <= 0 {
		cfg.CommandTimeout = 30 * time.Second
	}
	return &Console{cfg: cfg, handler: handler, log: log.With().Str("component", "console").Logger()}, nil
}

// Ready is always nil: the console needs no connection.
func (c *Console) Ready() error { return nil }

// Start reads commands until ctx ends. End of input is not an error: the
// process keeps running (alerts still print) until it is stopped.
func (c *Console) Start(ctx context.Context) error {
	c.Printf("Watchkeeper console: type `help` and press Enter. Ctrl-C stops.\n")
	if c.cfg.In == nil {
		<-ctx.Done()
		return nil
	}
	lines := make(chan string)
	go func() {
		// The scanner goroutine may outlive Start while blocked on a read;
		// it exits at the next line or at EOF.
		defer close(lines)
		sc := bufio.NewScanner(c.cfg.In)
		sc.Buffer(make([]byte, 4096), 64*1024)
		for sc.Scan() {
			select {
			case lines <- sc.Text():
			case <-ctx.Done():
				return
			}
		}
		if err := sc.Err(); err != nil {
			c.log.Warn().Err(err).Msg("console input ended")
		}
	}()
	seq := 0
	for {
		select {
		case <-ctx.Done():
			return nil
		case line, ok := <-lines:
			if !ok {
				c.log.Debug().Msg("console input closed; still running until stopped")
				<-ctx.Done()
				return nil
			}
			line = strings.TrimSpace(line)
			if line == "" {
				continue
			}
			seq++
			c.handle(ctx, Envelope{
				ID: fmt.Sprintf("console-%d", seq), Source: SourceConsole,
				TeamID: ConsoleTeamID, UserID: ConsoleUserID, UserName: ConsoleUserName,
				ChannelID: ConsoleChannelID, Text: line, ReceivedAt: time.Now(),
			})
		}
	}
}

func (c *Console) handle(ctx context.Context, env Envelope) {
	ctx, cancel := context.WithTimeout(ctx, c.cfg.CommandTimeout)
	defer cancel()
	r := c.handler.Handle(ctx, env)
	out := r.Text
	if r.Output != "" {
		out += "\n" + strings.TrimRight(r.Output, "\n")
	}
	for _, b := range r.Buttons {
		out += fmt.Sprintf("\n[%s] (a Slack button; not available on the console)", b.Text)
	}
	c.Printf("> %s\n%s\n", env.Text, out)
}

// Printf writes to the console output; safe for concurrent use, so the
// alert pipeline can print here too.
func (c *Console) Printf(format string, args ...any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, err := fmt.Fprintf(c.cfg.Out, format, args...); err != nil {
		c.log.Warn().Err(err).Msg("console write failed")
	}
}
