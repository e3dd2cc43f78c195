package helm

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"helm.sh/helm/v3/pkg/action"
	"helm.sh/helm/v3/pkg/storage/driver"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/rest"

	"github.com/watchkeeper/watchkeeper/executors"
)

// Options configures a Runner. The zero value of every field but Config
// means its default.
type Options struct {
	// Config is Watchkeeper's own rest config; it is copied, never changed.
	Config *rest.Config
	// QPS and Burst rate-limit the helm client. Defaults 20 and 40.
	QPS   float32
	Burst int
	// CacheDir holds the discovery cache and must be writable (an emptyDir in
	// the cluster, where the root filesystem is read-only). Default: a
	// directory under os.TempDir().
	CacheDir string
	// DefaultNamespace is used when a command names none. Default "default".
	DefaultNamespace string
	// Timeout bounds every command, including the helm actions that take no
	// context. Default 30s.
	Timeout time.Duration
	// MaxOutputBytes caps Result.Text. Default 1 MiB.
	MaxOutputBytes int64
	// SecretKeys are case-insensitive substrings of value keys whose values
	// `get values` masks. Default: DefaultSecretKeys().
	SecretKeys []string
	// Log receives helm's debug messages. Default: discarded.
	Log func(format string, args ...any)
}

// defaultSecretKeys are the value keys masked by default: helm charts name
// credentials dbPassword, apiToken, clientSecret, accessKey and the like.
var defaultSecretKeys = []string{"password", "token", "secret", "key"}

// DefaultSecretKeys returns the default masked value key substrings.
func DefaultSecretKeys() []string { return append([]string(nil), defaultSecretKeys...) }

// storageDriver is where helm 3 keeps releases unless told otherwise; the
// helm CLI's default (HELM_DRIVER unset).
const storageDriver = "secret"

// Runner runs helm commands in-process. It holds no per-request state and is
// safe for concurrent use.
type Runner struct {
	opts      Options
	base      *rest.Config
	discovery discovery.CachedDiscoveryInterface
	mapper    meta.RESTMapper
}

// New builds a Runner. It makes no API call: discovery is loaded lazily.
func New(opts Options) (*Runner, error) {
	if opts.Config == nil {
		return nil, errors.New("helm: rest config is required")
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
	if opts.Timeout <= 0 {
		opts.Timeout = 30 * time.Second
	}
	if opts.MaxOutputBytes <= 0 {
		opts.MaxOutputBytes = 1 << 20
	}
	if opts.SecretKeys == nil {
		opts.SecretKeys = DefaultSecretKeys()
	}
	keys := make([]string, 0, len(opts.SecretKeys)) // the caller's slice stays theirs
	for _, k := range opts.SecretKeys {
		keys = append(keys, strings.ToLower(k))
	}
	opts.SecretKeys = keys
	if opts.Log == nil {
		opts.Log = func(string, ...any) {}
	}
	if opts.CacheDir == "" {
		opts.CacheDir = filepath.Join(os.TempDir(), "watchkeeper-cache")
	}
	base := rest.CopyConfig(opts.Config)
	base.QPS, base.Burst = opts.QPS, opts.Burst
	base.UserAgent = "watchkeeper-helm"
	// Never inherit an impersonation from the base config.
	base.Impersonate = rest.ImpersonationConfig{}
	if err := os.MkdirAll(opts.CacheDir, 0o700); err != nil {
		return nil, fmt.Errorf("helm: cache dir: %w", err)
	}
	// Discovery is the same for every identity (system:discovery), so one
	// cache serves all; it runs as Watchkeeper, bounded by the timeout.
	dcConfig := rest.CopyConfig(base)
	dcConfig.Timeout = opts.Timeout
	dc, _, mapper, err := executors.NewDiscovery(dcConfig, opts.CacheDir)
	if err != nil {
		return nil, fmt.Errorf("helm: %w", err)
	}
	return &Runner{
		opts:      opts,
		base:      base,
		discovery: dc,
		mapper:    mapper,
	}, nil
}

// Options returns the Runner's options with defaults applied.
func (r *Runner) Options() Options { return r.opts }

// Run executes one helm command as id. Errors meant for the person are
// *executors.UserError (a release that does not exist, a refusal by the
// cluster, a timeout); anything else is an internal failure.
func (r *Runner) Run(ctx context.Context, id executors.Identity, cmd executors.Command) (executors.Result, error) {
	res, err := r.run(ctx, id, cmd)
	// Friendly here as well as in executors.Runner, so the message is right
	// whichever way this is called.
	return res, executors.Friendly(err)
}

func (r *Runner) run(ctx context.Context, id executors.Identity, cmd executors.Command) (executors.Result, error) {
	if cmd.Tool != executors.ToolHelm {
		return executors.Result{}, fmt.Errorf("helm: %s is not a helm command", cmd.Tool)
	}
	c := &call{r: r, cmd: cmd, ns: cmd.Namespace}
	if c.ns == "" {
		c.ns = r.opts.DefaultNamespace
	}
	if cmd.Verb == "list" {
		if len(cmd.Names) != 0 {
			return executors.Result{}, executors.Userf("`helm list` takes no release name.")
		}
	} else {
		if len(cmd.Names) != 1 {
			return executors.Result{}, executors.Userf("`helm %s` needs exactly one release name.", cmd.Verb)
		}
		c.name = cmd.Names[0]
	}

	ctx, cancel := context.WithTimeout(ctx, r.opts.Timeout)
	defer cancel()
	c.ctx = ctx
	storageNS := c.ns
	if cmd.Verb == "list" && cmd.AllNamespaces {
		storageNS = "" // as `helm list -A`: release Secrets in every namespace
	}
	cfg, err := r.configuration(ctx, id, c.ns, storageNS)
	if err != nil {
		return executors.Result{}, err
	}
	c.cfg = cfg

	var res executors.Result
	switch cmd.Verb {
	case "list":
		res, err = c.list()
	case "status":
		res, err = c.status()
	case "history":
		res, err = c.history()
	case "get-values":
		res, err = c.values()
	case "rollback":
		res, err = c.rollback()
	case "uninstall":
		res, err = c.uninstall()
	default:
		return executors.Result{}, executors.Userf("`helm %s` is not available from chat.", cmd.Verb)
	}
	if err != nil {
		return executors.Result{}, c.wrap(err)
	}
	return res, nil
}

// configuration builds the helm action configuration for one call: a kube
// client for namespace and release storage in storageNS ("" for all).
// Action.Init makes no API call.
func (r *Runner) configuration(ctx context.Context, id executors.Identity, namespace, storageNS string) (*action.Configuration, error) {
	cfg := rest.CopyConfig(r.base)
	if id.User != "" {
		cfg.Impersonate = rest.ImpersonationConfig{UserName: id.User, Groups: append([]string(nil), id.Groups...)}
	}
	// A last bound on every request, should one outlive the call's context.
	cfg.Timeout = r.opts.Timeout
	cfg.Wrap(func(rt http.RoundTripper) http.RoundTripper { return ctxTransport{ctx: ctx, rt: rt} })
	getter := &clientGetter{config: cfg, discovery: r.discovery, mapper: r.mapper, namespace: namespace}
	ac := new(action.Configuration)
	if err := ac.Init(getter, storageNS, storageDriver, r.opts.Log); err != nil {
		return nil, fmt.Errorf("helm: init: %w", err)
	}
	return ac, nil
}

// call is one command in flight.
type call struct {
	r    *Runner
	ctx  context.Context // ends at the command's deadline
	cfg  *action.Configuration
	cmd  executors.Command
	ns   string // the namespace (the default applied); ignored with list -A
	name string // the release; "" for list
}

// wrap turns an action's error into what Run returns: helm's own wording for
// a missing release, the API status for the rest (Friendly reads it through
// the wrapping).
func (c *call) wrap(err error) error {
	var ue *executors.UserError
	switch {
	case errors.As(err, &ue):
		return err
	case errors.Is(err, driver.ErrReleaseNotFound):
		// helm prints "Error: release: not found" (uninstall adds a prefix);
		// the reply keeps helm's words and says where it looked.
		return executors.Userf("%s: no release %q in namespace %q", driver.ErrReleaseNotFound, c.name, c.ns)
	}
	if c.name == "" {
		return fmt.Errorf("helm %s %s: %w", c.cmd.Verb, c.ns, err)
	}
	return fmt.Errorf("helm %s %s/%s: %w", c.cmd.Verb, c.ns, c.name, err)
}

// bounded runs fn, an action that takes no context, and returns its result,
// or a timed-out *executors.UserError as soon as the call's context ends.
// fn may then go on in its goroutine, but every request it makes fails at
// once (ctxTransport), so it ends promptly.
func bounded[T any](c *call, fn func() (T, error)) (T, error) {
	var zero T
	if c.ctx.Err() != nil {
		return zero, c.timedOut()
	}
	type result struct {
		v   T
		err error
	}
	done := make(chan result, 1) // buffered: an abandoned fn must not block
	go func() {
		var res result
		// A panic in helm (helm/helm#1347 is one) must fail this command, not
		// the process: it would otherwise escape on this goroutine.
		defer func() {
			if p := recover(); p != nil {
				res.err = fmt.Errorf("helm %s panicked: %v", c.cmd.Verb, p)
			}
			done <- res
		}()
		res.v, res.err = fn()
	}()
	select {
	case res := <-done:
		if res.err != nil && c.ctx.Err() != nil {
			return zero, c.timedOut() // failed because the deadline cut it
		}
		return res.v, res.err
	case <-c.ctx.Done():
		return zero, c.timedOut()
	}
}

func (c *call) timedOut() error {
	// The same words for a deadline and a cancelled request: either way the
	// command did not finish, and a mutating one may have half-run.
	return executors.Userf("`%s` timed out before it finished.", c.cmd.String())
}
