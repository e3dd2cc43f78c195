package notifier

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"
)

// StartupReport says what to do with problems that already existed when
// Watchkeeper started and that it has no record of having alerted.
type StartupReport string

// Startup report modes.
const (
	StartupSummary StartupReport = "summary" // one message listing them (default)
	StartupEach    StartupReport = "each"    // one message per incident, as if new
	StartupNone    StartupReport = "none"    // track them silently
)

// Config configures the pipeline. Zero values take the documented defaults.
type Config struct {
	Cluster        string
	DefaultChannel string
	Routes         []Route
	Ignore         Ignore
	Silences       []Silence
	// GroupWait delays an incident's first message so that pods of one
	// workload failing together land in one message. Default 5s.
	GroupWait time.Duration
	// RepeatInterval re-notifies an incident that is still firing. Default 4h.
	RepeatInterval time.Duration
	// ResolveGrace is how long an incident must have no failing member
	// before it is resolved. Default 1m.
	ResolveGrace time.Duration
	// StormThreshold new incidents per StormWindow switch a channel to
	// digest messages. Defaults 10 per 1m.
	StormThreshold int
	StormWindow    time.Duration
	// DigestSize bounds the incidents listed in one digest message. Default 15.
	DigestSize int
	// QueueSize bounds observations waiting for the pipeline. Default 8192.
	QueueSize int
	// StartupReport, default StartupSummary.
	StartupReport StartupReport
	// Tick is how often incidents are evaluated. Default 1s.
	Tick time.Duration
	// SaveInterval is how often dirty state is persisted. Default 5s.
	SaveInterval time.Duration
	// MaxIncidents bounds tracked incidents (and persisted state). Default 2000.
	MaxIncidents int
	// Backoff governs retries of Slack calls.
	Backoff Backoff
}

func (c Config) withDefaults() Config {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&c.GroupWait, 5*time.Second)
	def(&c.RepeatInterval, 4*time.Hour)
	def(&c.ResolveGrace, time.Minute)
	def(&c.StormWindow, time.Minute)
	def(&c.Tick, time.Second)
	def(&c.SaveInterval, 5*time.Second)
	if c.StormThreshold <= 0 {
		c.StormThreshold = 10
	}
	if c.DigestSize <= 0 {
		c.DigestSize = 15
	}
	if c.QueueSize <= 0 {
		c.QueueSize = 8192
	}
	if c.MaxIncidents <= 0 {
		c.MaxIncidents = 2000
	}
	if c.StartupReport == "" {
		c.StartupReport = StartupSummary
	}
	return c
}

// Enricher fetches logs and events for a new incident. It is called once
// per incident, from a channel worker, never from the informer path.
type Enricher interface {
	Enrich(ctx context.Context, a Alert) Enrichment
}

// StateStore persists incident state across restarts and failovers.
type StateStore interface {
	Load(ctx context.Context) (Snapshot, error)
	Save(ctx context.Context, s Snapshot) error
}

// ErrQueueFull is returned by Observe when the pipeline is saturated. The
// caller must retry later (the watchers requeue the key), so nothing is lost;
// the overflow is also counted and reported in the next digest.
var ErrQueueFull = errors.New("notifier queue full")

// Pipeline turns observations into incidents and incidents into messages:
//
//	Observe → bounded queue → dedup/group (fingerprint) → route → per-channel outbox → retrying Sender
//
// One goroutine owns all incident state; each channel has its own worker so
// a throttled channel never delays another, and nothing here blocks the
// informer workers.
type Pipeline struct {
	cfg      Config
	router   *router
	sender   Sender
	render   Renderer
	enricher Enricher
	store    StateStore
	now      func() time.Time
	log      zerolog.Logger
	metrics  *pipelineMetrics

	queue  chan Observation
	synced chan struct{}
	// startupDone is closed once the start-up view has been processed.
	startupDone chan struct{}
	results     chan result
	overflow    atomic.Int64
	ready       atomic.Bool

	st *incidents // owned by the Start goroutine
}

// Renderer draws messages for one kind of Sender.
type Renderer interface {
	Incident(v View) Message
	Digest(d Digest) Message
	// ThreadNote is the short reply posted under an incident's message when
	// it repeats or resolves.
	ThreadNote(v View) Message
}

// Deps are the pipeline's collaborators. Sender and Renderer are required;
// the rest default to no-ops (no enrichment, in-memory state, time.Now, no
// metrics registry).
type Deps struct {
	Sender     Sender
	Renderer   Renderer
	Enricher   Enricher
	Store      StateStore
	Now        func() time.Time
	Registerer prometheus.Registerer
	// Silences adds runtime silences (nil: only the configured ones).
	Silences SilenceSource
}

// New builds a pipeline; it starts nothing.
func New(cfg Config, deps Deps, log zerolog.Logger) (*Pipeline, error) {
	cfg = cfg.withDefaults()
	sender, enricher, store, now, reg := deps.Sender, deps.Enricher, deps.Store, deps.Now, deps.Registerer
	if sender == nil || deps.Renderer == nil {
		return nil, errors.New("notifier: sender and renderer are required")
	}
	if cfg.DefaultChannel == "" {
		return nil, errors.New("notifier: default channel is required")
	}
	switch cfg.StartupReport {
	case StartupSummary, StartupEach, StartupNone:
	default:
		return nil, fmt.Errorf("notifier: startup report %q: must be summary, each or none", cfg.StartupReport)
	}
	r, err := newRouter(cfg.DefaultChannel, cfg.Routes, cfg.Ignore, cfg.Silences)
	if err == nil {
		r.runtime = deps.Silences
	}
	if err != nil {
		return nil, err
	}
	if enricher == nil {
		enricher = noEnricher{}
	}
	if store == nil {
		store = memoryStore{}
	}
	if now == nil {
		now = time.Now
	}
	m, err := newPipelineMetrics(reg)
	if err != nil {
		return nil, fmt.Errorf("notifier metrics: %w", err)
	}
	return &Pipeline{
		cfg: cfg, router: r, sender: sender, render: deps.Renderer, enricher: enricher, store: store, now: now,
		log:         log.With().Str("component", "notifier").Logger(),
		metrics:     m,
		queue:       make(chan Observation, cfg.QueueSize),
		synced:      make(chan struct{}),
		startupDone: make(chan struct{}),
		results:     make(chan result, 256),
	}, nil
}

// Observe hands the current state of one object to the pipeline without
// blocking. On ErrQueueFull the caller retries later.
func (p *Pipeline) Observe(o Observation) error {
	select {
	case p.queue <- o:
		p.metrics.queueDepth.Set(float64(len(p.queue)))
		return nil
	default:
		p.overflow.Add(1)
		p.metrics.overflow.Inc()
		return ErrQueueFull
	}
}

// Synced tells the pipeline that the watchers have observed every object
// that existed at start-up: incidents opened before this are pre-existing.
// Safe to call more than once.
func (p *Pipeline) Synced() {
	if p.ready.CompareAndSwap(false, true) {
		close(p.synced)
	}
}

// Start restores state and runs until ctx ends, saving state on the way out.
func (p *Pipeline) Start(ctx context.Context) error {
	snap, err := p.store.Load(ctx)
	if err != nil {
		// Without state we may repeat an alert; that beats staying silent.
		p.log.Error().Err(err).Msg("could not load incident state; starting empty")
	}
	p.st = newIncidents(p, snap)
	p.log.Info().Int("restored_incidents", len(p.st.byFP)).Msg("notifier started")

	tick := time.NewTicker(p.cfg.Tick)
	defer tick.Stop()
	synced := p.synced
	select {
	case <-synced:
		p.drain()
		p.st.onSynced(ctx)
		close(p.startupDone)
		synced = nil
	default:
	}
	lastSave := p.now()
	for {
		select {
		case <-ctx.Done():
			p.st.stopOutboxes()
			// Record what the workers finished, so the saved state knows
			// every message that was actually posted.
			for drained := false; !drained; {
				select {
				case r := <-p.results:
					p.st.onResult(r)
				default:
					drained = true
				}
			}
			saveCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			// Always save on the way out, changed or not: the time of the
			// save tells the next instance (or the next leader) that it is
			// taking over from a watcher that was running until now.
			p.st.dirty = true
			p.save(saveCtx)
			cancel()
			return nil
		case o := <-p.queue:
			p.metrics.queueDepth.Set(float64(len(p.queue)))
			p.st.apply(o)
		case <-synced:
			synced = nil
			// Observations queued before Synced belong to the start-up view.
			p.drain()
			p.st.onSynced(ctx)
			close(p.startupDone)
		case r := <-p.results:
			p.st.onResult(r)
		case <-tick.C:
			now := p.now()
			p.st.evaluate(ctx, now)
			if p.st.dirty && now.Sub(lastSave) >= p.cfg.SaveInterval {
				p.save(ctx)
				lastSave = now
			}
		}
	}
}

// drain applies every observation already queued.
func (p *Pipeline) drain() {
	for {
		select {
		case o := <-p.queue:
			p.st.apply(o)
		default:
			p.metrics.queueDepth.Set(0)
			return
		}
	}
}

func (p *Pipeline) save(ctx context.Context) {
	if !p.st.dirty {
		return
	}
	if err := p.store.Save(ctx, p.st.snapshot()); err != nil {
		p.log.Warn().Err(err).Msg("could not save incident state; will retry")
		return
	}
	p.st.dirty = false
}

type noEnricher struct{}

func (noEnricher) Enrich(context.Context, Alert) Enrichment { return Enrichment{} }
