package notifier

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestConsoleSender(t *testing.T) {
	var out bytes.Buffer
	c := NewConsoleSender(&out)
	ctx := context.Background()
	r := TextRenderer{}

	firing := fixtureView(viewMembers(2, "api-1", "api-2"))
	ref, retry, err := c.Post(ctx, "#alerts", r.Incident(firing))
	require.NoError(t, err)
	require.False(t, retry)
	require.Equal(t, MessageRef{Channel: ConsoleChannel, TS: "1"}, ref)

	resolved := fixtureView(viewMembers(2, "api-1", "api-2"), viewResolvedAfter(3*time.Minute))
	_, err = c.Update(ctx, ref, r.Incident(resolved))
	require.NoError(t, err)
	_, err = c.Reply(ctx, ref, r.ThreadNote(resolved))
	require.NoError(t, err)

	ref2, _, err := c.Post(ctx, "#alerts", r.Digest(Digest{Cluster: "dev", Items: []View{firing}}))
	require.NoError(t, err)
	require.Equal(t, "2", ref2.TS)

	want := "── #alerts · message 1 ──\n" + RenderText(firing) + "\n\n" +
		"[updated 1] RESOLVED  CrashLoopBackOff in shop/checkout after 3m\n" +
		"  ↳ [re 1] resolved after 3m: CrashLoopBackOff in shop/checkout\n" +
		"── #alerts · message 2 ──\n" +
		"Alert storm: 1 new incident in dev\n" +
		"  - [critical] CrashLoopBackOff — shop/checkout (2 pods): api-1, api-2\n\n"
	require.Equal(t, want, out.String())
}

func TestConsoleSenderSerialisesWriters(t *testing.T) {
	var out bytes.Buffer
	c := NewConsoleSender(&out)
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Go(func() {
			text := strings.Repeat(fmt.Sprintf("line of message %02d\n", i), 5)
			_, _, err := c.Post(context.Background(), "#c", Message{Text: text})
			require.NoError(t, err)
		})
	}
	wg.Wait()
	chunks := strings.Split(strings.TrimSuffix(out.String(), "\n\n"), "\n\n")
	require.Len(t, chunks, 20)
	for _, ch := range chunks {
		lines := strings.Split(ch, "\n")
		require.Len(t, lines, 6, ch)
		for _, l := range lines[2:] {
			require.Equal(t, lines[1], l, "messages are never interleaved")
		}
	}
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("broken pipe") }

func TestConsoleSenderWriteErrors(t *testing.T) {
	c := NewConsoleSender(failingWriter{})
	_, retry, err := c.Post(context.Background(), "#c", Message{Text: "x"})
	require.ErrorContains(t, err, "broken pipe")
	require.False(t, retry)
	retry, err = c.Update(context.Background(), MessageRef{TS: "1"}, Message{Text: "x"})
	require.Error(t, err)
	require.False(t, retry)
}
