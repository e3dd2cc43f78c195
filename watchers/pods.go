package watchers

import (
	"context"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/workqueue"

	"github.com/watchkeeper/watchkeeper/notifier"
	"github.com/watchkeeper/watchkeeper/watchers/detectors"
)

// podController follows sample-controller: handlers only enqueue keys, and
// workers read the current pod from the lister and act on it.
type podController struct {
	w      *Watcher
	lister v1.PodLister
	owners *ownerResolver
	queue  workqueue.TypedRateLimitingInterface[cache.ObjectName]

	mu      sync.Mutex
	initial map[cache.ObjectName]struct{} // keys present at sync, not yet processed
	synced  bool
}

func newPodController(w *Watcher, lister v1.PodLister, owners *ownerResolver) *podController {
	return &podController{
		w: w, lister: lister, owners: owners,
		queue: workqueue.NewTypedRateLimitingQueueWithConfig(
			workqueue.DefaultTypedControllerRateLimiter[cache.ObjectName](),
			workqueue.TypedRateLimitingQueueConfig[cache.ObjectName]{Name: "pods"}),
	}
}

func (c *podController) handler() cache.ResourceEventHandler {
	return cache.ResourceEventHandlerFuncs{
		AddFunc: c.enqueue,
		UpdateFunc: func(oldObj, newObj any) {
			o, ok1 := oldObj.(*corev1.Pod)
			n, ok2 := newObj.(*corev1.Pod)
			if ok1 && ok2 && o.ResourceVersion == n.ResourceVersion {
				return // nothing changed
			}
			c.enqueue(newObj)
		},
		DeleteFunc: c.enqueue, // DeletionHandlingObjectToName unwraps tombstones
	}
}

func (c *podController) enqueue(obj any) {
	key, err := cache.DeletionHandlingObjectToName(obj)
	if err != nil {
		c.w.log.Warn().Err(err).Msg("cannot key pod event")
		return
	}
	if !c.w.watchesNamespace(key.Namespace) {
		return
	}
	c.queue.Add(key)
}

// markInitial records every key present at sync; when all have been
// processed the sink hears that start-up observation is complete.
func (c *podController) markInitial() {
	c.mu.Lock()
	c.initial = map[cache.ObjectName]struct{}{}
	pods, _ := c.lister.List(labels.Everything())
	for _, p := range pods {
		if c.w.watchesNamespace(p.Namespace) {
			c.initial[cache.MetaObjectToName(p)] = struct{}{}
		}
	}
	c.mu.Unlock()
	c.initialDone(cache.ObjectName{})
}

func (c *podController) initialDone(key cache.ObjectName) {
	c.mu.Lock()
	if c.initial == nil || c.synced {
		c.mu.Unlock()
		return
	}
	delete(c.initial, key)
	done := len(c.initial) == 0
	if done {
		c.synced = true
	}
	c.mu.Unlock()
	if done {
		c.w.sink.Synced()
	}
}

func (c *podController) runWorker(ctx context.Context) {
	for c.processNext(ctx) {
	}
}

func (c *podController) processNext(ctx context.Context) bool {
	key, quit := c.queue.Get()
	if quit {
		return false
	}
	defer c.queue.Done(key)
	err := c.sync(key)
	switch {
	case err == nil:
		c.queue.Forget(key)
		c.initialDone(key)
	case ctx.Err() != nil:
	default:
		// The one place that decides retry: the sink was full (or the
		// lister failed); try again later, nothing is dropped.
		c.queue.AddRateLimited(key)
	}
	return true
}

// sync observes one pod: the current state from the cache, never the API.
func (c *podController) sync(key cache.ObjectName) error {
	ref := notifier.ObjectRef{Kind: notifier.KindPod, Namespace: key.Namespace, Name: key.Name}
	pod, err := c.lister.Pods(key.Namespace).Get(key.Name)
	if apierrors.IsNotFound(err) {
		return c.w.sink.Observe(notifier.Observation{Object: ref, Gone: true, At: c.w.cfg.Now()})
	}
	if err != nil {
		return err
	}
	now := c.w.cfg.Now()
	ref.UID = string(pod.UID)
	alerts := detectors.Pod(pod, now, c.w.cfg.Detectors)
	if len(alerts) > 0 {
		owner := c.owners.resolve(pod)
		for i := range alerts {
			alerts[i].Cluster = c.w.cfg.Cluster
			alerts[i].Owner = owner
		}
	}
	if err := c.w.sink.Observe(notifier.Observation{Object: ref, Alerts: alerts, At: now}); err != nil {
		return err // queue full: retried with rate limiting
	}
	// Time alone can change the answer (pending too long, a failure
	// leaving the restart window): look again then, from the cache.
	if next := detectors.NextCheck(pod, now, c.w.cfg.Detectors); !next.IsZero() {
		c.queue.AddAfter(key, max(next.Sub(now), time.Second))
	}
	return nil
}
