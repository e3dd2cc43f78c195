package watchers

import (
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	v1 "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"

	"github.com/watchkeeper/watchkeeper/notifier"
	"github.com/watchkeeper/watchkeeper/watchers/detectors"
)

// podSync observes one pod: the current state from the cache, never the
// API, so a non-alerting update costs no API call.
func (w *Watcher) podSync(lister v1.PodLister, owners *ownerResolver) func(cache.ObjectName) (time.Duration, error) {
	return func(key cache.ObjectName) (time.Duration, error) {
		ref := notifier.ObjectRef{Kind: notifier.KindPod, Namespace: key.Namespace, Name: key.Name}
		now := w.cfg.Now()
		pod, err := lister.Pods(key.Namespace).Get(key.Name)
		if apierrors.IsNotFound(err) {
			return 0, w.sink.Observe(notifier.Observation{Object: ref, Gone: true, At: now})
		}
		if err != nil {
			return 0, err
		}
		ref.UID = string(pod.UID)
		alerts := detectors.Pod(pod, now, w.cfg.Detectors)
		if len(alerts) > 0 {
			owner := owners.resolve(pod)
			for i := range alerts {
				alerts[i].Cluster = w.cfg.Cluster
				alerts[i].Owner = owner
			}
		}
		if err := w.sink.Observe(notifier.Observation{Object: ref, Alerts: alerts, At: now}); err != nil {
			return 0, err // queue full: retried with rate limiting
		}
		return recheckAfter(detectors.NextCheck(pod, now, w.cfg.Detectors), now), nil
	}
}

// recheckAfter turns a detector's NextCheck into a requeue delay: time
// alone can change the answer (pending too long, a failure leaving the
// restart window), so look again then, from the cache.
func recheckAfter(next, now time.Time) time.Duration {
	if next.IsZero() {
		return 0
	}
	return max(next.Sub(now), time.Second)
}
