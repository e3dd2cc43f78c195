package notifier

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func steppedThrottle(perSecond float64, burst int) (*throttle, *stepClock) {
	th, clk := newThrottle(perSecond, burst), newStepClock()
	th.now, th.sleep = clk.Now, clk.Sleep
	return th, clk
}

func TestThrottleBucket(t *testing.T) {
	th, clk := steppedThrottle(1, 3)
	ctx := context.Background()
	for range 3 {
		require.NoError(t, th.Wait(ctx, "C1"))
	}
	require.Empty(t, clk.Sleeps(), "burst")
	require.NoError(t, th.Wait(ctx, "C1"))
	require.NoError(t, th.Wait(ctx, "C1"))
	require.Equal(t, []time.Duration{time.Second, time.Second}, clk.Sleeps(), "then one per second")

	clk.Advance(time.Minute) // a quiet channel refills to the burst, no further
	for range 3 {
		require.NoError(t, th.Wait(ctx, "C1"))
	}
	require.Len(t, clk.Sleeps(), 2)
	require.NoError(t, th.Wait(ctx, "C1"))
	require.Len(t, clk.Sleeps(), 3)
}

func TestThrottleAbandonedWaitReturnsItsToken(t *testing.T) {
	th, clk := steppedThrottle(1, 1)
	require.NoError(t, th.Wait(context.Background(), "C1"))

	stop := errors.New("shutting down")
	clk.onSleep = func(context.Context, int) error { return stop }
	require.ErrorIs(t, th.Wait(context.Background(), "C1"), stop)

	clk.onSleep = nil
	require.NoError(t, th.Wait(context.Background(), "C1"))
	require.Equal(t, []time.Duration{time.Second, time.Second}, clk.Sleeps(),
		"the cancelled wait did not push the next one further out")
}

func TestThrottleCancelledContext(t *testing.T) {
	th := newThrottle(1, 1) // real clock: the second wait would take a second
	ctx, cancel := context.WithCancel(context.Background())
	require.NoError(t, th.Wait(ctx, "C1"))
	cancel()
	require.ErrorIs(t, th.Wait(ctx, "C1"), context.Canceled)
}

func TestThrottleConcurrentChannels(t *testing.T) {
	th := newThrottle(1000, 1000)
	var wg sync.WaitGroup
	for i := range 50 {
		wg.Go(func() {
			require.NoError(t, th.Wait(context.Background(), fmt.Sprint("C", i%5)))
		})
	}
	wg.Wait()
	require.Len(t, th.buckets, 5)
}
