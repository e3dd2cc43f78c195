package notifier

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"
)

// Backoff governs how deliver spaces out attempts. Zero values take the
// documented defaults.
type Backoff struct {
	// Initial is the wait after the first failure. Default 500ms.
	Initial time.Duration
	// Max caps the wait between attempts. Default 30s.
	Max time.Duration
	// MaxElapsed gives up once this much time has passed since the first
	// attempt. Zero retries until ctx ends.
	MaxElapsed time.Duration

	// The clock and randomness; tests replace them. Nil means real ones.
	sleep func(ctx context.Context, d time.Duration) error
	now   func() time.Time
	rand  func(n int64) int64 // uniform in [0, n)
}

func (b Backoff) withDefaults() Backoff {
	if b.Initial <= 0 {
		b.Initial = 500 * time.Millisecond
	}
	if b.Max <= 0 {
		b.Max = 30 * time.Second
	}
	b.Max = max(b.Max, b.Initial)
	if b.sleep == nil {
		b.sleep = sleepCtx
	}
	if b.now == nil {
		b.now = time.Now
	}
	if b.rand == nil {
		b.rand = rand.Int64N
	}
	return b
}

// delay is the wait before attempt n+1 after n failures (n ≥ 1) without a
// Retry-After: exponential, capped at Max, with "equal jitter" (uniform in
// [d/2, d]) so that senders failing together do not retry together, while
// the wait still grows.
func (b Backoff) delay(n int) time.Duration {
	d := b.Initial
	for i := 1; i < n && d < b.Max; i++ {
		d *= 2
	}
	d = min(d, b.Max)
	half := d / 2
	return half + time.Duration(b.rand(int64(d-half)+1))
}

// deliver runs op until it succeeds, says not to retry, or ctx ends. After a
// failure it waits the RetryAfterError's After when op returned one (never
// less), else the exponential backoff. It always returns the last error on
// failure: a message that could not be delivered is never dropped silently.
func deliver(ctx context.Context, b Backoff, op func(ctx context.Context) (retry bool, err error)) error {
	b = b.withDefaults()
	start := b.now()
	var lastErr error
	for attempt := 1; ; attempt++ {
		if err := ctx.Err(); err != nil {
			return stopped(err, attempt-1, lastErr)
		}
		retry, err := op(ctx)
		if err == nil {
			return nil
		}
		lastErr = err
		if !retry {
			return err
		}
		wait := b.delay(attempt)
		if ra, ok := errors.AsType[*RetryAfterError](err); ok && ra.After > 0 {
			wait = ra.After
		}
		if b.MaxElapsed > 0 && b.now().Add(wait).Sub(start) > b.MaxElapsed {
			return fmt.Errorf("giving up after %d attempts in %s: %w", attempt, b.now().Sub(start).Round(time.Millisecond), err)
		}
		if err := b.sleep(ctx, wait); err != nil {
			return stopped(err, attempt, lastErr)
		}
	}
}

// stopped is deliver's error when ctx ended: both the context's error and the
// last attempt's, so errors.Is works for either.
func stopped(ctxErr error, attempts int, lastErr error) error {
	if lastErr == nil {
		return fmt.Errorf("not delivered: %w", ctxErr)
	}
	return fmt.Errorf("not delivered after %d attempts: %w: last error: %w", attempts, ctxErr, lastErr)
}
