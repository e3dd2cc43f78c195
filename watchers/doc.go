// Package watchers is the start of the alert pipeline: client-go informers
// over pods (and later PVCs and nodes) whose handlers only enqueue keys; the
// workers read current state from the listers, run the detectors and hand
// alerts to the notifier.
//
//	informer event → key → workqueue → worker: lister.Get → detectors → Alert → AlertSink
package watchers
