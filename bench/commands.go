package bench

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/watchkeeper/watchkeeper/internal/slacktest"
)

// CommandStats are the latencies of one batch of chat commands.
type CommandStats struct {
	Command     string  `json:"command"`
	Concurrency int     `json:"concurrency"`
	Ack         Latency `json:"ack"`
	Reply       Latency `json:"reply"`
	Failed      int     `json:"failed"`
	// Refused counts replies without the command's output (e.g. "all
	// workers busy"); they are not in Reply.
	Refused     int    `json:"refused"`
	RefusedText string `json:"refused_text,omitempty"`
}

// commandDriver sends slash commands through Socket Mode as the bench user
// and times the ack (Ack.Latency, measured by the fake) and the reply (the
// first response_url post, stamped by the fake on arrival).
type commandDriver struct {
	fake    *slacktest.Server
	channel string
}

// commandSeq numbers response URLs across drivers and sizes: the fake keeps
// every call, and a reused ID would match an old reply.
var commandSeq atomic.Int64

// errRefused marks a reply that carries no command output.
type errRefused struct{ text string }

func (e errRefused) Error() string { return "refused: " + e.text }

// wantOutput is what a real reply to the bench's commands contains.
func wantOutput(cmd string) string {
	if strings.HasPrefix(cmd, "describe") {
		return "Name:"
	}
	return "NAME"
}

func (d *commandDriver) one(ctx context.Context, text string) (ack, reply time.Duration, err error) {
	id := fmt.Sprintf("bench-%d", commandSeq.Add(1))
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	sent := time.Now()
	env, err := d.fake.SendSlashCommand(ctx, slacktest.SlashCommand{Text: text, UserID: BenchUser, ChannelID: d.channel,
		ResponseURL: d.fake.ResponseURL(id)})
	if err != nil {
		return 0, 0, err
	}
	a, err := d.fake.WaitAck(ctx, env)
	if err != nil {
		return 0, 0, err
	}
	c, err := d.fake.WaitForCall(ctx, slacktest.MethodResponseURL, func(c slacktest.Call) bool { return c.Form.Get("id") == id })
	if err != nil {
		return a.Latency, 0, fmt.Errorf("no reply to %q: %w", text, err)
	}
	var body struct {
		Text string `json:"text"`
	}
	_ = json.Unmarshal(c.JSON, &body)
	if !strings.Contains(body.Text, wantOutput(text)) {
		return a.Latency, c.At.Sub(sent), errRefused{body.Text}
	}
	return a.Latency, c.At.Sub(sent), nil
}

// record adds one command's outcome to s.
func (s *CommandStats) record(acks, replies *[]time.Duration, a, r time.Duration, err error) {
	var ref errRefused
	switch {
	case errors.As(err, &ref):
		s.Refused++
		s.RefusedText = ref.text
	case err != nil:
		s.Failed++
	default:
		*acks, *replies = append(*acks, a), append(*replies, r)
	}
}

// batch runs n commands on conc workers.
func (d *commandDriver) batch(ctx context.Context, text string, n, conc int) CommandStats {
	var (
		mu            sync.Mutex
		acks, replies []time.Duration
	)
	s := CommandStats{Command: text, Concurrency: conc}
	_ = parallel(ctx, n, conc, func(ctx context.Context, _ int) error {
		a, r, err := d.one(ctx, text)
		mu.Lock()
		defer mu.Unlock()
		s.record(&acks, &replies, a, r, err)
		return nil
	})
	s.Ack, s.Reply = Summarize(acks), Summarize(replies)
	return s
}

// until runs commands sequentially until stop is closed.
func (d *commandDriver) until(ctx context.Context, text string, stop <-chan struct{}) CommandStats {
	var acks, replies []time.Duration
	s := CommandStats{Command: text, Concurrency: 1}
	for {
		select {
		case <-stop:
			s.Ack, s.Reply = Summarize(acks), Summarize(replies)
			return s
		case <-ctx.Done():
			s.Ack, s.Reply = Summarize(acks), Summarize(replies)
			return s
		default:
		}
		a, r, err := d.one(ctx, text)
		s.record(&acks, &replies, a, r, err)
	}
}
