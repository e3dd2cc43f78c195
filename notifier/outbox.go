package notifier

import (
	"context"
	"strconv"
	"sync"
	"time"
)

// shutdownGrace bounds how long an in-flight message may take to finish
// once the pipeline is stopping.
const shutdownGrace = 5 * time.Second

type jobKind int

const (
	jobUpsert  jobKind = iota // post the incident, or update its message
	jobRepeat                 // still firing: update and reply in the thread
	jobResolve                // resolved: update the message and reply in the thread
	jobDigest                 // a storm digest or start-up summary
)

type job struct {
	kind   jobKind
	fp     string
	view   View
	digest Digest
}

// result reports a finished job back to the pipeline goroutine.
type result struct {
	fp  string
	ref MessageRef
	err error
}

// outbox is one channel's ordered queue of jobs and the worker that sends
// them. Jobs for the same incident coalesce: only the newest state of an
// incident is ever sent, so a throttled channel sends fewer, fresher messages
// instead of a backlog of stale ones. Digests never coalesce.
type outbox struct {
	channel string
	p       *Pipeline

	mu      sync.Mutex
	order   []string       // fingerprints (or digest keys) in arrival order
	pending map[string]job // key → newest job
	seq     int
	wake    chan struct{}
	done    chan struct{}

	// Owned by the worker goroutine.
	refs     map[string]MessageRef
	enriched map[string]Enrichment
}

func newOutbox(channel string, p *Pipeline, refs map[string]MessageRef) *outbox {
	return &outbox{
		channel: channel, p: p, pending: map[string]job{}, wake: make(chan struct{}, 1), done: make(chan struct{}),
		refs: refs, enriched: map[string]Enrichment{},
	}
}

func (o *outbox) enqueue(j job) {
	o.mu.Lock()
	key := j.fp
	if j.kind == jobDigest {
		o.seq++
		key = "digest/" + strconv.Itoa(o.seq)
	}
	if prev, ok := o.pending[key]; ok {
		// A repeat or resolve must not be downgraded by a later upsert.
		if prev.kind > j.kind && j.kind == jobUpsert {
			j.kind = prev.kind
			if prev.kind == jobResolve {
				j.view.State, j.view.ResolvedAt = prev.view.State, prev.view.ResolvedAt
			}
		}
	} else {
		o.order = append(o.order, key)
	}
	o.pending[key] = j
	o.p.metrics.outboxDepth.WithLabelValues(o.channel).Set(float64(len(o.order)))
	o.mu.Unlock()
	select {
	case o.wake <- struct{}{}:
	default:
	}
}

func (o *outbox) next() (job, bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if len(o.order) == 0 {
		return job{}, false
	}
	key := o.order[0]
	o.order = o.order[1:]
	j := o.pending[key]
	delete(o.pending, key)
	o.p.metrics.outboxDepth.WithLabelValues(o.channel).Set(float64(len(o.order)))
	return j, true
}

func (o *outbox) run(ctx context.Context) {
	defer close(o.done)
	for {
		for {
			j, ok := o.next()
			if !ok {
				break
			}
			o.process(ctx, j)
			if ctx.Err() != nil {
				return
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-o.wake:
		}
	}
}

func (o *outbox) wait() { <-o.done }

// process sends one job, retrying as the sender advises. A job that cannot
// succeed is logged loudly and counted; the pipeline is told either way.
func (o *outbox) process(parent context.Context, j job) {
	// A message being sent when shutdown starts is finished (bounded), not
	// abandoned: an aborted request may still have been posted, and the
	// saved state must know its timestamp or a restart would post it again.
	ctx, cancel := context.WithCancel(context.WithoutCancel(parent))
	defer cancel()
	stop := context.AfterFunc(parent, func() {
		t := time.AfterFunc(shutdownGrace, cancel)
		context.AfterFunc(ctx, func() { t.Stop() })
	})
	defer stop()
	log := o.p.log.With().Str("channel_id", o.channel).Str("fingerprint", j.fp).Logger()
	var ref MessageRef
	var err error
	switch j.kind {
	case jobDigest:
		msg := o.p.render.Digest(j.digest)
		err = deliver(ctx, o.p.cfg.Backoff, func(ctx context.Context) (bool, error) {
			var retry bool
			ref, retry, err = o.p.sender.Post(ctx, o.channel, msg)
			return retry, err
		})
	default:
		ref, err = o.incident(ctx, j)
	}
	if err != nil {
		if ctx.Err() == nil {
			o.p.metrics.sendFailures.Inc()
			log.Error().Err(err).Msg("could not deliver alert message")
		}
	} else if j.kind != jobDigest {
		o.refs[j.fp] = ref
	}
	if j.kind == jobResolve {
		delete(o.refs, j.fp)
		delete(o.enriched, j.fp)
	}
	r := result{fp: j.fp, ref: ref, err: err}
	select {
	case o.p.results <- r: // usually room: never lose a ref to a random select at shutdown
		return
	default:
	}
	select {
	case o.p.results <- r:
	case <-parent.Done():
	}
}

func (o *outbox) incident(ctx context.Context, j job) (MessageRef, error) {
	ref, posted := o.refs[j.fp]
	enr, ok := o.enriched[j.fp]
	if !ok && !posted && j.view.State == StateFiring {
		// Once per incident, right before its first message.
		enr = o.p.enricher.Enrich(ctx, j.view.Alert)
		o.enriched[j.fp] = enr
	}
	j.view.Enrichment = enr
	msg := o.p.render.Incident(j.view)
	b := o.p.cfg.Backoff
	if !posted {
		// A first message, including an incident that resolved before it
		// could be posted: it is still shown, as resolved.
		err := deliver(ctx, b, func(ctx context.Context) (bool, error) {
			var retry bool
			var err error
			ref, retry, err = o.p.sender.Post(ctx, o.channel, msg)
			return retry, err
		})
		return ref, err
	}
	if err := deliver(ctx, b, func(ctx context.Context) (bool, error) { return o.p.sender.Update(ctx, ref, msg) }); err != nil {
		return ref, err
	}
	if j.kind == jobRepeat || j.kind == jobResolve {
		note := o.p.render.ThreadNote(j.view)
		if err := deliver(ctx, b, func(ctx context.Context) (bool, error) { return o.p.sender.Reply(ctx, ref, note) }); err != nil {
			return ref, err
		}
	}
	return ref, nil
}
