package watchers

import (
	"context"
	"sync"
	"time"

	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/workqueue"
)

// controller follows sample-controller: informer handlers only enqueue
// keys, and workers read the current object from a lister in sync. One
// place decides retry: success forgets the key, an error requeues it with
// rate limiting, so nothing is dropped when the notifier is saturated.
type controller struct {
	name     string
	informer cache.SharedIndexInformer // whose keys at sync are the initial set
	queue    workqueue.TypedRateLimitingInterface[cache.ObjectName]
	// sync observes one object; it returns when to look again without an
	// event (zero: only on the next change).
	sync func(key cache.ObjectName) (time.Duration, error)
	// watches filters keys by namespace; nil watches all.
	watches func(namespace string) bool

	mu      sync.Mutex
	initial map[cache.ObjectName]struct{} // keys present at sync, not yet processed
	done    func()                        // called once every initial key was processed
}

func newController(name string, sync func(cache.ObjectName) (time.Duration, error), watches func(string) bool) *controller {
	return &controller{
		name: name, sync: sync, watches: watches,
		queue: workqueue.NewTypedRateLimitingQueueWithConfig(
			workqueue.DefaultTypedControllerRateLimiter[cache.ObjectName](),
			workqueue.TypedRateLimitingQueueConfig[cache.ObjectName]{Name: name}),
	}
}

// handler returns the informer event handler: enqueue only.
func (c *controller) handler() cache.ResourceEventHandler {
	return cache.ResourceEventHandlerFuncs{
		AddFunc: c.enqueue,
		UpdateFunc: func(oldObj, newObj any) {
			if o, ok := oldObj.(interface{ GetResourceVersion() string }); ok {
				if n, ok := newObj.(interface{ GetResourceVersion() string }); ok && o.GetResourceVersion() == n.GetResourceVersion() {
					return // nothing changed
				}
			}
			c.enqueue(newObj)
		},
		DeleteFunc: c.enqueue, // DeletionHandlingObjectToName unwraps tombstones
	}
}

func (c *controller) enqueue(obj any) {
	key, err := cache.DeletionHandlingObjectToName(obj)
	if err != nil {
		return
	}
	c.add(key)
}

func (c *controller) add(key cache.ObjectName) {
	if c.watches != nil && !c.watches(key.Namespace) {
		return
	}
	c.queue.Add(key)
}

// markInitial records the keys present at cache sync; done runs once all
// of them have been processed.
func (c *controller) markInitial(keys []string, done func()) {
	c.mu.Lock()
	c.initial = map[cache.ObjectName]struct{}{}
	for _, k := range keys {
		name, err := cache.ParseObjectName(k)
		if err == nil && (c.watches == nil || c.watches(name.Namespace)) {
			c.initial[name] = struct{}{}
		}
	}
	c.done = done
	c.mu.Unlock()
	c.initialDone(cache.ObjectName{})
}

func (c *controller) initialDone(key cache.ObjectName) {
	c.mu.Lock()
	if c.done == nil {
		c.mu.Unlock()
		return
	}
	delete(c.initial, key)
	var done func()
	if len(c.initial) == 0 {
		done, c.done = c.done, nil
	}
	c.mu.Unlock()
	if done != nil {
		done()
	}
}

func (c *controller) run(ctx context.Context) {
	for c.processNext(ctx) {
	}
}

func (c *controller) processNext(ctx context.Context) bool {
	key, quit := c.queue.Get()
	if quit {
		return false
	}
	defer c.queue.Done(key)
	after, err := c.sync(key)
	switch {
	case err == nil:
		c.queue.Forget(key)
		c.initialDone(key)
		if after > 0 {
			c.queue.AddAfter(key, after)
		}
	case ctx.Err() != nil:
	default:
		c.queue.AddRateLimited(key)
	}
	return true
}
