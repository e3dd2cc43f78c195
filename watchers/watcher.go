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
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/metadata"
	"k8s.io/client-go/metadata/metadatainformer"
	"k8s.io/client-go/tools/cache"

	"github.com/watchkeeper/watchkeeper/notifier"
	"github.com/watchkeeper/watchkeeper/watchers/capacity"
	"github.com/watchkeeper/watchkeeper/watchers/detectors"
	"github.com/watchkeeper/watchkeeper/watchers/volumestats"
)

// AlertSink receives the current state of every watched object. It must not
// block; an error (queue full) makes the worker retry the key later.
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
	// Detectors configures the pod, node and PVC detectors.
	Detectors detectors.Config
	// Nodes turns node alerts on.
	Nodes bool
	// PVC configures PVC alerts (state and usage).
	PVC PVCConfig
	// Workers is how many keys each controller processes at once. Default 4.
	Workers int
	// SyncTimeout bounds the initial cache sync. Default 2m.
	SyncTimeout time.Duration
	// Now is the clock; default time.Now.
	Now func() time.Time
}

// PVCConfig configures PVC alerts.
type PVCConfig struct {
	Enabled bool
	// Interval between usage sweeps. Default 1m.
	Interval   time.Duration
	Thresholds capacity.Thresholds
	Overrides  []PVCOverride
	Tracker    capacity.Config
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
	if c.PVC.Interval <= 0 {
		c.PVC.Interval = time.Minute
	}
	if c.PVC.Thresholds == (capacity.Thresholds{}) {
		c.PVC.Thresholds = capacity.Thresholds{WarningPercent: 80, CriticalPercent: 90, ClearPercent: 75}
	}
	c.Detectors = c.Detectors.WithDefaults()
	return c
}

// Deps are the watchers' collaborators.
type Deps struct {
	Client   kubernetes.Interface
	Metadata metadata.Interface
	Sink     AlertSink
	// VolumeStats polls kubelets; required when PVC alerts are enabled.
	VolumeStats *volumestats.Client
}

// Watcher owns the informers and controllers of the alert pipeline's first half.
type Watcher struct {
	cfg      Config
	client   kubernetes.Interface
	metadata metadata.Interface
	stats    *volumestats.Client
	sink     AlertSink
	log      zerolog.Logger
	synced   atomic.Bool
}

// New builds a Watcher. Informers are created and started in Start, never here.
func New(cfg Config, deps Deps, log zerolog.Logger) (*Watcher, error) {
	if deps.Client == nil || deps.Metadata == nil {
		return nil, errors.New("watchers: kubernetes and metadata clients are required")
	}
	if deps.Sink == nil {
		return nil, errors.New("watchers: alert sink is required")
	}
	if cfg.PVC.Enabled && deps.VolumeStats == nil {
		return nil, errors.New("watchers: a volume stats client is required for PVC alerts")
	}
	for i, g := range append(append([]string{}, cfg.IncludeNamespaces...), cfg.ExcludeNamespaces...) {
		if _, err := path.Match(g, ""); err != nil {
			return nil, fmt.Errorf("watchers.namespaces: glob %d %q: %w", i, g, err)
		}
	}
	return &Watcher{cfg: cfg.withDefaults(), client: deps.Client, metadata: deps.Metadata, stats: deps.VolumeStats, sink: deps.Sink,
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

// Start runs the informers, controllers and the usage sweeper until ctx
// ends. It fails if the caches cannot sync within SyncTimeout (typically
// missing RBAC), so a misconfigured deployment is loud instead of blind.
func (w *Watcher) Start(ctx context.Context) error {
	// Resync 0: detection is level-based on real changes, and time-based
	// findings are rechecked explicitly (detectors' NextCheck).
	factory := informers.NewSharedInformerFactoryWithOptions(w.client, 0, informers.WithTransform(trimAny))
	meta := metadatainformer.NewSharedInformerFactoryWithOptions(w.metadata, 0, metadatainformer.WithTransform(trimMetadata))
	podInf := factory.Core().V1().Pods()
	if err := podInf.Informer().AddIndexers(cache.Indexers{pvcIndex: podPVCs}); err != nil {
		return fmt.Errorf("watchers: add pod index: %w", err)
	}
	rsInf := meta.ForResource(schema.GroupVersionResource{Group: "apps", Version: "v1", Resource: "replicasets"})
	jobInf := meta.ForResource(schema.GroupVersionResource{Group: "batch", Version: "v1", Resource: "jobs"})
	owners := newOwnerResolver(rsInf.Lister(), jobInf.Lister())

	informersToSync := map[string]cache.SharedIndexInformer{
		"pods": podInf.Informer(), "replicasets": rsInf.Informer(), "jobs": jobInf.Informer(),
	}
	pods := newController("pods", w.podSync(podInf.Lister(), owners), w.watchesNamespace)
	pods.informer = podInf.Informer()
	controllers := []*controller{pods}
	if _, err := podInf.Informer().AddEventHandler(pods.handler()); err != nil {
		return fmt.Errorf("watchers: add pod handler: %w", err)
	}
	var sweeper *usageSweeper
	if w.cfg.Nodes || w.cfg.PVC.Enabled {
		nodeInf := factory.Core().V1().Nodes()
		informersToSync["nodes"] = nodeInf.Informer()
		if w.cfg.Nodes {
			nodes := newController("nodes", w.nodeSync(nodeInf.Lister()), nil)
			nodes.informer = nodeInf.Informer()
			if _, err := nodeInf.Informer().AddEventHandler(nodes.handler()); err != nil {
				return fmt.Errorf("watchers: add node handler: %w", err)
			}
			controllers = append(controllers, nodes)
		}
		if w.cfg.PVC.Enabled {
			pvcInf := factory.Core().V1().PersistentVolumeClaims()
			informersToSync["persistentvolumeclaims"] = pvcInf.Informer()
			usage := newUsageState(w.cfg.PVC.Tracker)
			pvcs := newController("pvcs", w.pvcSync(ctx, pvcInf.Lister(), podInf.Informer().GetIndexer(), owners, usage), w.watchesNamespace)
			pvcs.informer = pvcInf.Informer()
			if _, err := pvcInf.Informer().AddEventHandler(pvcs.handler()); err != nil {
				return fmt.Errorf("watchers: add pvc handler: %w", err)
			}
			controllers = append(controllers, pvcs)
			sweeper = &usageSweeper{w: w, client: w.stats, pods: podInf.Informer().GetIndexer(), nodes: nodeInf.Lister(),
				pvcs: pvcInf.Lister(), state: usage, enqueue: pvcs.add, interval: w.cfg.PVC.Interval}
		}
	}
	for name, inf := range informersToSync {
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
	defer func() {
		for _, c := range controllers {
			c.queue.ShutDown()
		}
	}()

	syncCtx, cancel := context.WithTimeout(ctx, w.cfg.SyncTimeout)
	defer cancel()
	var synced []cache.InformerSynced
	for _, inf := range informersToSync {
		synced = append(synced, inf.HasSynced)
	}
	if !cache.WaitForCacheSync(syncCtx.Done(), synced...) {
		if ctx.Err() != nil {
			return nil
		}
		return fmt.Errorf("watchers: caches did not sync within %s (check the ClusterRole allows list and watch on pods, nodes, persistentvolumeclaims, replicasets and jobs)", w.cfg.SyncTimeout)
	}
	w.synced.Store(true)
	w.log.Info().Int("pods", len(podInf.Informer().GetStore().ListKeys())).Msg("informer caches synced")

	// The sink hears Synced once every controller has observed every
	// object that existed at start-up.
	remaining := atomic.Int32{}
	remaining.Store(int32(len(controllers)))
	for _, c := range controllers {
		c.markInitial(c.informer.GetStore().ListKeys(), func() {
			if remaining.Add(-1) == 0 {
				w.sink.Synced()
			}
		})
	}

	g, gctx := errgroup.WithContext(ctx)
	for _, c := range controllers {
		for range w.cfg.Workers {
			g.Go(func() error { c.run(gctx); return nil })
		}
	}
	if sweeper != nil {
		g.Go(func() error { sweeper.run(gctx); return nil })
	}
	<-ctx.Done()
	for _, c := range controllers {
		c.queue.ShutDown()
	}
	return g.Wait()
}

// trimAny applies the per-type transform before objects reach the cache.
func trimAny(obj any) (any, error) {
	switch obj.(type) {
	case *corev1.Pod:
		return trimPod(obj)
	case *corev1.Node:
		return trimNode(obj)
	case *corev1.PersistentVolumeClaim:
		return trimPVC(obj)
	}
	return obj, nil
}
