package watchers

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/rs/zerolog"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"
)

// Config configures the watchers.
type Config struct {
	// SyncTimeout bounds the initial cache sync. Default 2m.
	SyncTimeout time.Duration
}

// Watcher owns the shared informer factory.
type Watcher struct {
	cfg    Config
	client kubernetes.Interface
	log    zerolog.Logger
	synced atomic.Bool
}

// New builds a Watcher. Informers are created and started in Start, never here.
func New(cfg Config, client kubernetes.Interface, log zerolog.Logger) (*Watcher, error) {
	if client == nil {
		return nil, errors.New("watchers: kubernetes client is required")
	}
	if cfg.SyncTimeout <= 0 {
		cfg.SyncTimeout = 2 * time.Minute
	}
	return &Watcher{cfg: cfg, client: client, log: log.With().Str("component", "watchers").Logger()}, nil
}

// Ready reports nil once every informer cache has synced.
func (w *Watcher) Ready() error {
	if !w.synced.Load() {
		return errors.New("informer caches not synced")
	}
	return nil
}

// Start runs the informers until ctx ends. It fails if the caches cannot
// sync within SyncTimeout (typically missing RBAC), so a misconfigured
// deployment is loud instead of silently blind.
func (w *Watcher) Start(ctx context.Context) error {
	// Resync 0: detection is level-based on real changes; periodic resyncs
	// would only replay unchanged objects.
	factory := informers.NewSharedInformerFactory(w.client, 0)
	pods := factory.Core().V1().Pods().Informer()
	if err := pods.SetWatchErrorHandlerWithContext(func(ctx context.Context, _ *cache.Reflector, err error) {
		w.log.Warn().Err(err).Str("resource", "pods").Msg("watch failed, retrying")
	}); err != nil {
		return fmt.Errorf("watchers: set watch error handler: %w", err)
	}
	factory.Start(ctx.Done())
	defer factory.Shutdown()

	syncCtx, cancel := context.WithTimeout(ctx, w.cfg.SyncTimeout)
	defer cancel()
	if !cache.WaitForCacheSync(syncCtx.Done(), pods.HasSynced) {
		if ctx.Err() != nil {
			return nil
		}
		return fmt.Errorf("watchers: caches did not sync within %s (check the ClusterRole allows list and watch on pods)", w.cfg.SyncTimeout)
	}
	w.synced.Store(true)
	w.log.Info().Msg("informer caches synced")
	<-ctx.Done()
	return nil
}
