package config

import (
	"fmt"
	"path"
	"regexp"
	"time"
)

// Watchers configures what is watched.
type Watchers struct {
	Namespaces NamespaceFilter `yaml:"namespaces"`
	Pods       PodWatch        `yaml:"pods"`
	PVC        PVCWatch        `yaml:"pvc"`
	Nodes      NodeWatch       `yaml:"nodes"`
}

// PVCWatch configures PVC usage (from kubelet volume stats) and stuck-PVC alerts.
type PVCWatch struct {
	// Enabled turns PVC watching on. Default true.
	Enabled *bool `yaml:"enabled"`
	// Source is kubelet (default: each node's kubelet directly, needs only
	// nodes/stats) or apiserverProxy (through the API server, needs
	// nodes/proxy, which also reaches the kubelet's exec endpoint).
	Source string `yaml:"source"`
	// CAFile verifies kubelet serving certificates (kubelet source).
	CAFile string `yaml:"caFile"`
	// InsecureSkipVerify skips kubelet certificate verification; logged as a warning.
	InsecureSkipVerify bool `yaml:"insecureSkipVerify"`
	// Interval between usage sweeps. Default 1m.
	Interval Duration `yaml:"interval"`
	// Timeout per kubelet request. Default 10s.
	Timeout Duration `yaml:"timeout"`
	// Concurrency bounds kubelets polled at once. Default 4.
	Concurrency int `yaml:"concurrency"`
	// WarningPercent, CriticalPercent and ClearPercent apply to bytes and
	// inodes, with hysteresis. Defaults 80, 90, 75.
	WarningPercent  float64 `yaml:"warningPercent"`
	CriticalPercent float64 `yaml:"criticalPercent"`
	ClearPercent    float64 `yaml:"clearPercent"`
	// FullHorizon raises an early warning when usage is projected to reach
	// 100% within it. Default 6h.
	FullHorizon Duration `yaml:"fullHorizon"`
	// PendingThreshold: a PVC Pending this long alerts. Default 5m.
	PendingThreshold Duration `yaml:"pendingThreshold"`
	// Overrides set thresholds per namespace glob; the first match wins.
	// The annotations watchkeeper.io/pvc-warning-percent, -critical-percent
	// and -clear-percent on a PVC win over both.
	Overrides []PVCOverride `yaml:"overrides"`
}

// PVCOverride sets thresholds for PVCs in matching namespaces.
type PVCOverride struct {
	Namespaces      []string `yaml:"namespaces"`
	WarningPercent  float64  `yaml:"warningPercent"`
	CriticalPercent float64  `yaml:"criticalPercent"`
	ClearPercent    float64  `yaml:"clearPercent"`
}

// NodeWatch configures node alerts.
type NodeWatch struct {
	// Enabled turns node watching on. Default true.
	Enabled *bool `yaml:"enabled"`
	// NotReadyGrace: Ready False/Unknown this long alerts. Default 1m.
	NotReadyGrace Duration `yaml:"notReadyGrace"`
}

// On reports whether an optional feature flag is on (nil means on).
func On(b *bool) bool { return b == nil || *b }

// NamespaceFilter selects namespaces by glob ("team-*"). Empty include
// means every namespace; exclude wins over include.
type NamespaceFilter struct {
	Include []string `yaml:"include"`
	Exclude []string `yaml:"exclude"`
}

// PodWatch tunes the pod detectors.
type PodWatch struct {
	// PendingThreshold: a pod Pending or unschedulable this long alerts. Default 5m.
	PendingThreshold Duration `yaml:"pendingThreshold"`
	// RecentRestartWindow: a non-zero exit this recent alerts even before
	// back-off. Default 10m.
	RecentRestartWindow Duration `yaml:"recentRestartWindow"`
}

// Notifier tunes deduplication, grouping, storms and enrichment.
type Notifier struct {
	// GroupWait delays a first message so pods failing together share it. Default 5s.
	GroupWait Duration `yaml:"groupWait"`
	// RepeatInterval re-notifies a still-firing incident. Default 4h.
	RepeatInterval Duration `yaml:"repeatInterval"`
	// ResolveGrace: healthy this long before "resolved". Default 1m.
	ResolveGrace Duration `yaml:"resolveGrace"`
	Storm        Storm    `yaml:"storm"`
	// StartupReport: summary (default) | each | none, for problems that
	// already existed when Watchkeeper started.
	StartupReport string `yaml:"startupReport"`
	// StateConfigMap names the ConfigMap (in POD_NAMESPACE) holding incident
	// state. Default watchkeeper-state.
	StateConfigMap string `yaml:"stateConfigMap"`
	// LogLines is how many log lines an alert carries. Default 20.
	LogLines int `yaml:"logLines"`
	// MaxEvents is how many recent events an alert carries. Default 5.
	MaxEvents int `yaml:"maxEvents"`
}

// Storm switches a channel to digests beyond Threshold new incidents per Window.
type Storm struct {
	Threshold int      `yaml:"threshold"` // default 10
	Window    Duration `yaml:"window"`    // default 1m
}

// Match selects alerts; see notifier.Match.
type Match struct {
	Namespaces []string          `yaml:"namespaces"`
	Labels     map[string]string `yaml:"labels"`
	Reasons    []string          `yaml:"reasons"`
	Severities []string          `yaml:"severities"`
}

// Route sends matching alerts to a channel; the first match wins.
type Route struct {
	Match   Match  `yaml:"match"`
	Channel string `yaml:"channel"`
}

// Ignore drops alerts outright.
type Ignore struct {
	Namespaces []string `yaml:"namespaces"` // globs
	Pods       []string `yaml:"pods"`       // regular expressions on pod names
	Containers []string `yaml:"containers"` // exact names
	Reasons    []string `yaml:"reasons"`    // exact reasons
}

// Silence mutes matching alerts until a time (RFC 3339), or forever.
type Silence struct {
	Match   Match     `yaml:"match"`
	Until   time.Time `yaml:"until"`
	Comment string    `yaml:"comment"`
}

// Redact adds patterns (Go regular expressions) whose matches are replaced
// in log lines and event messages before they reach Slack.
type Redact struct {
	Patterns []string `yaml:"patterns"`
}

func (c *Config) applyAlertDefaults() {
	d := func(p *Duration, v time.Duration) {
		if *p == 0 {
			*p = Duration(v)
		}
	}
	d(&c.Watchers.Pods.PendingThreshold, 5*time.Minute)
	d(&c.Watchers.Pods.RecentRestartWindow, 10*time.Minute)
	d(&c.Watchers.PVC.Interval, time.Minute)
	d(&c.Watchers.PVC.Timeout, 10*time.Second)
	d(&c.Watchers.PVC.FullHorizon, 6*time.Hour)
	d(&c.Watchers.PVC.PendingThreshold, 5*time.Minute)
	d(&c.Watchers.Nodes.NotReadyGrace, time.Minute)
	if c.Watchers.PVC.Source == "" {
		c.Watchers.PVC.Source = "kubelet"
	}
	if c.Watchers.PVC.Concurrency == 0 {
		c.Watchers.PVC.Concurrency = 4
	}
	f := func(p *float64, v float64) {
		if *p == 0 {
			*p = v
		}
	}
	f(&c.Watchers.PVC.WarningPercent, 80)
	f(&c.Watchers.PVC.CriticalPercent, 90)
	f(&c.Watchers.PVC.ClearPercent, 75)
	d(&c.Notifier.GroupWait, 5*time.Second)
	d(&c.Notifier.RepeatInterval, 4*time.Hour)
	d(&c.Notifier.ResolveGrace, time.Minute)
	d(&c.Notifier.Storm.Window, time.Minute)
	if c.Notifier.Storm.Threshold == 0 {
		c.Notifier.Storm.Threshold = 10
	}
	if c.Notifier.StartupReport == "" {
		c.Notifier.StartupReport = "summary"
	}
	if c.Notifier.StateConfigMap == "" {
		c.Notifier.StateConfigMap = "watchkeeper-state"
	}
	if c.Notifier.LogLines == 0 {
		c.Notifier.LogLines = 20
	}
	if c.Notifier.MaxEvents == 0 {
		c.Notifier.MaxEvents = 5
	}
}

var severities = map[string]bool{"critical": true, "warning": true, "info": true}

func (c *Config) validateAlerts(ps *Problems) {
	globs := func(key string, gs []string) {
		for i, g := range gs {
			if _, err := path.Match(g, ""); err != nil || g == "" {
				ps.add(fmt.Sprintf("%s[%d]", key, i), "%q is not a valid glob", g)
			}
		}
	}
	globs("watchers.namespaces.include", c.Watchers.Namespaces.Include)
	globs("watchers.namespaces.exclude", c.Watchers.Namespaces.Exclude)
	positive := func(key string, d Duration) {
		if d < 0 {
			ps.add(key, "must be positive")
		}
	}
	positive("watchers.pods.pendingThreshold", c.Watchers.Pods.PendingThreshold)
	positive("watchers.pods.recentRestartWindow", c.Watchers.Pods.RecentRestartWindow)
	positive("notifier.groupWait", c.Notifier.GroupWait)
	positive("notifier.repeatInterval", c.Notifier.RepeatInterval)
	positive("notifier.resolveGrace", c.Notifier.ResolveGrace)
	positive("notifier.storm.window", c.Notifier.Storm.Window)
	pvc := c.Watchers.PVC
	switch pvc.Source {
	case "kubelet", "apiserverProxy":
	default:
		ps.add("watchers.pvc.source", "%q must be kubelet or apiserverProxy", pvc.Source)
	}
	if pvc.CAFile != "" && pvc.InsecureSkipVerify {
		ps.add("watchers.pvc.insecureSkipVerify", "set either caFile or insecureSkipVerify, not both")
	}
	positive("watchers.pvc.interval", pvc.Interval)
	positive("watchers.pvc.timeout", pvc.Timeout)
	positive("watchers.pvc.fullHorizon", pvc.FullHorizon)
	positive("watchers.pvc.pendingThreshold", pvc.PendingThreshold)
	positive("watchers.nodes.notReadyGrace", c.Watchers.Nodes.NotReadyGrace)
	if pvc.Concurrency < 1 || pvc.Concurrency > 64 {
		ps.add("watchers.pvc.concurrency", "must be between 1 and 64")
	}
	thresholds := func(key string, w, cr, cl float64) {
		if !(cl > 0 && cl < w && w < cr && cr <= 100) {
			ps.add(key, "need 0 < clearPercent (%v) < warningPercent (%v) < criticalPercent (%v) <= 100", cl, w, cr)
		}
	}
	thresholds("watchers.pvc", pvc.WarningPercent, pvc.CriticalPercent, pvc.ClearPercent)
	for i, o := range pvc.Overrides {
		key := fmt.Sprintf("watchers.pvc.overrides[%d]", i)
		globs(key+".namespaces", o.Namespaces)
		w, cr, cl := o.WarningPercent, o.CriticalPercent, o.ClearPercent
		if w == 0 {
			w = pvc.WarningPercent
		}
		if cr == 0 {
			cr = pvc.CriticalPercent
		}
		if cl == 0 {
			cl = pvc.ClearPercent
		}
		thresholds(key, w, cr, cl)
	}
	if c.Notifier.Storm.Threshold < 1 {
		ps.add("notifier.storm.threshold", "must be at least 1")
	}
	switch c.Notifier.StartupReport {
	case "summary", "each", "none":
	default:
		ps.add("notifier.startupReport", "%q must be summary, each or none", c.Notifier.StartupReport)
	}
	if c.Notifier.LogLines < 0 || c.Notifier.LogLines > 500 {
		ps.add("notifier.logLines", "must be between 0 and 500")
	}
	if c.Notifier.MaxEvents < 0 || c.Notifier.MaxEvents > 50 {
		ps.add("notifier.maxEvents", "must be between 0 and 50")
	}
	match := func(key string, m Match) {
		globs(key+".namespaces", m.Namespaces)
		for i, s := range m.Severities {
			if !severities[s] {
				ps.add(fmt.Sprintf("%s.severities[%d]", key, i), "%q must be critical, warning or info", s)
			}
		}
	}
	for i, r := range c.Routes {
		key := fmt.Sprintf("routes[%d]", i)
		match(key+".match", r.Match)
		if !channelIDPattern.MatchString(r.Channel) {
			ps.add(key+".channel", "%q is not a channel ID (e.g. C0123456789)", r.Channel)
		}
	}
	globs("ignore.namespaces", c.Ignore.Namespaces)
	for i, p := range c.Ignore.Pods {
		if _, err := regexp.Compile(p); err != nil {
			ps.add(fmt.Sprintf("ignore.pods[%d]", i), "invalid regular expression: %v", err)
		}
	}
	for i, s := range c.Silences {
		match(fmt.Sprintf("silences[%d].match", i), s.Match)
	}
	for i, p := range c.Redact.Patterns {
		if _, err := regexp.Compile(p); err != nil {
			ps.add(fmt.Sprintf("redact.patterns[%d]", i), "invalid regular expression: %v", err)
		}
	}
}
