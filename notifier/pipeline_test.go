package notifier

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"
	"github.com/stretchr/testify/require"
)

// fakeClock is the pipeline's injected clock.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// recorder is a Sender that records what would reach Slack.
type recorder struct {
	mu      sync.Mutex
	seq     int
	posts   []sent
	updates []sent
	replies []sent
	failFor int // fail the next n calls with retry=true
}

type sent struct {
	ref  MessageRef
	text string
}

func (r *recorder) fail() bool {
	if r.failFor > 0 {
		r.failFor--
		return true
	}
	return false
}

func (r *recorder) Post(_ context.Context, ch string, m Message) (MessageRef, bool, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.fail() {
		return MessageRef{}, true, &RetryAfterError{After: time.Millisecond, Err: fmt.Errorf("ratelimited")}
	}
	r.seq++
	ref := MessageRef{Channel: ch, TS: fmt.Sprintf("%d.000", r.seq)}
	r.posts = append(r.posts, sent{ref, m.Text})
	return ref, false, nil
}

func (r *recorder) Update(_ context.Context, ref MessageRef, m Message) (bool, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.updates = append(r.updates, sent{ref, m.Text})
	return false, nil
}

func (r *recorder) Reply(_ context.Context, ref MessageRef, m Message) (bool, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.replies = append(r.replies, sent{ref, m.Text})
	return false, nil
}

func (r *recorder) snapshot() (posts, updates, replies []sent) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]sent(nil), r.posts...), append([]sent(nil), r.updates...), append([]sent(nil), r.replies...)
}

// textRenderer renders plain text that tests can search.
type plainRenderer struct{}

func (plainRenderer) Incident(v View) Message {
	return Message{Text: fmt.Sprintf("%s %s %s members=%s count=%d repeat=%v", v.State, v.Alert.Reason, v.Alert.Owner.Name, strings.Join(v.Members, ","), v.Count, v.Repeat)}
}
func (plainRenderer) Digest(d Digest) Message {
	var parts []string
	for _, it := range d.Items {
		parts = append(parts, it.Alert.Owner.Name+":"+strings.Join(it.Members, ","))
	}
	return Message{Text: fmt.Sprintf("digest %q overflow=%d items=%s", d.Title, d.Overflow, strings.Join(parts, " "))}
}
func (plainRenderer) ThreadNote(v View) Message { return Message{Text: "note " + string(v.State)} }

type memStore struct {
	mu   sync.Mutex
	snap Snapshot
}

func (m *memStore) Load(context.Context) (Snapshot, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.snap, nil
}
func (m *memStore) Save(_ context.Context, s Snapshot) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.snap = s
	return nil
}

type harness struct {
	once   sync.Once
	t      *testing.T
	p      *Pipeline
	rec    *recorder
	clock  *fakeClock
	cancel context.CancelFunc
	done   chan error
}

// start runs a pipeline. Unless preSync, it is already synced, as after
// the watchers' initial pass.
func start(t *testing.T, cfg Config, store StateStore, rec *recorder, preSync ...bool) *harness {
	t.Helper()
	if rec == nil {
		rec = &recorder{}
	}
	clock := &fakeClock{now: time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)}
	cfg.Cluster = "test"
	if cfg.DefaultChannel == "" {
		cfg.DefaultChannel = "C0DEFAULT"
	}
	cfg.Tick = 2 * time.Millisecond
	cfg.SaveInterval = time.Nanosecond
	cfg.Backoff = Backoff{Initial: time.Millisecond, Max: 2 * time.Millisecond}
	p, err := New(cfg, Deps{Sender: rec, Renderer: plainRenderer{}, Store: store, Now: clock.Now, Registerer: prometheus.NewRegistry()}, zerolog.Nop())
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	h := &harness{t: t, p: p, rec: rec, clock: clock, cancel: cancel, done: make(chan error, 1)}
	if len(preSync) == 0 {
		p.Synced()
	}
	go func() { h.done <- p.Start(ctx) }()
	t.Cleanup(h.stop)
	if len(preSync) == 0 {
		<-p.startupDone
	}
	return h
}

func (h *harness) stop() {
	h.once.Do(func() {
		h.cancel()
		select {
		case <-h.done:
		case <-time.After(5 * time.Second):
			h.t.Error("pipeline did not stop")
		}
	})
}

func (h *harness) observe(pod, owner, reason string) {
	h.t.Helper()
	a := Alert{Object: ObjectRef{Kind: KindPod, Namespace: "shop", Name: pod}, Owner: Owner{Kind: "Deployment", Name: owner},
		Container: "app", Reason: reason, Severity: SeverityCritical}
	require.NoError(h.t, h.p.Observe(Observation{Object: a.Object, Alerts: []Alert{a}}))
}

func (h *harness) healthy(pod string) {
	h.t.Helper()
	require.NoError(h.t, h.p.Observe(Observation{Object: ObjectRef{Kind: KindPod, Namespace: "shop", Name: pod}}))
}

// eventually polls the recorder until cond holds.
func (h *harness) eventually(cond func(posts, updates, replies []sent) bool, msg string) {
	h.t.Helper()
	require.Eventually(h.t, func() bool { p, u, r := h.rec.snapshot(); return cond(p, u, r) }, 5*time.Second, time.Millisecond, msg)
}

// settle lets the pipeline drain its queue and run a few ticks.
func (h *harness) settle() {
	h.t.Helper()
	for range 3 {
		require.Eventually(h.t, func() bool { return len(h.p.queue) == 0 }, 5*time.Second, time.Millisecond)
		time.Sleep(10 * time.Millisecond) // a few real ticks; nothing is asserted on timing
	}
}

func TestGroupingDedupRepeatResolve(t *testing.T) {
	h := start(t, Config{GroupWait: 10 * time.Second, RepeatInterval: time.Hour, ResolveGrace: time.Minute}, nil, nil)
	h.observe("api-1", "api", "CrashLoopBackOff")
	h.observe("api-2", "api", "CrashLoopBackOff")
	h.settle()
	p, _, _ := h.rec.snapshot()
	require.Empty(t, p, "nothing before the group wait")

	h.clock.Advance(10 * time.Second)
	h.eventually(func(p, _, _ []sent) bool { return len(p) == 1 }, "one post for two pods")
	p, _, _ = h.rec.snapshot()
	require.Contains(t, p[0].text, "members=api-1,api-2 count=2")

	// A third pod joins: the message is updated, not re-posted.
	h.observe("api-3", "api", "CrashLoopBackOff")
	h.eventually(func(_, u, _ []sent) bool { return len(u) == 1 }, "update when a member joins")
	_, u, _ := h.rec.snapshot()
	require.Contains(t, u[0].text, "count=3")
	require.Equal(t, p[0].ref, u[0].ref)

	// The same pods failing again changes nothing.
	h.observe("api-1", "api", "CrashLoopBackOff")
	h.clock.Advance(time.Minute)
	h.settle()
	p, u, _ = h.rec.snapshot()
	require.Len(t, p, 1)
	require.Len(t, u, 1)

	// Still firing after the repeat interval: updated and noted in the thread.
	h.clock.Advance(time.Hour)
	h.eventually(func(_, _, r []sent) bool { return len(r) == 1 }, "repeat note")
	_, u, _ = h.rec.snapshot()
	require.Contains(t, u[len(u)-1].text, "repeat=true")

	// Recovery: resolved only after the grace period.
	for _, pod := range []string{"api-1", "api-2", "api-3"} {
		h.healthy(pod)
	}
	h.settle()
	h.clock.Advance(30 * time.Second)
	h.settle()
	_, _, r := h.rec.snapshot()
	require.Len(t, r, 1, "not resolved within the grace period")
	h.clock.Advance(31 * time.Second)
	h.eventually(func(_, u, r []sent) bool { return len(r) == 2 && strings.HasPrefix(u[len(u)-1].text, "resolved") }, "resolved")
	_, u, r = h.rec.snapshot()
	require.Equal(t, "note resolved", r[1].text)
	require.Contains(t, u[len(u)-1].text, "members=api-1,api-2,api-3 count=3", "the resolved message still names who was affected")
	require.Equal(t, p[0].ref, r[1].ref)
}

func TestFlapWithinGraceIsNotResolved(t *testing.T) {
	h := start(t, Config{GroupWait: time.Second, ResolveGrace: time.Minute}, nil, nil)
	h.observe("w-1", "w", "CrashLoopBackOff")
	h.settle()
	h.clock.Advance(time.Second)
	h.eventually(func(p, _, _ []sent) bool { return len(p) == 1 }, "posted")
	h.healthy("w-1")
	h.settle()
	h.clock.Advance(30 * time.Second)
	h.observe("w-1", "w", "CrashLoopBackOff")
	h.settle()
	h.clock.Advance(40 * time.Second)
	h.settle()
	p, _, r := h.rec.snapshot()
	require.Len(t, p, 1)
	require.Empty(t, r, "a flap inside the grace period is not a resolution")
}

func TestStormBecomesDigestAndNothingIsLost(t *testing.T) {
	h := start(t, Config{GroupWait: time.Second, StormThreshold: 3, StormWindow: time.Minute, DigestSize: 4}, nil, &recorder{failFor: 5})
	h.p.Synced()
	for i := range 10 {
		h.observe(fmt.Sprintf("p%d-1", i), fmt.Sprintf("svc%d", i), "CrashLoopBackOff")
	}
	h.settle()
	h.clock.Advance(time.Second)
	// 3 own messages, then 7 incidents in digests of at most 4.
	h.eventually(func(p, _, _ []sent) bool { return len(p) == 5 }, "3 posts + 2 digests")
	p, _, _ := h.rec.snapshot()
	all := ""
	digests := 0
	for _, s := range p {
		all += s.text + "\n"
		if strings.HasPrefix(s.text, "digest") {
			digests++
		}
	}
	require.Equal(t, 2, digests)
	for i := range 10 {
		require.Contains(t, all, fmt.Sprintf("p%d-1", i), "every pod named")
	}
}

func TestQueueOverflowIsCountedAndReported(t *testing.T) {
	rec := &recorder{}
	clock := &fakeClock{now: time.Unix(0, 0)}
	p, err := New(Config{Cluster: "c", DefaultChannel: "C0DEFAULT", QueueSize: 1, Tick: 2 * time.Millisecond},
		Deps{Sender: rec, Renderer: plainRenderer{}, Now: clock.Now}, zerolog.Nop())
	require.NoError(t, err)
	o := Observation{Object: ObjectRef{Kind: KindPod, Namespace: "a", Name: "b"}}
	require.NoError(t, p.Observe(o))
	require.ErrorIs(t, p.Observe(o), ErrQueueFull, "a full queue refuses at once instead of blocking")

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Start(ctx) }()
	defer func() { cancel(); <-done }()
	p.Synced()
	require.Eventually(t, func() bool {
		ps, _, _ := rec.snapshot()
		return len(ps) == 1 && strings.Contains(ps[0].text, "overflow=1")
	}, 5*time.Second, time.Millisecond, "the overflow is reported, not silent")
}

func TestStartupSummaryAndRestoreAcrossRestart(t *testing.T) {
	store := &memStore{}
	h := start(t, Config{GroupWait: time.Second, ResolveGrace: time.Minute}, store, nil, true)
	// Problems seen before sync are pre-existing: one summary.
	h.observe("old-1", "old", "CrashLoopBackOff")
	h.observe("older-1", "older", "ImagePullBackOff")
	h.settle()
	h.p.Synced()
	h.eventually(func(p, _, _ []sent) bool { return len(p) == 1 }, "one summary")
	p, _, _ := h.rec.snapshot()
	require.Contains(t, p[0].text, "already present")
	require.Contains(t, p[0].text, "old-1")
	require.Contains(t, p[0].text, "older-1")

	// A new problem after sync gets its own message.
	h.observe("new-1", "new", "CrashLoopBackOff")
	h.settle()
	h.clock.Advance(time.Second)
	h.eventually(func(p, _, _ []sent) bool { return len(p) == 2 }, "own message")
	p, _, _ = h.rec.snapshot()
	require.Eventually(t, func() bool { store.mu.Lock(); defer store.mu.Unlock(); return len(store.snap.Incidents) == 3 }, 5*time.Second, time.Millisecond)
	h.stop()

	// Restart with the same store: nothing is re-posted, and the recovery
	// resolves the original message.
	rec2 := &recorder{}
	h2 := start(t, Config{GroupWait: time.Second, ResolveGrace: time.Minute}, store, rec2, true)
	h2.observe("old-1", "old", "CrashLoopBackOff")
	h2.observe("older-1", "older", "ImagePullBackOff")
	h2.settle()
	h2.p.Synced()
	h2.clock.Advance(2 * time.Second)
	h2.settle()
	posts, _, _ := rec2.snapshot()
	require.Empty(t, posts, "a restart never re-alerts")
	// new-1 was not observed failing after the restart: it recovered while we
	// were down, so its message is resolved after the grace period.
	h2.clock.Advance(time.Minute)
	h2.eventually(func(_, u, r []sent) bool { return len(r) == 1 && len(u) == 1 }, "resolved after restart")
	_, u, _ := rec2.snapshot()
	require.Equal(t, p[1].ref, u[0].ref)
}

func TestIgnoreAndRoute(t *testing.T) {
	h := start(t, Config{GroupWait: time.Second,
		Ignore: Ignore{Namespaces: []string{"kube-*"}, Pods: []string{"^debug-"}},
		Routes: []Route{{Match: Match{Reasons: []string{"ImagePullBackOff"}}, Channel: "C0IMAGES"}},
	}, nil, nil)
	quiet := Alert{Object: ObjectRef{Kind: KindPod, Namespace: "kube-system", Name: "dns"}, Owner: Owner{Kind: "Deployment", Name: "dns"}, Reason: "CrashLoopBackOff"}
	require.NoError(t, h.p.Observe(Observation{Object: quiet.Object, Alerts: []Alert{quiet}}))
	h.observe("debug-shell", "debug-shell", "CrashLoopBackOff")
	h.observe("web-1", "web", "ImagePullBackOff")
	h.settle()
	h.clock.Advance(time.Second)
	h.eventually(func(p, _, _ []sent) bool { return len(p) == 1 }, "one routed post")
	h.settle()
	p, _, _ := h.rec.snapshot()
	require.Len(t, p, 1)
	require.Equal(t, "C0IMAGES", p[0].ref.Channel)
}

func TestPodAlertsFoldIntoNotReadyNode(t *testing.T) {
	h := start(t, Config{GroupWait: time.Second, ResolveGrace: time.Minute}, nil, nil)
	node := Alert{Object: ObjectRef{Kind: KindNode, Name: "node-7"}, Owner: Owner{Kind: "Node", Name: "node-7"}, Node: "node-7",
		Reason: ReasonNodeNotReady, Severity: SeverityCritical}
	require.NoError(t, h.p.Observe(Observation{Object: node.Object, Alerts: []Alert{node}}))
	for i := range 3 {
		a := Alert{Object: ObjectRef{Kind: KindPod, Namespace: "shop", Name: fmt.Sprintf("api-%d", i)}, Owner: Owner{Kind: "Deployment", Name: "api"},
			Node: "node-7", Container: "app", Reason: "CrashLoopBackOff"}
		require.NoError(t, h.p.Observe(Observation{Object: a.Object, Alerts: []Alert{a}}))
	}
	// A pod on a healthy node still alerts on its own.
	h.observe("web-1", "web", "CrashLoopBackOff")
	h.settle()
	h.clock.Advance(time.Second)
	h.eventually(func(p, _, _ []sent) bool { return len(p) == 2 }, "node incident + unrelated pod")
	h.settle()
	p, _, _ := h.rec.snapshot()
	require.Len(t, p, 2, "the node's pods did not post their own messages")
	var nodeMsg string
	for _, s := range p {
		if strings.Contains(s.text, ReasonNodeNotReady) {
			nodeMsg = s.text
		}
	}
	require.Contains(t, nodeMsg, "members=api-0,api-1,api-2,node-7 count=4")
}

// TestHandoverReportsGapProblemsIndividually: a start from state saved
// moments ago (a restart or a leader hand-over) reports problems that
// appeared in the gap as new incidents, not as "already present"; a start
// from old state still summarizes.
func TestHandoverReportsGapProblemsIndividually(t *testing.T) {
	for _, tc := range []struct {
		name    string
		savedAt time.Duration // before the new instance's clock
		summary bool
	}{
		{"handover", -30 * time.Second, false},
		{"cold start from old state", -2 * time.Hour, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			now := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
			store := &memStore{snap: Snapshot{Version: snapshotVersion, SavedAt: now.Add(tc.savedAt)}}
			h := start(t, Config{GroupWait: time.Second, ResolveGrace: time.Minute}, store, nil, true)
			h.observe("gap-1", "gap", "CrashLoopBackOff")
			h.settle()
			h.p.Synced()
			h.clock.Advance(2 * time.Second)
			h.eventually(func(p, _, _ []sent) bool { return len(p) == 1 }, "one post")
			p, _, _ := h.rec.snapshot()
			require.Equal(t, tc.summary, strings.Contains(p[0].text, "already present"), p[0].text)
			require.Contains(t, p[0].text, "gap-1")
		})
	}
}

// TestRestartSendsNoUnchangedUpdates: after a restart the watchers
// re-observe every member of every restored incident; if nothing differs
// from what the last message showed, no chat.update is sent. A real change
// still updates.
func TestRestartSendsNoUnchangedUpdates(t *testing.T) {
	store := &memStore{}
	h := start(t, Config{GroupWait: time.Second, ResolveGrace: time.Minute}, store, nil, true)
	h.p.Synced()
	<-h.p.startupDone // what follows is new, not pre-existing
	h.observe("web-1", "web", "CrashLoopBackOff")
	h.observe("web-2", "web", "CrashLoopBackOff")
	h.settle()
	h.clock.Advance(2 * time.Second)
	h.eventually(func(p, _, _ []sent) bool { return len(p) == 1 }, "one message for the workload")
	h.stop() // saves the state on the way out
	store.mu.Lock()
	require.Len(t, store.snap.Incidents, 1)
	require.NotEmpty(t, store.snap.Incidents[0].Signature)
	store.mu.Unlock()

	rec2 := &recorder{}
	h2 := start(t, Config{GroupWait: time.Second, ResolveGrace: time.Minute}, store, rec2, true)
	h2.observe("web-1", "web", "CrashLoopBackOff")
	h2.observe("web-2", "web", "CrashLoopBackOff")
	h2.settle()
	h2.p.Synced()
	h2.clock.Advance(2 * time.Second)
	h2.settle()
	p, u, _ := rec2.snapshot()
	require.Empty(t, p)
	require.Empty(t, u, "the same members: nothing to update")

	h2.observe("web-3", "web", "CrashLoopBackOff")
	h2.settle()
	h2.clock.Advance(time.Second)
	h2.eventually(func(_, u, _ []sent) bool { return len(u) == 1 }, "a new member updates the message")
}
