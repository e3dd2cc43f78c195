package detectors

import "time"

// Defaults for Config.
const (
	DefaultPendingThreshold    = 5 * time.Minute
	DefaultRecentRestartWindow = 10 * time.Minute
)

// Config tunes the pod detector. cmd maps config.PodWatch onto it. The zero
// value is usable: WithDefaults fills every unset field, and Pod applies it
// itself.
type Config struct {
	// PendingThreshold is how long a pod may stay Pending (unschedulable, not
	// yet scheduled, or scheduled but not started) before it alerts.
	// Default 5m.
	PendingThreshold time.Duration
	// RecentRestartWindow is how long after a container's failed exit its
	// restart keeps alerting (reported as CrashLoopBackOff or OOMKilled). Detectors have
	// no memory, so "the restart count went up" is seen as "the last
	// termination failed and finished within this window". Default 10m.
	RecentRestartWindow time.Duration
}

// WithDefaults returns c with every zero or negative field set to its
// default.
func (c Config) WithDefaults() Config {
	if c.PendingThreshold <= 0 {
		c.PendingThreshold = DefaultPendingThreshold
	}
	if c.RecentRestartWindow <= 0 {
		c.RecentRestartWindow = DefaultRecentRestartWindow
	}
	return c
}
