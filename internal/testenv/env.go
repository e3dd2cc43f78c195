package testenv

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
)

// Identities the Env provisions client certificates for.
const (
	// AdminUser is the CN of the admin client certificate, in group
	// system:masters, which RBAC always allows.
	AdminUser = "admin"
	// WatchkeeperUser is the CN, with no groups, of the identity Watchkeeper
	// runs as in tests. It has no rights until the test grants them.
	WatchkeeperUser = "watchkeeper"
)

// Options configures [Start]. The zero value is valid.
type Options struct {
	// BinDir holds the etcd and kube-apiserver binaries.
	// Default: the result of [BinDir].
	BinDir string
	// WatchkeeperRBAC lists YAML files (several documents each) applied with
	// the admin identity once the apiserver is ready; see [Env.Apply].
	// Default: none.
	WatchkeeperRBAC []string
	// BindClusterRoles names ClusterRoles, from WatchkeeperRBAC or built in
	// (such as "view"; see [Env.BindClusterRole] on aggregation), that are
	// bound to [WatchkeeperUser]. Default: none.
	BindClusterRoles []string
	// StartTimeout bounds the wait for etcd and kube-apiserver to become ready
	// and for the RBAC files to be applied. Default: 60s.
	StartTimeout time.Duration
	// StopGrace is how long [Env.Stop] waits after SIGTERM before SIGKILL.
	// Default: 10s.
	StopGrace time.Duration
	// TempDir is where the Env's directory is created. Default: os.TempDir().
	TempDir string
	// APIServerFlags are passed to kube-apiserver after the defaults, so a
	// single-valued flag given here wins. Default: none.
	APIServerFlags []string
}

func (o Options) withDefaults() Options {
	if o.StartTimeout <= 0 {
		o.StartTimeout = 60 * time.Second
	}
	if o.StopGrace <= 0 {
		o.StopGrace = 10 * time.Second
	}
	if o.TempDir == "" {
		o.TempDir = os.TempDir()
	}
	return o
}

// Env is a running etcd and kube-apiserver. Its exported fields are set by
// [Start] and must not be modified; copy a config with rest.CopyConfig before
// changing it.
type Env struct {
	// Dir holds certificates, kubeconfigs, etcd data and the process logs
	// (etcd.log, kube-apiserver.log). Stop removes it.
	Dir string
	// Host is the apiserver URL, https://127.0.0.1:<port>.
	Host string

	// AdminConfig authenticates as [AdminUser] (system:masters). It is for
	// test setup, so client-side rate limiting is off (QPS -1).
	AdminConfig *rest.Config
	// AdminKubeconfig is the path of a kubeconfig file for AdminConfig.
	AdminKubeconfig string
	// WatchkeeperConfig authenticates as [WatchkeeperUser], with no groups,
	// and client-go's default rate limits.
	WatchkeeperConfig *rest.Config
	// WatchkeeperKubeconfig is the path of a kubeconfig file for
	// WatchkeeperConfig.
	WatchkeeperKubeconfig string

	opts      Options
	ca        *authority
	admin     kubernetes.Interface // AdminConfig's clientset, for setup
	etcd      *process
	apiserver *process
	syncSeq   atomic.Uint64 // names the objects of each RBAC sync barrier

	done     chan struct{} // closed when a child process exits
	stopping atomic.Bool
	exitErr  error // set before done is closed, unless stopping

	stopOnce sync.Once
	stopErr  error
}

const (
	dirPrefix = "watchkeeper-testenv-"
	ownerFile = "owner.pid"
)

// Start starts etcd and kube-apiserver on random loopback ports, waits until
// the apiserver reports ready, provisions the admin and Watchkeeper
// identities and applies opts.WatchkeeperRBAC. The processes are not tied to
// ctx, which bounds only the start; call [Env.Stop] to end them.
func Start(ctx context.Context, opts Options) (*Env, error) {
	opts = opts.withDefaults()
	if opts.BinDir == "" {
		dir, err := BinDir(ctx)
		if err != nil {
			return nil, err
		}
		opts.BinDir = dir
	} else if err := checkBinaries(opts.BinDir); err != nil {
		return nil, fmt.Errorf("bin dir %s: %w", opts.BinDir, err)
	}
	sweepStaleDirs(opts.TempDir)

	// Free ports are picked by binding and releasing them, so another process
	// can take one before our child binds it; that is rare, and retried.
	var err error
	for attempt := 0; attempt < 3; attempt++ {
		var e *Env
		e, err = start(ctx, opts)
		if err == nil {
			return e, nil
		}
		if !errors.Is(err, errPortInUse) {
			break
		}
	}
	return nil, err
}

func start(ctx context.Context, opts Options) (_ *Env, err error) {
	if err := os.MkdirAll(opts.TempDir, 0o755); err != nil {
		return nil, fmt.Errorf("create temp dir: %w", err)
	}
	dir, err := os.MkdirTemp(opts.TempDir, dirPrefix)
	if err != nil {
		return nil, fmt.Errorf("create env dir: %w", err)
	}
	e := &Env{Dir: dir, opts: opts, done: make(chan struct{})}
	defer func() {
		if err != nil {
			err = errors.Join(err, e.Stop())
		}
	}()
	if err := os.WriteFile(filepath.Join(dir, ownerFile), []byte(strconv.Itoa(os.Getpid())), 0o600); err != nil {
		return nil, fmt.Errorf("write owner file: %w", err)
	}

	ctx, cancel := context.WithTimeout(ctx, opts.StartTimeout)
	defer cancel()
	if err := e.startProcesses(ctx); err != nil {
		return nil, err
	}
	go e.watchProcesses()

	if err := e.provisionIdentities(); err != nil {
		return nil, err
	}
	if err := e.ensureNamespace(ctx, "default"); err != nil {
		return nil, err
	}
	if len(opts.WatchkeeperRBAC) > 0 || len(opts.BindClusterRoles) > 0 {
		if err := e.applyFiles(ctx, opts.WatchkeeperRBAC); err != nil {
			return nil, err
		}
		for _, role := range opts.BindClusterRoles {
			if err := e.bindClusterRole(ctx, role, WatchkeeperUser); err != nil {
				return nil, err
			}
		}
		if err := e.SyncRBAC(ctx); err != nil {
			return nil, err
		}
	}
	return e, nil
}

// watchProcesses closes done when either child exits, recording why unless
// the exit was caused by Stop.
func (e *Env) watchProcesses() {
	var p *process
	select {
	case <-e.etcd.done:
		p = e.etcd
	case <-e.apiserver.done:
		p = e.apiserver
	}
	if !e.stopping.Load() {
		e.exitErr = fmt.Errorf("%w\n%s", p.exitError(), p.logTail(20))
	}
	close(e.done)
}

// Done is closed when etcd or kube-apiserver exits, whether by [Env.Stop]
// or on its own; [Env.Err] then says why.
func (e *Env) Done() <-chan struct{} { return e.done }

// Err returns nil until [Env.Done] is closed, then nil if the processes were
// stopped by [Env.Stop], or the unexpected exit with the tail of its log.
func (e *Env) Err() error {
	select {
	case <-e.done:
		return e.exitErr
	default:
		return nil
	}
}

// NewUserConfig returns a config that authenticates with a fresh client
// certificate for user name in the given groups. RBAC grants it nothing
// unless a binding names the user or one of the groups.
func (e *Env) NewUserConfig(name string, groups ...string) (*rest.Config, error) {
	certPEM, keyPEM, err := e.ca.clientCert(name, groups)
	if err != nil {
		return nil, fmt.Errorf("client certificate for %q: %w", name, err)
	}
	return e.restConfig(certPEM, keyPEM), nil
}

func (e *Env) restConfig(certPEM, keyPEM []byte) *rest.Config {
	return &rest.Config{
		Host: e.Host,
		TLSClientConfig: rest.TLSClientConfig{
			CAData:   e.ca.certPEM,
			CertData: certPEM,
			KeyData:  keyPEM,
		},
	}
}

// provisionIdentities creates the Watchkeeper identity and writes both
// kubeconfig files; the admin config already exists from startup.
func (e *Env) provisionIdentities() error {
	wk, err := e.NewUserConfig(WatchkeeperUser)
	if err != nil {
		return err
	}
	e.WatchkeeperConfig = wk
	e.AdminKubeconfig = filepath.Join(e.Dir, "admin.kubeconfig")
	if err := WriteKubeconfig(e.AdminKubeconfig, AdminUser, e.AdminConfig); err != nil {
		return err
	}
	e.WatchkeeperKubeconfig = filepath.Join(e.Dir, "watchkeeper.kubeconfig")
	return WriteKubeconfig(e.WatchkeeperKubeconfig, WatchkeeperUser, e.WatchkeeperConfig)
}

// Stop stops kube-apiserver, then etcd (SIGTERM, then SIGKILL after
// Options.StopGrace), and removes [Env.Dir]. It is safe to call more than
// once and from several goroutines; later calls return the first result.
func (e *Env) Stop() error {
	e.stopOnce.Do(func() {
		e.stopping.Store(true)
		var errs []error
		for _, p := range []*process{e.apiserver, e.etcd} {
			if p != nil {
				errs = append(errs, p.stop(e.opts.StopGrace))
			}
		}
		if err := os.RemoveAll(e.Dir); err != nil {
			errs = append(errs, fmt.Errorf("remove env dir: %w", err))
		}
		e.stopErr = errors.Join(errs...)
	})
	return e.stopErr
}

// sweepStaleDirs removes the directories of Envs whose owning process has
// died without calling Stop (a test binary killed by a timeout or a panic).
// Failures are ignored: the sweep only saves disk space.
func sweepStaleDirs(parent string) {
	dirs, _ := filepath.Glob(filepath.Join(parent, dirPrefix+"*"))
	for _, dir := range dirs {
		data, err := os.ReadFile(filepath.Join(dir, ownerFile))
		if err != nil {
			continue // not ours, or being created right now
		}
		pid, err := strconv.Atoi(strings.TrimSpace(string(data)))
		if err != nil || pid <= 0 || processAlive(pid) {
			continue
		}
		_ = os.RemoveAll(dir)
	}
}
