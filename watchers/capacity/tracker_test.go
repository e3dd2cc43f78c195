package capacity_test

import (
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/watchkeeper/watchkeeper/watchers/capacity"
)

const (
	mib = uint64(1) << 20
	gib = uint64(1) << 30
)

// t0 is where every fake clock starts.
var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// volume drives a Tracker with a fake clock: each observation happens at
// now, then now moves on by every.
type volume struct {
	tr       *capacity.Tracker
	key      string
	now      time.Time
	every    time.Duration
	capacity uint64
	th       capacity.Thresholds
}

func newVolume(cfg capacity.Config, capacityBytes uint64) *volume {
	return &volume{tr: capacity.NewTracker(cfg), key: "shop/data", now: t0, every: time.Minute, capacity: capacityBytes}
}

// observe records used bytes (and no inode figures).
func (v *volume) observe(used uint64) capacity.Assessment {
	return v.observeInodes(used, 0, 0)
}

func (v *volume) observeInodes(used, inodesUsed, inodes uint64) capacity.Assessment {
	a := v.tr.Observe(v.key, capacity.Sample{At: v.now, UsedBytes: used, CapacityBytes: v.capacity, InodesUsed: inodesUsed, Inodes: inodes}, v.th)
	v.now = v.now.Add(v.every)
	return a
}

// grow observes a volume growing at perHour from start for d, one sample
// per v.every, and returns the last assessment and the last used figure.
func (v *volume) grow(start uint64, perHour float64, d time.Duration) (capacity.Assessment, uint64) {
	begin := v.now
	var a capacity.Assessment
	var used uint64
	for v.now.Sub(begin) <= d {
		used = start + uint64(perHour*v.now.Sub(begin).Hours())
		a = v.observe(used)
	}
	return a, used
}

func percentOf(p float64, total uint64) uint64 { return uint64(p / 100 * float64(total)) }

func TestObserveHysteresis(t *testing.T) {
	v := newVolume(capacity.Config{}, 50*gib)
	steps := []struct {
		percent float64
		level   capacity.Level
		reason  string
	}{
		{50, capacity.LevelOK, ""},
		{79.9, capacity.LevelOK, ""},
		{80, capacity.LevelWarning, "PVCUsageHigh"},
		{85, capacity.LevelWarning, "PVCUsageHigh"},
		{91, capacity.LevelCritical, "PVCUsageHigh"},
		{85, capacity.LevelWarning, "PVCUsageHigh"}, // below critical: steps down
		{78, capacity.LevelWarning, "PVCUsageHigh"}, // below warning, above clear: holds
		{75, capacity.LevelWarning, "PVCUsageHigh"}, // at clear: holds
		{74.9, capacity.LevelOK, ""},
		{79, capacity.LevelOK, ""}, // back up, below warning: stays OK
		{95, capacity.LevelCritical, "PVCUsageHigh"},
		{76, capacity.LevelWarning, "PVCUsageHigh"}, // straight from critical to above clear
		{10, capacity.LevelOK, ""},
	}
	for i, s := range steps {
		a := v.observe(percentOf(s.percent, v.capacity))
		require.Equal(t, s.level, a.Level, "step %d: %g%%", i, s.percent)
		require.Equal(t, s.reason, a.Reason, "step %d: %g%%", i, s.percent)
		require.InDelta(t, s.percent, a.Percent, 0.01)
		require.Equal(t, a.Level == capacity.LevelOK, a.Cause == "", "step %d: a cause exactly when not OK", i)
	}
}

func TestObserveSince(t *testing.T) {
	v := newVolume(capacity.Config{}, 50*gib)
	require.Zero(t, v.observe(20*gib).Since)
	entered := v.now
	require.Equal(t, entered, v.observe(41*gib).Since)
	require.Equal(t, entered, v.observe(46*gib).Since, "critical: the same incident")
	require.Equal(t, entered, v.observe(42*gib).Since, "back to warning")
	require.Zero(t, v.observe(30*gib).Since)
	again := v.now
	require.Equal(t, again, v.observe(41*gib).Since, "a new incident")
}

func TestObserveThresholdsPerCall(t *testing.T) {
	v := newVolume(capacity.Config{}, 100*gib)
	v.th = capacity.Thresholds{WarningPercent: 60, CriticalPercent: 70, ClearPercent: 50}
	require.Equal(t, capacity.LevelWarning, v.observe(65*gib).Level)
	require.Equal(t, capacity.LevelCritical, v.observe(70*gib).Level)
	v.th = capacity.Thresholds{} // defaults: 80/90/75
	require.Equal(t, capacity.LevelOK, v.observe(70*gib).Level, "70% is below the default clear")
}

func TestObserveCause(t *testing.T) {
	v := newVolume(capacity.Config{}, 50*gib)
	a := v.observe(46 * gib)
	require.Equal(t, "92% used (46.0 GiB of 50.0 GiB)", a.Cause, "no projection from one sample")
	a = v.observe(percentOf(89.99, 50*gib))
	require.Equal(t, capacity.LevelWarning, a.Level)
	require.Equal(t, "89% used (45.0 GiB of 50.0 GiB)", a.Cause, "rounded down: never reads 90% below a 90% threshold")
}

func TestObserveInodes(t *testing.T) {
	v := newVolume(capacity.Config{}, 50*gib)
	const inodes = 1_000_000
	steps := []struct {
		bytesPercent, inodePercent float64
		level                      capacity.Level
		reason, cause              string
	}{
		{40, 50, capacity.LevelOK, "", ""},
		{40, 85, capacity.LevelWarning, "PVCInodesHigh", "85% of inodes used (850000 of 1000000)"},
		{40, 92, capacity.LevelCritical, "PVCInodesHigh", "92% of inodes used (920000 of 1000000)"},
		// Bytes warning, inodes critical: the worse one tells.
		{81, 92, capacity.LevelCritical, "PVCInodesHigh", "92% of inodes used (920000 of 1000000)"},
		// Equal levels: the reason already told stays.
		{81, 85, capacity.LevelWarning, "PVCInodesHigh", "85% of inodes used (850000 of 1000000)"},
		{91, 85, capacity.LevelCritical, "PVCUsageHigh", "91% used (45.5 GiB of 50.0 GiB)"},
		{81, 85, capacity.LevelWarning, "PVCUsageHigh", "81% used (40.5 GiB of 50.0 GiB)"},
		{40, 85, capacity.LevelWarning, "PVCInodesHigh", "85% of inodes used (850000 of 1000000)"},
		{40, 74, capacity.LevelOK, "", ""},
	}
	for i, s := range steps {
		v.now = v.now.Add(time.Hour) // far apart: no projection mixes in
		a := v.observeInodes(percentOf(s.bytesPercent, v.capacity), percentOf(s.inodePercent, inodes), inodes)
		require.Equal(t, s.level, a.Level, "step %d", i)
		require.Equal(t, s.reason, a.Reason, "step %d", i)
		require.Equal(t, s.cause, a.Cause, "step %d", i)
	}
}

func TestObserveUnmeasured(t *testing.T) {
	v := newVolume(capacity.Config{}, 50*gib)
	a := v.observeInodes(46*gib, 900, 1000)
	require.Equal(t, capacity.LevelCritical, a.Level)

	// Neither dimension measured: hold, do not clear.
	a = v.tr.Observe(v.key, capacity.Sample{At: v.now}, capacity.Thresholds{})
	require.Equal(t, capacity.LevelCritical, a.Level)
	require.Equal(t, "92% used (46.0 GiB of 50.0 GiB)", a.Cause)
	require.InDelta(t, 90, a.InodePercent, 0.01)

	// A file system without inode accounting (btrfs) never raises inodes.
	w := newVolume(capacity.Config{}, 50*gib)
	require.Equal(t, capacity.LevelOK, w.observeInodes(10*gib, 0, 0).Level)
	require.Zero(t, w.observeInodes(10*gib, 0, 0).InodePercent)
}

func TestTrackerKeysAndForget(t *testing.T) {
	tr := capacity.NewTracker(capacity.Config{})
	s := capacity.Sample{At: t0, UsedBytes: 46 * gib, CapacityBytes: 50 * gib}
	tr.Observe("shop/b", s, capacity.Thresholds{})
	tr.Observe("shop/a", s, capacity.Thresholds{})
	require.Equal(t, []string{"shop/a", "shop/b"}, tr.Keys())

	tr.Forget("shop/b")
	tr.Forget("shop/missing")
	require.Equal(t, []string{"shop/a"}, tr.Keys())

	// Forgotten state is gone: a 78% volume is OK again, not held at Warning.
	tr.Observe("shop/b", capacity.Sample{At: t0.Add(time.Minute), UsedBytes: 39 * gib, CapacityBytes: 50 * gib}, capacity.Thresholds{})
	require.Equal(t, capacity.LevelCritical, tr.Observe("shop/a", s, capacity.Thresholds{}).Level)
	require.Equal(t, capacity.LevelOK, tr.Observe("shop/b", capacity.Sample{At: t0.Add(2 * time.Minute), UsedBytes: 39 * gib, CapacityBytes: 50 * gib}, capacity.Thresholds{}).Level)
}

func TestTrackerConcurrent(t *testing.T) {
	tr := capacity.NewTracker(capacity.Config{})
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Go(func() {
			key := []string{"a/x", "b/y"}[w%2]
			for i := range 200 {
				tr.Observe(key, capacity.Sample{At: t0.Add(time.Duration(w*1000+i) * time.Second), UsedBytes: uint64(i) * mib, CapacityBytes: gib}, capacity.Thresholds{})
				if i%50 == 0 {
					tr.Keys()
				}
			}
		})
	}
	wg.Wait()
	require.Equal(t, []string{"a/x", "b/y"}, tr.Keys())
}

func TestLevelString(t *testing.T) {
	require.Equal(t, "ok", capacity.LevelOK.String())
	require.Equal(t, "warning", capacity.LevelWarning.String())
	require.Equal(t, "critical", capacity.LevelCritical.String())
	require.Equal(t, "Level(7)", capacity.Level(7).String())
}

func BenchmarkTrackerObserve(b *testing.B) {
	b.Run("ok", func(b *testing.B) {
		tr := capacity.NewTracker(capacity.Config{})
		at := t0
		b.ReportAllocs()
		for b.Loop() {
			at = at.Add(time.Minute)
			tr.Observe("shop/data", capacity.Sample{At: at, UsedBytes: 20 * gib, CapacityBytes: 50 * gib, InodesUsed: 1000, Inodes: 100000}, capacity.Thresholds{})
		}
	})
	b.Run("critical with forecast", func(b *testing.B) {
		tr := capacity.NewTracker(capacity.Config{})
		at, used := t0, 45*gib
		b.ReportAllocs()
		for b.Loop() {
			at, used = at.Add(time.Minute), used+mib
			if used >= 50*gib {
				used = 45 * gib
			}
			tr.Observe("shop/data", capacity.Sample{At: at, UsedBytes: used, CapacityBytes: 50 * gib}, capacity.Thresholds{})
		}
	})
	b.Run("1000 keys", func(b *testing.B) {
		tr := capacity.NewTracker(capacity.Config{})
		keys := make([]string, 1000)
		for i := range keys {
			keys[i] = "ns/pvc-" + string(rune('a'+i%26)) + string(rune('a'+i/26%26)) + string(rune('a'+i/676))
		}
		at, i := t0, 0
		b.ReportAllocs()
		for b.Loop() {
			if i%len(keys) == 0 {
				at = at.Add(time.Minute)
			}
			tr.Observe(keys[i%len(keys)], capacity.Sample{At: at, UsedBytes: 20*gib + uint64(i), CapacityBytes: 50 * gib}, capacity.Thresholds{})
			i++
		}
	})
}
