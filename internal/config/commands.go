package config

import (
	"path"
	"regexp"
	"strings"
	"time"
)

// RBAC configures who may run which chat command (the casbin policy) and the
// Kubernetes identity commands run as. Key names are a contract.
type RBAC struct {
	// PolicyFile is the policy CSV (see rbac/README.md). Without it every
	// command that touches the cluster is refused: deny by default.
	PolicyFile string `yaml:"policyFile"`
	// ReloadInterval is how often the policy file is checked for changes.
	// Default 5s.
	ReloadInterval Duration `yaml:"reloadInterval"`
	// ApprovalTimeout is how long a four-eyes approval request stays open.
	// Default 10m.
	ApprovalTimeout Duration      `yaml:"approvalTimeout"`
	Impersonation   Impersonation `yaml:"impersonation"`
}

// Impersonation configures the second wall: commands run as the Kubernetes
// user watchkeeper:slack:<userID> plus groups mapped from policy roles, so
// cluster RBAC decides too.
type Impersonation struct {
	// Enabled defaults to true. Switching it off runs commands as
	// Watchkeeper's own service account (not recommended).
	Enabled *bool `yaml:"enabled"`
	// RoleGroups maps a policy role (role:viewer) to Kubernetes groups
	// (watchkeeper:viewers).
	RoleGroups map[string][]string `yaml:"roleGroups"`
}

// Audit configures the audit trail: one JSON line per decision on the log
// with component=audit, and optionally also in a file.
type Audit struct {
	// File, if set, also receives every audit line (appended, 0600).
	File string `yaml:"file"`
}

// Commands bounds what chat commands may do and cost.
type Commands struct {
	// DefaultNamespace is used when a command names none. Default "default".
	DefaultNamespace string `yaml:"defaultNamespace"`
	// Timeout is the deadline of one command. Default 30s.
	Timeout Duration `yaml:"timeout"`
	// MaxOutputBytes caps what one command reads from the API. Default 1048576.
	MaxOutputBytes int64 `yaml:"maxOutputBytes"`
	// MaxReplicas bounds scale --replicas. Default 50.
	MaxReplicas int32 `yaml:"maxReplicas"`
	// MaxTail bounds logs --tail. Default 5000.
	MaxTail int64 `yaml:"maxTail"`
	// UserRatePerMinute and UserBurst rate-limit each user. Defaults 20 and 5.
	UserRatePerMinute int `yaml:"userRatePerMinute"`
	UserBurst         int `yaml:"userBurst"`
	// Concurrency is how many commands run at once. Default 8.
	Concurrency int `yaml:"concurrency"`
	// QPS and Burst are the commands' own API client limits, separate from the
	// watchers'. Defaults 20 and 40.
	QPS   float32 `yaml:"qps"`
	Burst int     `yaml:"burst"`
	// CacheDir is a writable directory for the discovery cache. Default
	// $TMPDIR/watchkeeper-cache.
	CacheDir string `yaml:"cacheDir"`
	// SecretEnvNames are case-insensitive globs of env var names whose values
	// are masked in get -o yaml/json and describe. Default *PASSWORD*,
	// *PASSWD*, *TOKEN*, *SECRET*, *KEY*, *CREDENTIAL*.
	SecretEnvNames []string `yaml:"secretEnvNames"`
	// Helm enables the helm actions. Default true.
	Helm *bool `yaml:"helm"`
}

// Command defaults.
const (
	DefaultSlashCommand       = "/kube"
	DefaultReloadInterval     = 5 * time.Second
	DefaultApprovalTimeout    = 10 * time.Minute
	DefaultCommandNamespace   = "default"
	DefaultCommandTimeout     = 30 * time.Second
	DefaultMaxOutputBytes     = 1 << 20
	DefaultMaxReplicas        = 50
	DefaultMaxTail            = 5000
	DefaultUserRatePerMinute  = 20
	DefaultUserBurst          = 5
	DefaultCommandConcurrency = 8
	DefaultCommandQPS         = 20
	DefaultCommandBurst       = 40
)

var (
	slashCommandPattern = regexp.MustCompile(`^/[a-z0-9_-]{1,31}$`)
	dns1123Label        = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)
	roleNamePattern     = regexp.MustCompile(`^role:[A-Za-z0-9_.-]+$`)
	k8sGroupPattern     = regexp.MustCompile(`^[A-Za-z0-9:._@-]+$`)
)

func (c *Config) applyCommandDefaults() {
	if c.Slack.SlashCommand == "" {
		c.Slack.SlashCommand = DefaultSlashCommand
	}
	r := &c.RBAC
	if r.ReloadInterval == 0 {
		r.ReloadInterval = Duration(DefaultReloadInterval)
	}
	if r.ApprovalTimeout == 0 {
		r.ApprovalTimeout = Duration(DefaultApprovalTimeout)
	}
	m := &c.Commands
	if m.DefaultNamespace == "" {
		m.DefaultNamespace = DefaultCommandNamespace
	}
	if m.Timeout == 0 {
		m.Timeout = Duration(DefaultCommandTimeout)
	}
	if m.MaxOutputBytes == 0 {
		m.MaxOutputBytes = DefaultMaxOutputBytes
	}
	if m.MaxReplicas == 0 {
		m.MaxReplicas = DefaultMaxReplicas
	}
	if m.MaxTail == 0 {
		m.MaxTail = DefaultMaxTail
	}
	if m.UserRatePerMinute == 0 {
		m.UserRatePerMinute = DefaultUserRatePerMinute
	}
	if m.UserBurst == 0 {
		m.UserBurst = DefaultUserBurst
	}
	if m.Concurrency == 0 {
		m.Concurrency = DefaultCommandConcurrency
	}
	if m.QPS == 0 {
		m.QPS = DefaultCommandQPS
	}
	if m.Burst == 0 {
		m.Burst = DefaultCommandBurst
	}
}

func (c *Config) validateCommands(ps *Problems) {
	if !slashCommandPattern.MatchString(c.Slack.SlashCommand) {
		ps.add("slack.slashCommand", "%q must be a slash command such as /kube (a slash, then up to 31 lower-case letters, digits, '-' or '_')", c.Slack.SlashCommand)
	}
	r := c.RBAC
	if time.Duration(r.ReloadInterval) < 100*time.Millisecond {
		ps.add("rbac.reloadInterval", "%s must be at least 100ms", time.Duration(r.ReloadInterval))
	}
	if time.Duration(r.ApprovalTimeout) < time.Second || time.Duration(r.ApprovalTimeout) > 24*time.Hour {
		ps.add("rbac.approvalTimeout", "%s must be between 1s and 24h", time.Duration(r.ApprovalTimeout))
	}
	for role, groups := range r.Impersonation.RoleGroups {
		key := "rbac.impersonation.roleGroups." + role
		if !roleNamePattern.MatchString(role) {
			ps.add(key, "%q is not a policy role: roles are spelled role:NAME, as in the policy's g rows", role)
		}
		for _, g := range groups {
			switch {
			case !k8sGroupPattern.MatchString(g):
				ps.add(key, "group %q must be a Kubernetes group name (letters, digits, ':', '.', '_', '@', '-')", g)
			case g == "system:masters" || strings.HasPrefix(g, "system:"):
				ps.add(key, "group %q is a system group; impersonating it would bypass cluster RBAC", g)
			}
		}
	}
	m := c.Commands
	if !dns1123Label.MatchString(m.DefaultNamespace) || len(m.DefaultNamespace) > 63 {
		ps.add("commands.defaultNamespace", "%q must be a namespace name", m.DefaultNamespace)
	}
	if d := time.Duration(m.Timeout); d < time.Second || d > 10*time.Minute {
		ps.add("commands.timeout", "%s must be between 1s and 10m", d)
	}
	if m.MaxOutputBytes < 1024 || m.MaxOutputBytes > 64<<20 {
		ps.add("commands.maxOutputBytes", "%d must be between 1024 and 67108864", m.MaxOutputBytes)
	}
	if m.MaxReplicas < 1 || m.MaxReplicas > 10000 {
		ps.add("commands.maxReplicas", "%d must be between 1 and 10000", m.MaxReplicas)
	}
	if m.MaxTail < 1 || m.MaxTail > 100000 {
		ps.add("commands.maxTail", "%d must be between 1 and 100000", m.MaxTail)
	}
	if m.UserRatePerMinute < 1 || m.UserRatePerMinute > 6000 {
		ps.add("commands.userRatePerMinute", "%d must be between 1 and 6000", m.UserRatePerMinute)
	}
	if m.UserBurst < 1 || m.UserBurst > 1000 {
		ps.add("commands.userBurst", "%d must be between 1 and 1000", m.UserBurst)
	}
	if m.Concurrency < 1 || m.Concurrency > 256 {
		ps.add("commands.concurrency", "%d must be between 1 and 256", m.Concurrency)
	}
	if m.QPS <= 0 || m.QPS > 1000 {
		ps.add("commands.qps", "%v must be between 0 and 1000", m.QPS)
	}
	if m.Burst < 1 || m.Burst > 2000 {
		ps.add("commands.burst", "%d must be between 1 and 2000", m.Burst)
	}
	for _, p := range m.SecretEnvNames {
		if _, err := path.Match(p, ""); err != nil || p == "" {
			ps.add("commands.secretEnvNames", "%q is not a valid glob pattern", p)
		}
	}
}

// LeaderElection runs the alert pipeline on one replica at a time (a Lease
// in POD_NAMESPACE); every replica serves chat commands.
type LeaderElection struct {
	// Enabled defaults to false for single-process runs; the Helm chart
	// turns it on.
	Enabled       *bool    `yaml:"enabled"`
	LeaseName     string   `yaml:"leaseName"`     // default "watchkeeper"
	LeaseDuration Duration `yaml:"leaseDuration"` // default 15s
	RenewDeadline Duration `yaml:"renewDeadline"` // default 10s
	RetryPeriod   Duration `yaml:"retryPeriod"`   // default 2s
}

// IsEnabled reports whether leader election is on (default off).
func (l LeaderElection) IsEnabled() bool { return l.Enabled != nil && *l.Enabled }

func (c *Config) applyLeaderDefaults() {
	l := &c.LeaderElection
	if l.LeaseName == "" {
		l.LeaseName = "watchkeeper"
	}
	if l.LeaseDuration == 0 {
		l.LeaseDuration = Duration(15 * time.Second)
	}
	if l.RenewDeadline == 0 {
		l.RenewDeadline = Duration(10 * time.Second)
	}
	if l.RetryPeriod == 0 {
		l.RetryPeriod = Duration(2 * time.Second)
	}
}

func (c *Config) validateLeader(ps *Problems) {
	l := c.LeaderElection
	if !dns1123Label.MatchString(l.LeaseName) || len(l.LeaseName) > 63 {
		ps.add("leaderElection.leaseName", "%q must be a DNS-1123 name", l.LeaseName)
	}
	lease, renew, retry := time.Duration(l.LeaseDuration), time.Duration(l.RenewDeadline), time.Duration(l.RetryPeriod)
	switch {
	case retry <= 0:
		ps.add("leaderElection.retryPeriod", "%s must be positive", retry)
	case renew <= retry:
		ps.add("leaderElection.renewDeadline", "%s must be longer than retryPeriod (%s)", renew, retry)
	case lease <= renew:
		ps.add("leaderElection.leaseDuration", "%s must be longer than renewDeadline (%s)", lease, renew)
	}
}
