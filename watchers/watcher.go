package watchers

import (
	"context"
	"errors"
	"fmt"
	"path"
	"sync/atomic"
	"time"

	"github.com/rs/zerolog"
	"golang.org/x/sync/errgroup"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/metadata"
	"k8s.io/client-go/metadata/metadatainformer"
	"k8s.io/client-go/tools/cache"

	"github.com/watchkeeper/watchkeeper/notifier"
	"github.com/watchkeeper/watchkeeper/watchers/detectors"
)

// AlertSink receives the current state of every watched object. It must not
// block; ErrQueueFull-style errors make the worker retry the key later.
type AlertSink interface {
	Observe(o notifier.Observation) error
	// Synced is called once every object present at start-up was observed.
	Synced()
}

// Config configures the watchers.
type Config struct {
	// Cluster names this cluster on every alert.
	Cluster string
	// IncludeNamespaces and ExcludeNamespaces are globs; empty include means all.
	IncludeNamespaces []string
	ExcludeNamespaces []string
	// Detectors configures the pod detectors.
	Detectors detectors.Config
	// Workers is how many keys are processed at once. Default 4.
	Workers int
	// SyncTimeout bounds the initial cache sync. Default 2m.
	SyncTimeout time.Duration
	// Now is the clock; default time.Now.
	Now func() time.Time
}

func (c Config) withDefaults() Config {
	if c.Workers <= 0 {
		c.Workers = 4
	}
	if c.SyncTimeout <= 0 {
		c.SyncTimeout = 2 * time.Minute
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	c.Detectors = c.Detectors.WithDefaults()
	return c
}

// Watcher owns the informers and the workers of the alert pipeline's first
// half.
type Watcher struct {
	cfg      Config
	client   kubernetes.Interface
	metadata metadata.Interface
	sink     AlertSink
	log      zerolog.Logger
	synced   atomic.Bool
}

// New builds a Watcher. Informers are created and started in Start, never here.
func New(cfg Config, client kubernetes.Interface, meta metadata.Interface, sink AlertSink, log zerolog.Logger) (*Watcher, error) {
	if client == nil || meta == nil {
		return nil, errors.New("watchers: kubernetes and metadata clients are required")
	}
	if sink == nil {
		return nil, errors.New("watchers: alert sink is required")
	}
	for i, g := range append(append([]string{}, cfg.IncludeNamespaces...), cfg.ExcludeNamespaces...) {
		if _, err := path.Match(g, ""); err != nil {
			return nil, fmt.Errorf("watchers.namespaces: glob %d %q: %w", i, g, err)
		}
	}
	return &Watcher{cfg: cfg.withDefaults(), client: client, metadata: meta, sink: sink,
		log: log.With().Str("component", "watchers").Logger()}, nil
}

// Ready reports nil once every informer cache has synced.
func (w *Watcher) Ready() error {
	if !w.synced.Load() {
		return errors.New("informer caches not synced")
	}
	return nil
}

// watchesNamespace applies the include/exclude globs.
func (w *Watcher) watchesNamespace(ns string) bool {
	if len(w.cfg.IncludeNamespaces) > 0 && !matchAny(w.cfg.IncludeNamespaces, ns) {
		return false
	}
	return !matchAny(w.cfg.ExcludeNamespaces, ns)
}

func matchAny(globs []string, s string) bool {
	for _, g := range globs {
		if ok, _ := path.Match(g, s); ok {
			return true
		}
	}
	return false
}

// Start runs the informers and workers until ctx ends. It fails if the
// caches cannot sync within SyncTimeout (typically missing RBAC), so a
// misconfigured deployment is loud instead of silently blind.
func (w *Watcher) Start(ctx context.Context) error {
	// Resync 0: detection is level-based on real changes, and time-based
	// findings are rechecked explicitly.
	factory := informers.NewSharedInformerFactoryWithOptions(w.client, 0, informers.WithTransform(trimPod))
	meta := metadatainformer.NewSharedInformerFactoryWithOptions(w.metadata, 0, metadatainformer.WithTransform(trimMetadata))
	podInf := factory.Core().V1().Pods()
	rsInf := meta.ForResource(schema.GroupVersionResource{Group: "apps", Version: "v1", Resource: "replicasets"})
	jobInf := meta.ForResource(schema.GroupVersionResource{Group: "batch", Version: "v1", Resource: "jobs"})
	owners := newOwnerResolver(rsInf.Lister(), jobInf.Lister())

	pods := newPodController(w, podInf.Lister(), owners)
	if _, err := podInf.Informer().AddEventHandler(pods.handler()); err != nil {
		return fmt.Errorf("watchers: add pod handler: %w", err)
	}
	for name, inf := range map[string]cache.SharedIndexInformer{"pods": podInf.Informer(), "replicasets": rsInf.Informer(), "jobs": jobInf.Informer()} {
		if err := inf.SetWatchErrorHandlerWithContext(func(_ context.Context, _ *cache.Reflector, err error) {
			w.log.Warn().Err(err).Str("resource", name).Msg("watch failed, retrying")
		}); err != nil {
			return fmt.Errorf("watchers: set watch error handler: %w", err)
		}
	}
	factory.Start(ctx.Done())
	meta.Start(ctx.Done())
	defer factory.Shutdown()
	defer meta.Shutdown()
	defer pods.queue.ShutDown()

	syncCtx, cancel := context.WithTimeout(ctx, w.cfg.SyncTimeout)
	defer cancel()
	if !cache.WaitForCacheSync(syncCtx.Done(), podInf.Informer().HasSynced, rsInf.Informer().HasSynced, jobInf.Informer().HasSynced) {
		if ctx.Err() != nil {
			return nil
		}
		return fmt.Errorf("watchers: caches did not sync within %s (check the ClusterRole allows list and watch on pods, replicasets and jobs)", w.cfg.SyncTimeout)
	}
	w.synced.Store(true)
	pods.markInitial()
	w.log.Info().Int("pods", len(podInf.Informer().GetStore().ListKeys())).Msg("informer caches synced")

	g, gctx := errgroup.WithContext(ctx)
	for range w.cfg.Workers {
		g.Go(func() error { pods.runWorker(gctx); return nil })
	}
	<-ctx.Done()
	pods.queue.ShutDown()
	return g.Wait()
}
