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
}

func newThrottle(perSecond float64, burst int) *throttle {
	return &throttle{
		limit:   rate.Limit(perSecond),
		burst:   burst,
		now:     time.Now,
		sleep:   sleepCtx,
		buckets: map[string]*rate.Limiter{},
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
	t.mu.Unlock()

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
