package bot_test

import (
	"bytes"
	"context"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"github.com/stretchr/testify/require"

	"github.com/watchkeeper/watchkeeper/bot"
)

// syncBuffer is a bytes.Buffer safe for the adapter's writer and the test's reader.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func TestConsoleRunsLinesAsLocalUser(t *testing.T) {
	var got []bot.Envelope
	var mu sync.Mutex
	h := bot.HandlerFunc(func(_ context.Context, env bot.Envelope) bot.Reply {
		mu.Lock()
		got = append(got, env)
		mu.Unlock()
		return bot.Reply{Text: "echo " + env.Text}
	})
	out := &syncBuffer{}
	c, err := bot.NewConsole(bot.ConsoleConfig{In: strings.NewReader("whoami\n\n  get pods  \n"), Out: out}, h, zerolog.Nop())
	require.NoError(t, err)
	require.NoError(t, c.Ready())

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.Start(ctx) }()
	require.Eventually(t, func() bool { return strings.Contains(out.String(), "echo get pods") }, 5*time.Second, 5*time.Millisecond)

	// EOF on stdin does not stop the adapter: the process keeps alerting.
	select {
	case err := <-done:
		t.Fatalf("console stopped at end of input: %v", err)
	default:
	}
	cancel()
	require.NoError(t, <-done)

	mu.Lock()
	defer mu.Unlock()
	require.Len(t, got, 2, "blank lines are skipped")
	for _, env := range got {
		require.Equal(t, bot.SourceConsole, env.Source)
		require.Equal(t, bot.ConsoleUserID, env.UserID)
		require.Equal(t, bot.ConsoleChannelID, env.ChannelID)
	}
	require.Equal(t, "get pods", got[1].Text, "input is trimmed")
	require.NotEqual(t, got[0].ID, got[1].ID)
	require.Contains(t, out.String(), "> whoami\necho whoami\n")
}

func TestConsoleStopsOnCancelWhileReading(t *testing.T) {
	r, w := io.Pipe()
	defer w.Close()
	c, err := bot.NewConsole(bot.ConsoleConfig{In: r, Out: io.Discard}, bot.NewCommands(bot.CommandsConfig{}, zerolog.Nop()), zerolog.Nop())
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.Start(ctx) }()
	cancel()
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(5 * time.Second):
		t.Fatal("console did not stop while blocked on input")
	}
}
