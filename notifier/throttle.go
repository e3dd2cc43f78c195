package notifier

import (
	"context"
	"fmt"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// throttle is a per-channel token bucket: Slack allows about one message per
// second per channel, with short bursts tolerated. Waiting here, before the
// call, keeps us under the limit instead of collecting 429s.
type throttle struct {
	limit rate.Limit
	burst int
	// now and sleep are the clock; tests replace them.
	now   func() time.Time
	sleep func(ctx context.Context, d time.Duration) error

	mu      sync.Mutex
	buckets map[string]*rate.Limiter // by channel; bounded by the routed channels
	// blocked holds, per channel, when Slack's last Retry-After ends.
	blocked map[string]time.Time
}

func newThrottle(perSecond float64, burst int) *throttle {
	return &throttle{
		limit:   rate.Limit(perSecond),
		burst:   burst,
		now:     time.Now,
		sleep:   sleepCtx,
		buckets: map[string]*rate.Limiter{},
		blocked: map[string]time.Time{},
	}
}

// Penalize records that Slack rate-limited channel for d: no message goes to
// it before then, and its bucket restarts empty, so the retry of the
// limited call and the calls queued behind it do not run straight into
// another 429.
func (t *throttle) Penalize(channel string, d time.Duration) {
	now := t.now()
	b := rate.NewLimiter(t.limit, t.burst)
	b.AllowN(now, t.burst) // start empty
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buckets[channel] = b
	if until := now.Add(d); until.After(t.blocked[channel]) {
		t.blocked[channel] = until
	}
}

// Wait blocks until channel may take one more message or ctx ends.
func (t *throttle) Wait(ctx context.Context, channel string) error {
	t.mu.Lock()
	b, ok := t.buckets[channel]
	if !ok {
		b = rate.NewLimiter(t.limit, t.burst)
		t.buckets[channel] = b
	}
	until := t.blocked[channel]
	t.mu.Unlock()

	if d := until.Sub(t.now()); d > 0 {
		if err := t.sleep(ctx, d); err != nil {
			return err
		}
	}
	now := t.now()
	r := b.ReserveN(now, 1)
	if !r.OK() {
		return fmt.Errorf("throttle %s: burst %d admits no message", channel, t.burst)
	}
	d := r.DelayFrom(now)
	if d <= 0 {
		return nil
	}
	if err := t.sleep(ctx, d); err != nil {
		// Give the token back so an abandoned wait does not delay others.
		r.CancelAt(t.now())
		return err
	}
	return nil
}

// sleepCtx waits for d or until ctx ends, whichever is first.
func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-timer.C:
		return nil
	}
}
