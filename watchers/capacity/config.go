package capacity

import (
	"fmt"
	"time"
)

// Defaults for Thresholds and Config.
const (
	DefaultWarningPercent        = 80
	DefaultCriticalPercent       = 90
	DefaultClearPercent          = 75
	DefaultWindow                = 12
	DefaultMinSamples            = 3
	DefaultHorizon               = 6 * time.Hour
	DefaultMinGrowthBytesPerHour = 1 << 20 // 1 MiB/h
)

// Thresholds are usage percentages, applied to bytes and inodes alike. A
// zero field takes its default; cmd, namespace overrides and PVC
// annotations each set only what they change.
type Thresholds struct {
	// WarningPercent raises a warning at or above it. Default 80.
	WarningPercent float64
	// CriticalPercent raises a critical alert at or above it. Default 90.
	CriticalPercent float64
	// ClearPercent is where a raised level clears: usage must drop below
	// it. Default 75.
	ClearPercent float64
}

// WithDefaults returns t with every zero field set to its default.
// Negative fields are kept for Validate to reject.
func (t Thresholds) WithDefaults() Thresholds {
	if t.WarningPercent == 0 {
		t.WarningPercent = DefaultWarningPercent
	}
	if t.CriticalPercent == 0 {
		t.CriticalPercent = DefaultCriticalPercent
	}
	if t.ClearPercent == 0 {
		t.ClearPercent = DefaultClearPercent
	}
	return t
}

// Validate checks t with its defaults applied: every field in (0, 100] and
// clearPercent < warningPercent < criticalPercent. Errors name the field by
// its configuration key.
func (t Thresholds) Validate() error {
	t = t.WithDefaults()
	for _, f := range []struct {
		key string
		v   float64
	}{{"warningPercent", t.WarningPercent}, {"criticalPercent", t.CriticalPercent}, {"clearPercent", t.ClearPercent}} {
		if !(f.v > 0 && f.v <= 100) { // also rejects NaN
			return fmt.Errorf("%s %g: must be in (0, 100]", f.key, f.v)
		}
	}
	if t.ClearPercent >= t.WarningPercent {
		return fmt.Errorf("clearPercent %g: must be below warningPercent %g", t.ClearPercent, t.WarningPercent)
	}
	if t.WarningPercent >= t.CriticalPercent {
		return fmt.Errorf("warningPercent %g: must be below criticalPercent %g", t.WarningPercent, t.CriticalPercent)
	}
	return nil
}

// Config tunes a Tracker. The zero value is usable: NewTracker applies
// WithDefaults.
type Config struct {
	// Window is how many samples are kept per PVC for the projection.
	// Default 12.
	Window int
	// MinSpacing is the least time between kept samples. A sample closer
	// than this to the one kept before the newest replaces the newest, so
	// the newest is always fresh and Window samples look back at least
	// (Window-2)×MinSpacing. Zero (the default) keeps every sample: with a
	// 1m sweep, 12 samples look back 11 minutes, and a 6h forecast is a
	// 30-fold extrapolation that a 10-minute burst or heavy scatter can
	// trip. 5m (Horizon/72) looks back about an hour for the same memory;
	// see TestObserveMinSpacing.
	MinSpacing time.Duration
	// MinSamples is how many samples a projection needs; at least 2 and at
	// most Window. Default 3.
	MinSamples int
	// Horizon raises PVCFillingUp on a volume below its thresholds when it
	// is projected to be full within it. Default 6h.
	Horizon time.Duration
	// MinGrowthBytesPerHour ignores slower growth: a volume growing by a
	// log line a minute is "full in 40 years", which is noise. Default 1 MiB/h.
	MinGrowthBytesPerHour float64
}

// WithDefaults returns c with every zero or negative field set to its
// default (MinSpacing: none) and MinSamples clamped to [2, Window].
func (c Config) WithDefaults() Config {
	if c.Window <= 0 {
		c.Window = DefaultWindow
	}
	if c.MinSamples <= 0 {
		c.MinSamples = DefaultMinSamples
	}
	c.MinSamples = min(max(c.MinSamples, 2), max(c.Window, 2))
	c.Window = max(c.Window, c.MinSamples)
	c.MinSpacing = max(c.MinSpacing, 0)
	if c.Horizon <= 0 {
		c.Horizon = DefaultHorizon
	}
	if c.MinGrowthBytesPerHour <= 0 {
		c.MinGrowthBytesPerHour = DefaultMinGrowthBytesPerHour
	}
	return c
}
