package capacity

import (
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Level is how urgent a volume's usage is.
type Level int

// Levels, least urgent first, so the worse of two is max(a, b).
const (
	LevelOK Level = iota
	LevelWarning
	LevelCritical
)

func (l Level) String() string {
	switch l {
	case LevelOK:
		return "ok"
	case LevelWarning:
		return "warning"
	case LevelCritical:
		return "critical"
	}
	return "Level(" + strconv.Itoa(int(l)) + ")"
}

// Reasons an Assessment reports; the PVC worker uses them as alert reasons.
const (
	ReasonUsageHigh  = "PVCUsageHigh"
	ReasonInodesHigh = "PVCInodesHigh"
	// ReasonFillingUp is the early warning for a volume still below its
	// thresholds but projected to be full within Config.Horizon.
	ReasonFillingUp = "PVCFillingUp"
)

const (
	// resetDrop is the fall in used bytes between two samples, as a
	// fraction of capacity, taken as a new regime (log rotation, compaction,
	// a wiped volume) rather than noise: the window restarts so the slope
	// describes only what happens after it.
	resetDrop = 0.05
	// clearFactor is the FillingUp hysteresis: raised at FullIn <= Horizon,
	// cleared only once FullIn > clearFactor*Horizon (or no projection), so
	// a rate wobbling around the horizon does not flap.
	clearFactor = 1.5
)

// Sample is one measurement of a volume, as the kubelet reports it. A zero
// CapacityBytes or Inodes means that dimension was not measured: its level
// is held, not cleared, since a failed measurement is not a recovery.
type Sample struct {
	At            time.Time
	UsedBytes     uint64
	CapacityBytes uint64
	InodesUsed    uint64
	Inodes        uint64
}

// Assessment is a volume's state after a sample.
type Assessment struct {
	Level Level
	// Reason is ReasonUsageHigh or ReasonInodesHigh for whichever dimension
	// is worse (on a tie, the one reported before, else bytes),
	// ReasonFillingUp for a projection-only warning, and "" when OK.
	Reason string
	// Percent and InodePercent are used/capacity*100; 0 when never measured.
	Percent, InodePercent float64
	// GrowthBytesPerHour is the least-squares slope over the window; 0 when
	// there are too few samples or the slope is indistinguishable from
	// noise (unless it is what keeps a FillingUp warning up). Negative when
	// the volume is shrinking.
	GrowthBytesPerHour float64
	// FullIn is the projected time to 100% at that slope; 0 when not
	// growing (faster than Config.MinGrowthBytesPerHour), unknown, already
	// full, or further out than a year.
	FullIn time.Duration
	// Cause explains it to a human: "92% used (46.0 GiB of 50.0 GiB), full
	// in ~3h at 4.1 GiB/h"; "" when OK.
	Cause string
	// Since is the time of the sample that first reported Reason, through
	// any change of Level; zero when OK. It is the incident's start, where
	// a sample's own time would move on every sweep.
	Since time.Time
}

// Tracker keeps a short usage history and the hysteresis state per PVC. It
// is safe for concurrent use.
type Tracker struct {
	cfg Config

	mu     sync.Mutex
	series map[string]*series
}

// series is one PVC's history.
type series struct {
	// window holds the byte samples since the last capacity change or
	// reset, oldest first, at most Config.Window of them.
	window []Sample
	// The latest inode counts, for when a sample does not measure them.
	inodesUsed, inodes uint64
	bytes, inodeLevel  Level
	filling            bool
	reason             string    // last reported; breaks ties
	since              time.Time // when reason was first reported
}

// NewTracker returns a Tracker with cfg's defaults applied.
func NewTracker(cfg Config) *Tracker {
	return &Tracker{cfg: cfg.WithDefaults(), series: map[string]*series{}}
}

// Observe records s for key (conventionally "namespace/name") and assesses
// the volume. th are the thresholds for this PVC; zero fields take their
// defaults, and the caller validates them (Thresholds.Validate).
//
// Each dimension (bytes, inodes) enters Warning at >= WarningPercent and
// Critical at >= CriticalPercent. Below CriticalPercent a Critical volume
// steps down to Warning, and a Warning one stays Warning until usage falls
// below ClearPercent: 85% after 91% is Warning, 78% after 85% is still
// Warning, 74% is OK. The step down from Critical has no hysteresis of its
// own because it keeps the incident (same reason) and only lowers its
// severity.
//
// A volume OK on both counts but projected to be full within Config.Horizon
// is Warning with ReasonFillingUp. That holds while the forecast stays
// within 1.5×Horizon and clears beyond it, or when the forecast goes (growth
// stops or slows below MinGrowthBytesPerHour, or the window restarts after
// a resize or freed space).
//
// Observe does not allocate for a volume that is OK.
func (t *Tracker) Observe(key string, s Sample, th Thresholds) Assessment {
	th = th.WithDefaults()
	t.mu.Lock()
	defer t.mu.Unlock()
	st := t.series[key]
	if st == nil {
		st = &series{window: make([]Sample, 0, t.cfg.Window)}
		t.series[key] = st
	}
	st.record(s, t.cfg)

	var a Assessment
	var last Sample
	if n := len(st.window); n > 0 {
		last = st.window[n-1]
		a.Percent = percent(last.UsedBytes, last.CapacityBytes)
		if s.CapacityBytes > 0 {
			st.bytes = step(st.bytes, a.Percent, th)
		}
	}
	if st.inodes > 0 {
		a.InodePercent = percent(st.inodesUsed, st.inodes)
		if s.Inodes > 0 {
			st.inodeLevel = step(st.inodeLevel, a.InodePercent, th)
		}
	}

	// The FillingUp hysteresis judges the raw slope: while raised, a
	// window that stops being a clean line (the rate just changed) must not
	// clear it, but a flat one must.
	slope, sig, ok := fit(st.window, t.cfg.MinSamples)
	var full time.Duration
	if ok {
		full = fullIn(last, slope, t.cfg.MinGrowthBytesPerHour)
	}
	horizon := float64(t.cfg.Horizon)
	switch {
	case sig && full > 0 && float64(full) <= horizon:
		st.filling = true
	case st.filling && full > 0 && float64(full) <= clearFactor*horizon:
	default:
		st.filling = false
	}
	if sig || st.filling {
		a.GrowthBytesPerHour, a.FullIn = slope*3600, full
	}

	a.Level = max(st.bytes, st.inodeLevel)
	switch {
	case a.Level == LevelOK && st.filling:
		a.Level, a.Reason = LevelWarning, ReasonFillingUp
	case a.Level == LevelOK:
	case st.bytes > st.inodeLevel:
		a.Reason = ReasonUsageHigh
	case st.inodeLevel > st.bytes:
		a.Reason = ReasonInodesHigh
	case st.reason == ReasonInodesHigh:
		// Equal levels: keep telling the story already told, so the
		// incident (its reason is in the fingerprint) does not switch.
		a.Reason = ReasonInodesHigh
	default:
		a.Reason = ReasonUsageHigh
	}
	if a.Reason != st.reason {
		st.reason, st.since = a.Reason, s.At
	}
	if a.Reason != "" {
		a.Since = st.since
	}
	a.Cause = cause(a, last, st)
	return a
}

// Forget drops key's history, for a deleted PVC.
func (t *Tracker) Forget(key string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.series, key)
}

// Keys returns every tracked key, sorted, so the caller can forget PVCs it
// no longer sees.
func (t *Tracker) Keys() []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	keys := make([]string, 0, len(t.series))
	for k := range t.series {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// record adds s to the history. The byte window restarts on a capacity
// change (a resize would otherwise read as a jump in growth), on a large
// drop in usage (see resetDrop) and on a sample older than the last one
// (a clock step). A sample replaces the newest instead of being added when
// the newest is less than MinSpacing after the one before it.
func (st *series) record(s Sample, cfg Config) {
	if s.Inodes > 0 {
		st.inodesUsed, st.inodes = s.InodesUsed, s.Inodes
	}
	if s.CapacityBytes == 0 {
		return
	}
	n := len(st.window)
	if n > 0 {
		last := st.window[n-1]
		switch {
		case s.CapacityBytes != last.CapacityBytes || s.At.Before(last.At) ||
			float64(last.UsedBytes)-float64(s.UsedBytes) > resetDrop*float64(s.CapacityBytes):
			st.window = st.window[:0]
		case s.At.Equal(last.At) || (n >= 2 && last.At.Sub(st.window[n-2].At) < cfg.MinSpacing):
			st.window[n-1] = s
			return
		case n == cfg.Window:
			copy(st.window, st.window[1:])
			st.window = st.window[:n-1]
		}
	}
	st.window = append(st.window, s)
}

// step is the hysteresis: the level for usage p given the previous level.
func step(prev Level, p float64, th Thresholds) Level {
	switch {
	case p >= th.CriticalPercent:
		return LevelCritical
	case p >= th.WarningPercent:
		return LevelWarning
	case p < th.ClearPercent:
		return LevelOK
	case prev != LevelOK:
		return LevelWarning
	}
	return LevelOK
}

func percent(used, total uint64) float64 {
	if total == 0 {
		return 0
	}
	return float64(used) / float64(total) * 100
}

// cause writes the Assessment for a human.
func cause(a Assessment, last Sample, st *series) string {
	var b strings.Builder
	switch a.Reason {
	case "":
		return ""
	case ReasonInodesHigh:
		b.WriteString(wholePercent(a.InodePercent))
		b.WriteString(" of inodes used (")
		b.WriteString(strconv.FormatUint(st.inodesUsed, 10))
		b.WriteString(" of ")
		b.WriteString(strconv.FormatUint(st.inodes, 10))
		b.WriteString(")")
		return b.String()
	}
	b.WriteString(wholePercent(a.Percent))
	b.WriteString(" used (")
	b.WriteString(FormatBytes(last.UsedBytes))
	b.WriteString(" of ")
	b.WriteString(FormatBytes(last.CapacityBytes))
	b.WriteString(")")
	if a.FullIn > 0 {
		if a.Reason == ReasonFillingUp {
			b.WriteString(", projected full in ")
		} else {
			b.WriteString(", full in ")
		}
		b.WriteString(FormatDuration(a.FullIn))
		b.WriteString(" at ")
		b.WriteString(FormatBytes(uint64(a.GrowthBytesPerHour)))
		b.WriteString("/h")
	}
	return b.String()
}

// wholePercent rounds down, so a volume at 89.7% never reads "90%" while
// it is below a 90% critical threshold.
func wholePercent(p float64) string {
	return strconv.Itoa(int(math.Floor(p))) + "%"
}
