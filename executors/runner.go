package executors

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/discovery/cached/disk"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/restmapper"
)

// Identity is the Kubernetes identity a command runs as: the impersonated
// user and groups (rbac.ImpersonationFor). An empty User runs as
// Watchkeeper's own service account; the bot only does that when
// impersonation is switched off in the config.
type Identity struct {
	User   string
	Groups []string
}

// Result is what a command produced.
type Result struct {
	// Text is the output as the CLI would print it (a kubectl table, a
	// describe, log lines), already redacted and capped at MaxOutputBytes.
	Text string
	// Summary is one line saying what changed, for mutating commands
	// ("deployment.apps/api restarted"); empty for read-only ones.
	Summary string
	// Truncated says Text was cut at MaxOutputBytes.
	Truncated bool
}

// HelmExecutor runs helm commands; implemented by executors/helm and
// injected so this package does not import helm.
type HelmExecutor interface {
	Run(ctx context.Context, id Identity, cmd Command) (Result, error)
}

// Options configures a Runner.
type Options struct {
	// Config is Watchkeeper's own rest config; it is copied, never changed.
	// Commands get their own client with QPS and Burst so they never starve
	// the watchers, and the reverse.
	Config *rest.Config
	QPS    float32 // default 20
	Burst  int     // default 40
	// CacheDir holds the discovery cache; it must be writable (an emptyDir
	// in the cluster, where the root filesystem is read-only). Default: a
	// directory under os.TempDir().
	CacheDir string
	// DefaultNamespace is used when a command names none. Default "default".
	DefaultNamespace string
	// MaxOutputBytes caps what is read from the API for one reply. Default 1 MiB.
	MaxOutputBytes int64
	// MaxReplicas bounds scale --replicas. Default 50.
	MaxReplicas int32
	// DefaultTail and MaxTail bound logs --tail. Defaults 100 and 5000.
	DefaultTail, MaxTail int64
	// SecretEnvNames are case-insensitive glob patterns of environment
	// variable names whose values are masked in get -o yaml/json and describe.
	// Default *PASSWORD*, *TOKEN*, *SECRET*, *KEY*, *CREDENTIAL*.
	SecretEnvNames []string
	// Redact masks credentials in log lines (internal/redact). Nil: none.
	Redact func(line string) string
	// Helm runs helm commands. Nil: helm commands are refused.
	Helm HelmExecutor
	// Now is the clock (ages in tables). Default time.Now.
	Now func() time.Time
}

// Runner runs kubectl commands in-process. It is safe for concurrent use.
type Runner struct {
	opts      Options
	base      *rest.Config
	discovery discovery.CachedDiscoveryInterface
	mapper    meta.RESTMapper
	deferred  *restmapper.DeferredDiscoveryRESTMapper
}

// DefaultSecretEnvNames are the env var name patterns masked by default.
var defaultSecretEnvNames = []string{"*PASSWORD*", "*PASSWD*", "*TOKEN*", "*SECRET*", "*KEY*", "*CREDENTIAL*"}

// DefaultSecretEnvNames returns the default masked env var name patterns.
func DefaultSecretEnvNames() []string { return append([]string(nil), defaultSecretEnvNames...) }

// New builds a Runner. It makes no API call: discovery is loaded lazily.
func New(opts Options) (*Runner, error) {
	if opts.Config == nil {
		return nil, errors.New("executors: rest config is required")
	}
	if opts.QPS <= 0 {
		opts.QPS = 20
	}
	if opts.Burst <= 0 {
		opts.Burst = 40
	}
	if opts.DefaultNamespace == "" {
		opts.DefaultNamespace = "default"
	}
	if opts.MaxOutputBytes <= 0 {
		opts.MaxOutputBytes = 1 << 20
	}
	if opts.MaxReplicas <= 0 {
		opts.MaxReplicas = 50
	}
	if opts.DefaultTail <= 0 {
		opts.DefaultTail = 100
	}
	if opts.MaxTail <= 0 {
		opts.MaxTail = 5000
	}
	if opts.SecretEnvNames == nil {
		opts.SecretEnvNames = DefaultSecretEnvNames()
	}
	if opts.Redact == nil {
		opts.Redact = func(s string) string { return s }
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.CacheDir == "" {
		opts.CacheDir = filepath.Join(os.TempDir(), "watchkeeper-cache")
	}
	base := rest.CopyConfig(opts.Config)
	base.QPS, base.Burst = opts.QPS, opts.Burst
	base.UserAgent = "watchkeeper-commands"
	// Never inherit an impersonation from the base config.
	base.Impersonate = rest.ImpersonationConfig{}
	if err := os.MkdirAll(opts.CacheDir, 0o700); err != nil {
		return nil, fmt.Errorf("executors: cache dir: %w", err)
	}
	dc, deferred, mapper, err := NewDiscovery(base, opts.CacheDir)
	if err != nil {
		return nil, err
	}
	return &Runner{
		opts:      opts,
		base:      base,
		discovery: dc,
		deferred:  deferred,
		mapper:    mapper,
	}, nil
}

// NewDiscovery returns a discovery client cached on disk under cacheDir
// (per API server host) and a RESTMapper over it that knows short names.
// Discovery is the same for every identity (system:discovery), so one cache
// serves all impersonated users; it runs as cfg's identity.
func NewDiscovery(cfg *rest.Config, cacheDir string) (discovery.CachedDiscoveryInterface, *restmapper.DeferredDiscoveryRESTMapper, meta.RESTMapper, error) {
	host := strings.NewReplacer("/", "_", ":", "_").Replace(cfg.Host)
	dc, err := disk.NewCachedDiscoveryClientForConfig(cfg,
		filepath.Join(cacheDir, "discovery", host), filepath.Join(cacheDir, "http"), 10*time.Minute)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("discovery client: %w", err)
	}
	deferred := restmapper.NewDeferredDiscoveryRESTMapper(dc)
	return dc, deferred, restmapper.NewShortcutExpander(deferred, dc, func(string) {}), nil
}

// Options returns the Runner's options with defaults applied.
func (r *Runner) Options() Options { return r.opts }

// RESTConfig returns the rest config for id: the commands client config with
// impersonation set. A copy; callers may change it.
func (r *Runner) RESTConfig(id Identity) *rest.Config {
	cfg := rest.CopyConfig(r.base)
	if id.User != "" {
		cfg.Impersonate = rest.ImpersonationConfig{UserName: id.User, Groups: append([]string(nil), id.Groups...)}
	}
	return cfg
}

// Clientset returns a typed client acting as id.
func (r *Runner) Clientset(id Identity) (kubernetes.Interface, error) {
	cs, err := kubernetes.NewForConfig(r.RESTConfig(id))
	if err != nil {
		return nil, fmt.Errorf("client for %s: %w", id.User, err)
	}
	return cs, nil
}

// Namespace is the namespace cmd runs in: its -n or the default.
func (r *Runner) Namespace(cmd Command) string {
	if cmd.Namespace != "" {
		return cmd.Namespace
	}
	return r.opts.DefaultNamespace
}

// Run executes one kubectl command as id (helm commands go to Options.Helm).
// Errors meant for the person are *UserError; the bot shows their text. Any
// other error is reported as a failure without internals.
func (r *Runner) Run(ctx context.Context, id Identity, cmd Command) (Result, error) {
	if err := hardDeny(cmd); err != nil {
		return Result{}, err
	}
	if cmd.Tool == ToolHelm {
		if r.opts.Helm == nil {
			return Result{}, Userf("helm commands are not enabled on this Watchkeeper.")
		}
		res, err := r.opts.Helm.Run(ctx, id, cmd)
		return res, Friendly(err)
	}
	if cmd.Tool != ToolKubectl {
		return Result{}, fmt.Errorf("executors: %s is not a kubectl command", cmd.Tool)
	}
	c := &call{r: r, id: id, cmd: cmd, ns: r.Namespace(cmd)}
	var (
		res Result
		err error
	)
	switch cmd.Verb {
	case "get":
		res, err = r.get(ctx, c)
	case "describe":
		res, err = r.describe(ctx, c)
	case "events":
		res, err = r.events(ctx, c)
	case "logs":
		res, err = r.logs(ctx, c)
	case "top":
		res, err = r.top(ctx, c)
	case "rollout":
		res, err = r.rollout(ctx, c)
	case "scale":
		res, err = r.scale(ctx, c)
	case "delete":
		res, err = r.delete(ctx, c)
	case "cordon", "uncordon":
		res, err = r.cordon(ctx, c)
	default:
		return Result{}, Userf("`%s` is not available from chat.", cmd.Verb)
	}
	return res, Friendly(err)
}

// call is one command in flight.
type call struct {
	r   *Runner
	id  Identity
	cmd Command
	ns  string // the namespace it runs in (the default applied); ignore with -A
}

// getter is the cli-runtime RESTClientGetter for this call: impersonated
// config, shared discovery cache and RESTMapper.
func (c *call) getter() *clientGetter { return &clientGetter{r: c.r, id: c.id} }

type clientGetter struct {
	r  *Runner
	id Identity
}

func (g *clientGetter) ToRESTConfig() (*rest.Config, error) { return g.r.RESTConfig(g.id), nil }
func (g *clientGetter) ToDiscoveryClient() (discovery.CachedDiscoveryInterface, error) {
	return g.r.discovery, nil
}
func (g *clientGetter) ToRESTMapper() (meta.RESTMapper, error) { return g.r.mapper, nil }
