package watchers

import (
	"context"
	"maps"
	"strconv"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	v1 "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"

	"github.com/watchkeeper/watchkeeper/notifier"
	"github.com/watchkeeper/watchkeeper/watchers/capacity"
	"github.com/watchkeeper/watchkeeper/watchers/volumestats"
)

// PVCOverride sets thresholds for PVCs in namespaces matching a glob.
type PVCOverride struct {
	Namespaces []string
	Thresholds capacity.Thresholds // zero fields inherit the defaults
}

// Annotations on a PVC that override its thresholds.
const (
	annWarning  = annotationPrefix + "pvc-warning-percent"
	annCritical = annotationPrefix + "pvc-critical-percent"
	annClear    = annotationPrefix + "pvc-clear-percent"
)

// usageState holds the latest usage assessment per PVC. The sweeper writes
// it; the PVC workers read it when they observe the PVC.
type usageState struct {
	mu      sync.Mutex
	tracker *capacity.Tracker
	latest  map[string]usageEntry // "namespace/name" → assessment
	byNode  map[string]map[string]bool
}

type usageEntry struct {
	a     capacity.Assessment
	stats volumestats.VolumeStats
}

func newUsageState(cfg capacity.Config) *usageState {
	return &usageState{tracker: capacity.NewTracker(cfg), latest: map[string]usageEntry{}, byNode: map[string]map[string]bool{}}
}

func (u *usageState) forget(key string) {
	u.mu.Lock()
	defer u.mu.Unlock()
	delete(u.latest, key)
	u.tracker.Forget(key)
}

// alert turns the PVC's latest assessment into an alert, if it is one.
func (u *usageState) alert(key string, pvc *corev1.PersistentVolumeClaim) (notifier.Alert, bool) {
	u.mu.Lock()
	e, ok := u.latest[key]
	u.mu.Unlock()
	if !ok || e.a.Level == capacity.LevelOK {
		return notifier.Alert{}, false
	}
	sev := notifier.SeverityWarning
	if e.a.Level == capacity.LevelCritical {
		sev = notifier.SeverityCritical
	}
	msg := "storage class " + deref(pvc.Spec.StorageClassName) + ", mounted by pod " + e.stats.Pod
	return notifier.Alert{
		Object:   notifier.ObjectRef{Kind: notifier.KindPVC, Namespace: pvc.Namespace, Name: pvc.Name, UID: string(pvc.UID)},
		Node:     e.stats.Node,
		Reason:   e.a.Reason,
		Cause:    e.a.Cause,
		Message:  msg,
		Severity: sev,
		Labels:   maps.Clone(pvc.Labels),
		Since:    e.a.Since,
	}, true
}

func deref(s *string) string {
	if s == nil || *s == "" {
		return "(default)"
	}
	return *s
}

// usageSweeper polls kubelet volume stats for every node running a pod
// that mounts a PVC, and feeds the assessments to the PVC workers.
type usageSweeper struct {
	w        *Watcher
	client   *volumestats.Client
	pods     cache.Indexer
	nodes    v1.NodeLister
	pvcs     v1.PersistentVolumeClaimLister
	state    *usageState
	enqueue  func(cache.ObjectName)
	interval time.Duration

	mu       sync.Mutex
	inflight map[string]bool // nodes with a request still running
	wg       sync.WaitGroup
}

func (s *usageSweeper) run(ctx context.Context) {
	t := time.NewTicker(s.interval)
	defer t.Stop()
	defer s.wg.Wait()
	for {
		s.sweep(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// sweep polls once. Only nodes that run pods mounting PVCs are polled
// (known from the pod cache); each node's result is applied as soon as it
// arrives, so a dead kubelet delays nobody else.
func (s *usageSweeper) sweep(ctx context.Context) {
	wanted := map[string]bool{}
	for _, key := range s.pods.ListIndexFuncValues(pvcIndex) {
		objs, _ := s.pods.ByIndex(pvcIndex, key)
		for _, o := range objs {
			if p, ok := o.(*corev1.Pod); ok && p.Spec.NodeName != "" && p.Status.Phase == corev1.PodRunning {
				wanted[p.Spec.NodeName] = true
			}
		}
	}
	var targets []volumestats.Node
	for name := range wanted {
		n, err := s.nodes.Get(name)
		if err != nil {
			continue
		}
		if addr := internalIP(n); addr != "" {
			targets = append(targets, volumestats.Node{Name: name, Address: addr, Port: n.Status.DaemonEndpoints.KubeletEndpoint.Port})
		}
	}
	// A node whose previous request is still running (a dead or slow
	// kubelet) is skipped this round, and the sweep does not wait for it:
	// the other nodes keep being measured every interval.
	s.mu.Lock()
	if s.inflight == nil {
		s.inflight = map[string]bool{}
	}
	ready := targets[:0]
	for _, t := range targets {
		if !s.inflight[t.Name] {
			s.inflight[t.Name] = true
			ready = append(ready, t)
		}
	}
	s.mu.Unlock()
	if len(ready) == 0 {
		return
	}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		s.client.Sweep(ctx, ready, func(node string, stats []volumestats.VolumeStats, err error) {
			s.mu.Lock()
			delete(s.inflight, node)
			s.mu.Unlock()
			if err != nil {
				// Keep the last assessments: a failed poll is not a recovery.
				s.w.log.Warn().Err(err).Str("node", node).Msg("kubelet volume stats unavailable")
				return
			}
			s.apply(node, stats)
		})
	}()
}

func (s *usageSweeper) apply(node string, stats []volumestats.VolumeStats) {
	seen := map[string]bool{}
	var changed []string
	s.state.mu.Lock()
	for _, st := range stats {
		if !s.w.watchesNamespace(st.Namespace) {
			continue
		}
		key := st.Namespace + "/" + st.PVC
		seen[key] = true
		th := s.thresholds(st.Namespace, st.PVC)
		a := s.state.tracker.Observe(key, capacity.Sample{At: st.At, UsedBytes: st.UsedBytes, CapacityBytes: st.CapacityBytes,
			InodesUsed: st.InodesUsed, Inodes: st.Inodes}, th)
		prev, had := s.state.latest[key]
		s.state.latest[key] = usageEntry{a: a, stats: st}
		if !had || prev.a.Level != a.Level || prev.a.Reason != a.Reason || (a.Level != capacity.LevelOK && prev.a.Cause != a.Cause) {
			changed = append(changed, key)
		}
	}
	// PVCs no longer mounted on this node are no longer measured here.
	for key := range s.state.byNode[node] {
		if !seen[key] {
			delete(s.state.latest, key)
			changed = append(changed, key)
		}
	}
	s.state.byNode[node] = seen
	s.state.mu.Unlock()
	for _, key := range changed {
		if name, err := cache.ParseObjectName(key); err == nil {
			s.enqueue(name)
		}
	}
}

// thresholds resolves a PVC's thresholds: its annotations, then the first
// matching namespace override, then the defaults.
func (s *usageSweeper) thresholds(namespace, name string) capacity.Thresholds {
	th := s.w.cfg.PVC.Thresholds
	for _, o := range s.w.cfg.PVC.Overrides {
		if matchAny(o.Namespaces, namespace) {
			th = merge(th, o.Thresholds)
			break
		}
	}
	if pvc, err := s.pvcs.PersistentVolumeClaims(namespace).Get(name); err == nil {
		var ann capacity.Thresholds
		ann.WarningPercent = percent(pvc.Annotations[annWarning])
		ann.CriticalPercent = percent(pvc.Annotations[annCritical])
		ann.ClearPercent = percent(pvc.Annotations[annClear])
		if merged := merge(th, ann); merged.Validate() == nil {
			th = merged
		} else {
			s.w.log.Warn().Str("namespace", namespace).Str("name", name).Msg("ignoring invalid watchkeeper.io/pvc-*-percent annotations")
		}
	}
	return th
}

func merge(base, over capacity.Thresholds) capacity.Thresholds {
	if over.WarningPercent > 0 {
		base.WarningPercent = over.WarningPercent
	}
	if over.CriticalPercent > 0 {
		base.CriticalPercent = over.CriticalPercent
	}
	if over.ClearPercent > 0 {
		base.ClearPercent = over.ClearPercent
	}
	return base
}

func percent(s string) float64 {
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || v <= 0 || v > 100 {
		return 0
	}
	return v
}

func internalIP(n *corev1.Node) string {
	for _, a := range n.Status.Addresses {
		if a.Type == corev1.NodeInternalIP {
			return a.Address
		}
	}
	return ""
}
