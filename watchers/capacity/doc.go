// Package capacity judges how full a PVC's volume is, and how soon it will
// be full.
//
// It sits between the kubelet volume stats and the PVC worker:
//
//	usage sweep: kubelet stats → Tracker.Observe(key, Sample) → Assessment → PVC worker → Alert → AlertSink
//
// Unlike the detectors, a Tracker keeps memory, because both of its
// answers need history: hysteresis (a volume at 79% after 85% is still
// "high", so a volume hovering at the threshold does not open and resolve
// an incident every sweep) and time-to-full (a least-squares slope over the
// last few samples). It is still pure: no I/O and no clock of its own; time
// comes from each Sample, so tests drive it with a fake clock.
//
// Only the state that needs history lives here. Repeats, resolves and
// storms stay the notifier's job.
package capacity
