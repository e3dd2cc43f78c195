package bot

import (
	"context"
	"errors"
	"sync"
)

// errBusy is returned when every worker is busy and the queue is full.
var errBusy = errors.New("worker pool busy")

// pool runs jobs on a fixed number of workers behind a bounded queue. Submit
// never blocks, so the Socket Mode read loop can always ack the next envelope.
type pool struct {
	jobs chan func(context.Context)
	n    int
}

func newPool(workers, queue int) *pool {
	if workers < 1 {
		workers = 1
	}
	return &pool{jobs: make(chan func(context.Context), queue), n: workers}
}

// Submit enqueues job or returns errBusy at once.
func (p *pool) Submit(job func(context.Context)) error {
	select {
	case p.jobs <- job:
		return nil
	default:
		return errBusy
	}
}

// Run starts the workers and blocks until ctx ends and the running jobs have
// finished. Jobs still queued at shutdown are dropped with ctx already done.
func (p *pool) Run(ctx context.Context) {
	var wg sync.WaitGroup
	for range p.n {
		wg.Go(func() {
			for {
				select {
				case <-ctx.Done():
					return
				case job := <-p.jobs:
					job(ctx)
				}
			}
		})
	}
	wg.Wait()
}
