package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"sync/atomic"
	"time"

	"github.com/rs/zerolog"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/leaderelection"
	"k8s.io/client-go/tools/leaderelection/resourcelock"

	"github.com/watchkeeper/watchkeeper/internal/config"
)

// leaderGate runs the alert pipeline only while this replica holds the
// Lease. Every replica keeps serving chat commands. Losing the lease ends
// the process (Start returns an error), so a fresh process stands by; on a
// graceful shutdown the work stops first and then the lease is released,
// so the next leader starts from the state the last one saved.
type leaderGate struct {
	cfg      config.LeaderElection
	client   kubernetes.Interface
	ns, id   string
	work     func(ctx context.Context) error
	log      zerolog.Logger
	leading  atomic.Bool
	workDone chan struct{}
}

func newLeaderGate(cfg config.LeaderElection, restCfg *rest.Config, work func(context.Context) error, log zerolog.Logger) (*leaderGate, error) {
	c := rest.CopyConfig(restCfg)
	c.QPS, c.Burst = 5, 10 // its own limiter: renewals never wait behind anything else
	client, err := kubernetes.NewForConfig(c)
	if err != nil {
		return nil, fmt.Errorf("leader election client: %w", err)
	}
	ns := os.Getenv("POD_NAMESPACE")
	if ns == "" {
		ns = defaultNamespace
	}
	id := identity()
	return &leaderGate{cfg: cfg, client: client, ns: ns, id: id, work: work,
		log:      log.With().Str("component", "leader").Str("lease", ns+"/"+cfg.LeaseName).Str("identity", id).Logger(),
		workDone: make(chan struct{})}, nil
}

// identity is the pod name (downward API) or host name, plus a random
// suffix so that two processes on one host never share an identity.
func identity() string {
	name := os.Getenv("POD_NAME")
	if name == "" {
		name, _ = os.Hostname()
	}
	var b [4]byte
	_, _ = rand.Read(b[:])
	return name + "_" + hex.EncodeToString(b[:])
}

// Leading reports whether this replica runs the alert pipeline now.
func (g *leaderGate) Leading() bool { return g.leading.Load() }

// Start campaigns for the Lease until ctx ends or leadership is lost.
func (g *leaderGate) Start(ctx context.Context) error {
	electorCtx, stopElector := context.WithCancel(context.WithoutCancel(ctx))
	defer stopElector()
	workErr := make(chan error, 1)
	started := make(chan struct{})
	le, err := leaderelection.NewLeaderElector(leaderelection.LeaderElectionConfig{
		Lock: &resourcelock.LeaseLock{
			LeaseMeta:  metav1.ObjectMeta{Namespace: g.ns, Name: g.cfg.LeaseName},
			Client:     g.client.CoordinationV1(),
			LockConfig: resourcelock.ResourceLockConfig{Identity: g.id},
		},
		LeaseDuration:   time.Duration(g.cfg.LeaseDuration),
		RenewDeadline:   time.Duration(g.cfg.RenewDeadline),
		RetryPeriod:     time.Duration(g.cfg.RetryPeriod),
		ReleaseOnCancel: true,
		Name:            "watchkeeper",
		Callbacks: leaderelection.LeaderCallbacks{
			OnStartedLeading: func(lctx context.Context) {
				close(started)
				g.leading.Store(true)
				g.log.Info().Msg("leading: starting the alert pipeline")
				wctx, cancel := context.WithCancel(lctx)
				stop := context.AfterFunc(ctx, cancel)
				err := g.work(wctx)
				stop()
				cancel()
				g.leading.Store(false)
				close(g.workDone)
				if err != nil {
					workErr <- err
					stopElector()
				}
			},
			OnStoppedLeading: func() { g.leading.Store(false) },
			OnNewLeader: func(id string) {
				if id != g.id {
					g.log.Info().Str("leader", id).Msg("standing by; another replica leads the alert pipeline")
				}
			},
		},
	})
	if err != nil {
		return fmt.Errorf("leader election: %w", err)
	}
	// On shutdown, stop the work first, then release the lease.
	go func() {
		select {
		case <-ctx.Done():
		case <-electorCtx.Done():
			return
		}
		select {
		case <-started:
			<-g.workDone
		default:
		}
		stopElector()
	}()
	le.Run(electorCtx)
	select {
	case err := <-workErr:
		return err
	default:
	}
	if ctx.Err() != nil {
		return nil
	}
	select {
	case <-started:
		<-g.workDone
	default:
	}
	return errors.New("lost the leader lease; exiting so that a fresh process stands by")
}
