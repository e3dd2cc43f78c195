package detectors

import "time"

// Defaults for Config.
const (
	DefaultPendingThreshold     = 5 * time.Minute
	DefaultRecentRestartWindow  = 10 * time.Minute
	DefaultNodeNotReadyGrace    = time.Minute
	DefaultNodeStartupGrace     = 5 * time.Minute
	DefaultPVCPendingThreshold  = 5 * time.Minute
	DefaultPVCResizeEventWindow = 30 * time.Minute
)

// Config tunes the detectors. cmd maps config.PodWatch, config.NodeWatch
// and config.PVCWatch onto it. The zero value is usable: WithDefaults fills
// every unset field, and each detector applies it itself.
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

	// NodeNotReadyGrace is how long a node's Ready condition must have been
	// False or Unknown (and NetworkUnavailable True) before it alerts, so a
	// kubelet restart or one missed heartbeat stays quiet. Default 1m.
	NodeNotReadyGrace time.Duration
	// NodeStartupGrace is how long after creation a node that has been
	// NotReady (False) or NetworkUnavailable since it registered may stay so
	// without alerting: a new node is NotReady until its CNI starts, which
	// on a scale-up often takes longer than NodeNotReadyGrace. A node that
	// was Ready and then failed, or whose kubelet went silent (Unknown),
	// gets only NodeNotReadyGrace. Default 5m.
	NodeStartupGrace time.Duration

	// PVCPendingThreshold is how long a PVC may stay Pending (not bound)
	// before it alerts. Claims waiting for their first consumer never
	// alert. Default 5m.
	PVCPendingThreshold time.Duration
	// PVCResizeEventWindow is how long a VolumeResizeFailed or
	// FileSystemResizeFailed event keeps alerting while the resize is still
	// outstanding. Clusters before 1.31 report resize failures only as
	// events; newer ones also set conditions, which need no window.
	// Default 30m.
	PVCResizeEventWindow time.Duration
}

// WithDefaults returns c with every zero or negative field set to its
// default.
func (c Config) WithDefaults() Config {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&c.PendingThreshold, DefaultPendingThreshold)
	def(&c.RecentRestartWindow, DefaultRecentRestartWindow)
	def(&c.NodeNotReadyGrace, DefaultNodeNotReadyGrace)
	def(&c.NodeStartupGrace, DefaultNodeStartupGrace)
	def(&c.PVCPendingThreshold, DefaultPVCPendingThreshold)
	def(&c.PVCResizeEventWindow, DefaultPVCResizeEventWindow)
	return c
}
