// Package detectors decides what is wrong with an object right now.
//
// It sits in the middle of the watch pipeline:
//
//	informer event → key → workqueue → worker: lister.Get → detectors → Alert → AlertSink
//
// Detectors are pure and level-based: they take an object and an injected
// clock and return every problem that holds now, with no memory of earlier
// calls and no API access. Remembering what was already said (repeats,
// resolves, storms) is the notifier's job; fetching logs and events is the
// enricher's.
//
// Two consequences shape the pod detector. It cannot see a restart count go
// up, so a restart is recognised by its last termination having failed
// within a window (reported as CrashLoopBackOff or OOMKilled, the same reason
// as the back-off that follows, so a crash cycle is one incident). And some
// answers change
// with time alone (a Pending pod crossing its threshold, a failure leaving
// the window) while the pod object does not, so NextCheck tells the worker
// when to look again.
//
// Node (NotReady, pressure) and PVC (Pending, Lost, resize failures)
// detectors follow the same rules, with NodeNextCheck and PVCNextCheck.
//
// Reasons are fingerprint parts, so each is chosen to stay put while a
// problem lasts: the states the kubelet flips between on every retry
// (ErrImagePull and ImagePullBackOff) share one reason.
package detectors
