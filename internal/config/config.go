package config

import (
	"fmt"
	"time"
)

// Config is the whole of Watchkeeper's configuration. The YAML key names are a
// contract with users and external acceptance tests: keep them stable.
type Config struct {
	// ClusterName labels every alert and reply. Default "kubernetes".
	ClusterName string `yaml:"clusterName"`
	Slack       Slack  `yaml:"slack"`
	Server      Server `yaml:"server"`
	Log         Log    `yaml:"log"`

	Watchers Watchers  `yaml:"watchers"`
	Notifier Notifier  `yaml:"notifier"`
	Routes   []Route   `yaml:"routes"`
	Ignore   Ignore    `yaml:"ignore"`
	Silences []Silence `yaml:"silences"`
	Redact   Redact    `yaml:"redact"`

	RBAC     RBAC     `yaml:"rbac"`
	Audit    Audit    `yaml:"audit"`
	Commands Commands `yaml:"commands"`

	LeaderElection LeaderElection `yaml:"leaderElection"`
}

// Slack configures the Slack adapter. When neither token is set Watchkeeper
// runs with the console adapter instead.
type Slack struct {
	// BotToken is the bot user OAuth token (xoxb-...). Prefer ${ENV} or BotTokenFile.
	BotToken Secret `yaml:"botToken"`
	// BotTokenFile names a file holding the bot token (a mounted Secret).
	BotTokenFile string `yaml:"botTokenFile"`
	// AppToken is the app-level token (xapp-...) with connections:write, for Socket Mode.
	AppToken Secret `yaml:"appToken"`
	// AppTokenFile names a file holding the app-level token.
	AppTokenFile string `yaml:"appTokenFile"`
	// APIURL is the Slack Web API base URL. Default "https://slack.com/api/".
	APIURL string `yaml:"apiURL"`
	// AlertChannel is the ID (not the name) of the default channel for alerts.
	AlertChannel string `yaml:"alertChannel"`
	// SlashCommand is the slash command the Slack app registers. Default "/kube".
	SlashCommand string `yaml:"slashCommand"`
}

// Enabled reports whether Slack is configured; otherwise the console adapter runs.
func (s Slack) Enabled() bool { return s.BotToken != "" || s.AppToken != "" }

// Server configures the HTTP endpoints for probes and metrics.
type Server struct {
	// Listen is the address for /healthz, /readyz and /metrics. Default ":8080".
	Listen string `yaml:"listen"`
}

// Log configures logging.
type Log struct {
	// Format is "json" (default, for clusters) or "console" (pretty, for terminals).
	Format string `yaml:"format"`
	// Level is a zerolog level: trace, debug, info (default), warn, error.
	Level string `yaml:"level"`
}

// Secret is a string that never prints itself: fmt, zerolog and the effective
// config all see a mask. Use Reveal to get the value.
type Secret string

// Reveal returns the secret value. Call it only where the value is used.
func (s Secret) Reveal() string { return string(s) }

// String masks the secret, keeping a known token prefix so operators can tell
// which kind of token is configured.
func (s Secret) String() string {
	if s == "" {
		return ""
	}
	for _, p := range []string{"xoxb-", "xapp-", "xoxp-"} {
		if len(s) > len(p) && string(s[:len(p)]) == p {
			return p + "***"
		}
	}
	return "***"
}

// GoString masks the secret for %#v.
func (s Secret) GoString() string { return fmt.Sprintf("%q", s.String()) }

// MarshalText masks the secret in JSON and YAML output.
func (s Secret) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// Defaults, applied in one place by ApplyDefaults.
const (
	DefaultClusterName = "kubernetes"
	DefaultSlackAPIURL = "https://slack.com/api/"
	DefaultListen      = ":8080"
	DefaultLogFormat   = "json"
	DefaultLogLevel    = "info"
)

// Duration is a time.Duration written in Go syntax ("2s", "1m") in YAML.
type Duration time.Duration

// UnmarshalText parses Go duration syntax.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return fmt.Errorf("invalid duration %q (use Go syntax such as 30s, 5m, 1h)", string(b))
	}
	*d = Duration(v)
	return nil
}

// MarshalText prints Go duration syntax.
func (d Duration) MarshalText() ([]byte, error) { return []byte(time.Duration(d).String()), nil }

// ApplyDefaults fills every unset field with its default. It is the only
// place defaults live.
func (c *Config) ApplyDefaults() {
	if c.ClusterName == "" {
		c.ClusterName = DefaultClusterName
	}
	if c.Slack.APIURL == "" {
		c.Slack.APIURL = DefaultSlackAPIURL
	}
	if c.Server.Listen == "" {
		c.Server.Listen = DefaultListen
	}
	if c.Log.Format == "" {
		c.Log.Format = DefaultLogFormat
	}
	if c.Log.Level == "" {
		c.Log.Level = DefaultLogLevel
	}
	c.applyAlertDefaults()
	c.applyCommandDefaults()
	c.applyLeaderDefaults()
}
