package notifier

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// stepClock is a settable clock whose sleep records the wait and advances
// time instead of blocking.
type stepClock struct {
	mu     sync.Mutex
	now    time.Time
	sleeps []time.Duration
	// onSleep, when set, runs on each sleep and may fail it.
	onSleep func(ctx context.Context, n int) error
}

func newStepClock() *stepClock { return &stepClock{now: fixtureTime} }

func (c *stepClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *stepClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func (c *stepClock) Sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	c.sleeps = append(c.sleeps, d)
	n, hook := len(c.sleeps), c.onSleep
	c.mu.Unlock()
	if hook != nil {
		if err := hook(ctx, n); err != nil {
			return err
		}
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	c.Advance(d)
	return nil
}

func (c *stepClock) Sleeps() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Duration(nil), c.sleeps...)
}

// testBackoff is Backoff on clk, with jitter fixed at its top (no jitter).
func testBackoff(clk *stepClock, b Backoff) Backoff {
	b.sleep, b.now = clk.Sleep, clk.Now
	b.rand = func(n int64) int64 { return n - 1 }
	return b
}

// script is an op that returns results in order and counts its calls.
type script struct {
	results []scriptStep
	calls   int
}

type scriptStep struct {
	retry bool
	err   error
}

func (s *script) op(context.Context) (bool, error) {
	s.calls++
	if s.calls > len(s.results) {
		return false, nil
	}
	r := s.results[s.calls-1]
	return r.retry, r.err
}

func TestDeliverSucceedsAtOnce(t *testing.T) {
	clk := newStepClock()
	s := &script{}
	require.NoError(t, deliver(context.Background(), testBackoff(clk, Backoff{}), s.op))
	require.Equal(t, 1, s.calls)
	require.Empty(t, clk.Sleeps())
}

func TestDeliverHonoursRetryAfterExactly(t *testing.T) {
	clk := newStepClock()
	limited := &RetryAfterError{After: 7 * time.Second, Err: errors.New("ratelimited")}
	s := &script{results: []scriptStep{
		{true, limited},
		{true, &RetryAfterError{After: 100 * time.Millisecond, Err: errors.New("ratelimited")}},
		{true, errors.New("500")}, // third failure: back to the backoff schedule
	}}
	require.NoError(t, deliver(context.Background(), testBackoff(clk, Backoff{}), s.op))
	require.Equal(t, 4, s.calls)
	require.Equal(t, []time.Duration{7 * time.Second, 100 * time.Millisecond, 2 * time.Second}, clk.Sleeps())
}

func TestDeliverFindsWrappedRetryAfter(t *testing.T) {
	clk := newStepClock()
	wrapped := errors.Join(errors.New("chat.postMessage C1"), &RetryAfterError{After: 3 * time.Second})
	s := &script{results: []scriptStep{{true, wrapped}}}
	require.NoError(t, deliver(context.Background(), testBackoff(clk, Backoff{}), s.op))
	require.Equal(t, []time.Duration{3 * time.Second}, clk.Sleeps())
}

func TestDeliverBacksOffExponentially(t *testing.T) {
	clk := newStepClock()
	var steps []scriptStep
	for range 9 {
		steps = append(steps, scriptStep{true, errors.New("slack server error: 503")})
	}
	s := &script{results: steps}
	require.NoError(t, deliver(context.Background(), testBackoff(clk, Backoff{}), s.op))
	require.Equal(t, []time.Duration{
		500 * time.Millisecond, time.Second, 2 * time.Second, 4 * time.Second,
		8 * time.Second, 16 * time.Second, 30 * time.Second, 30 * time.Second, 30 * time.Second,
	}, clk.Sleeps())
}

func TestDeliverJitterStaysInUpperHalf(t *testing.T) {
	b := Backoff{Initial: time.Second, Max: 8 * time.Second}.withDefaults() // real randomness
	for n := 1; n <= 6; n++ {
		base := min(time.Second<<(n-1), 8*time.Second)
		for range 200 {
			d := b.delay(n)
			require.GreaterOrEqual(t, d, base/2, "attempt %d", n)
			require.LessOrEqual(t, d, base, "attempt %d", n)
		}
	}
	lo := Backoff{rand: func(int64) int64 { return 0 }}.withDefaults()
	require.Equal(t, 250*time.Millisecond, lo.delay(1))
	require.Equal(t, 15*time.Second, lo.delay(100), "huge attempt counts stay at Max/2..Max")
}

func TestDeliverStopsWhenOpSaysNoRetry(t *testing.T) {
	clk := newStepClock()
	permanent := errors.New("chat.postMessage C1: channel_not_found")
	s := &script{results: []scriptStep{
		{true, errors.New("503")},
		{true, errors.New("503")},
		{false, permanent},
	}}
	err := deliver(context.Background(), testBackoff(clk, Backoff{}), s.op)
	require.ErrorIs(t, err, permanent)
	require.Equal(t, 3, s.calls)
	require.Len(t, clk.Sleeps(), 2)
}

func TestDeliverStopsWhenContextEnds(t *testing.T) {
	t.Run("during the wait", func(t *testing.T) {
		clk := newStepClock()
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		clk.onSleep = func(ctx context.Context, n int) error {
			if n == 2 {
				cancel() // shutdown arrives while waiting for the third attempt
			}
			return nil
		}
		last := errors.New("503")
		s := &script{results: []scriptStep{{true, errors.New("first")}, {true, last}, {true, errors.New("never")}}}
		err := deliver(ctx, testBackoff(clk, Backoff{}), s.op)
		require.ErrorIs(t, err, context.Canceled)
		require.ErrorIs(t, err, last, "the last error is kept, not dropped")
		require.Equal(t, 2, s.calls)
	})
	t.Run("before the first attempt", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		s := &script{}
		err := deliver(ctx, testBackoff(newStepClock(), Backoff{}), s.op)
		require.ErrorIs(t, err, context.Canceled)
		require.Zero(t, s.calls)
	})
	t.Run("real sleep is interrupted", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		s := &script{results: []scriptStep{{true, &RetryAfterError{After: time.Hour, Err: errors.New("ratelimited")}}}}
		done := make(chan error, 1)
		go func() { done <- deliver(ctx, Backoff{}, s.op) }()
		cancel()
		select {
		case err := <-done:
			require.ErrorIs(t, err, context.Canceled)
		case <-time.After(10 * time.Second):
			t.Fatal("deliver did not return after cancel")
		}
	})
}

func TestDeliverGivesUpAfterMaxElapsed(t *testing.T) {
	clk := newStepClock()
	var steps []scriptStep
	for range 20 {
		steps = append(steps, scriptStep{true, errors.New("503")})
	}
	s := &script{results: steps}
	err := deliver(context.Background(), testBackoff(clk, Backoff{MaxElapsed: 5 * time.Second}), s.op)
	require.ErrorContains(t, err, "giving up after 4 attempts")
	require.ErrorContains(t, err, "503")
	// 0.5 + 1 = 1.5s waited; the next 2s wait would still fit (3.5s), the 4s after it would not.
	require.Equal(t, []time.Duration{500 * time.Millisecond, time.Second, 2 * time.Second}, clk.Sleeps())
	require.Equal(t, 4, s.calls)
}
