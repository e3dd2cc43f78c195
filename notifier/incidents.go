package notifier

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"
)

// maxAffected bounds the names an incident remembers for its resolved message.
const maxAffected = 100

// incident is the pipeline's memory of one fingerprint.
type incident struct {
	fp      string
	channel string
	alert   Alert            // representative alert, refreshed from members
	members map[string]Alert // object key → latest alert
	// firstSeen is when the incident opened; lastChange when its members
	// last changed; clearSince when it last lost its final member.
	firstSeen, lastChange, clearSince time.Time
	lastNotified                      time.Time
	// posted: a message exists or is queued; ts is its Slack timestamp once known.
	posted bool
	ts     string
	// summarized incidents were reported in a start-up summary or a storm
	// digest and have no message of their own.
	summarized bool
	// preexisting incidents were open before the watchers synced.
	preexisting bool
	changed     bool            // members changed since the last message
	affected    map[string]bool // every member name while firing (bounded), for the resolved view
	// sentSig is the signature (members, restarts) of what the last message
	// showed; a change that leaves it equal (a restart re-observing the same
	// pods) sends nothing.
	sentSig string
}

// signature summarises what an update would change: which objects are
// members and the representative's restart count and reason.
func (inc *incident) signature() string {
	keys := make([]string, 0, len(inc.members))
	for k := range inc.members {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	h := sha256.New()
	fmt.Fprintf(h, "%s|%d|%s", inc.alert.Reason, inc.alert.Restarts, strings.Join(keys, ","))
	return hex.EncodeToString(h.Sum(nil)[:12])
}

// incidents is all incident state; only the pipeline goroutine touches it.
type incidents struct {
	p        *Pipeline
	byFP     map[string]*incident
	byObject map[string][]string // object key → fingerprints it is a member of
	outboxes map[string]*outbox  // channel → worker
	refs     map[string]MessageRef
	// nodesDown maps a NotReady node to its incident, for folding.
	nodesDown map[string]string
	posts     []time.Time // recent first posts, for storm detection
	synced    bool
	// handover is set when the restored state was saved moments ago: the
	// previous instance watched until then, so nothing found at start-up
	// is an old problem.
	handover bool
	dirty    bool // state changed since the last save
}

// handoverWindow is how recent a saved state must be for a start to count
// as a hand-over from a running instance rather than a cold start.
const handoverWindow = 5 * time.Minute

func newIncidents(p *Pipeline, snap Snapshot) *incidents {
	s := &incidents{
		p: p, byFP: map[string]*incident{}, byObject: map[string][]string{},
		outboxes: map[string]*outbox{}, refs: map[string]MessageRef{}, nodesDown: map[string]string{},
	}
	if !snap.SavedAt.IsZero() && p.now().Sub(snap.SavedAt) < handoverWindow {
		s.handover = true
	}
	for _, si := range snap.Incidents {
		inc := &incident{
			fp: si.Fingerprint, channel: si.Channel, alert: si.Alert, members: map[string]Alert{},
			firstSeen: si.FirstSeen, lastChange: si.FirstSeen, lastNotified: si.LastNotified,
			posted: si.TS != "" || si.Summarized, ts: si.TS, summarized: si.Summarized, sentSig: si.Signature,
		}
		s.byFP[inc.fp] = inc
		if si.TS != "" {
			s.refs[inc.fp] = MessageRef{Channel: si.Channel, TS: si.TS}
		}
	}
	return s
}

func objectKey(r ObjectRef) string { return r.Kind + "/" + r.Key() }

// apply records one observation: the object joins the incidents of its
// current alerts and leaves the ones it no longer has.
func (s *incidents) apply(o Observation) {
	now := s.p.now()
	if !o.At.IsZero() && o.At.Before(now) {
		now = o.At // when the watcher saw it, not when the queue delivered it
	}
	key := objectKey(o.Object)
	current := map[string]Alert{}
	if !o.Gone {
		for _, a := range o.Alerts {
			if a.Cluster == "" {
				a.Cluster = s.p.cfg.Cluster
			}
			if s.p.router.ignored(a) {
				s.p.metrics.suppressed.WithLabelValues(a.Reason, "ignored").Inc()
				continue
			}
			fp := a.Fingerprint()
			// While a node is NotReady, its pods' failures are its symptom:
			// they join the node's incident instead of opening their own.
			if a.Object.Kind == KindPod && a.Node != "" {
				if nodeFP, ok := s.nodesDown[a.Node]; ok {
					fp = nodeFP
				}
			}
			current[fp] = a
		}
	}
	if o.Object.Kind == KindNode {
		delete(s.nodesDown, o.Object.Name)
		for fp, a := range current {
			if a.Reason == ReasonNodeNotReady {
				s.nodesDown[o.Object.Name] = fp
			}
		}
	}
	for fp, a := range current {
		inc := s.byFP[fp]
		if inc == nil {
			if len(s.byFP) >= s.p.cfg.MaxIncidents {
				s.p.overflow.Add(1)
				s.p.metrics.overflow.Inc()
				continue
			}
			inc = &incident{fp: fp, channel: s.p.router.channel(a), alert: a, members: map[string]Alert{},
				firstSeen: now, preexisting: !s.synced}
			s.byFP[fp] = inc
			s.p.metrics.detected.WithLabelValues(a.Reason).Inc()
		}
		if _, had := inc.members[key]; !had {
			if inc.affected == nil {
				inc.affected = map[string]bool{}
			}
			if len(inc.affected) < maxAffected {
				inc.affected[a.Object.Name] = true
			}
			inc.changed = true
			inc.lastChange = now
			s.dirty = true
		}
		inc.members[key] = a
		if inc.alert.Object == a.Object || len(inc.members) == 1 {
			inc.alert = a // keep the representative's restart count and exit code fresh
		}
		inc.clearSince = time.Time{}
	}
	for _, fp := range s.byObject[key] {
		if _, still := current[fp]; still {
			continue
		}
		if inc := s.byFP[fp]; inc != nil {
			delete(inc.members, key)
			inc.changed = true
			inc.lastChange = now
			s.dirty = true
			if len(inc.members) == 0 {
				inc.clearSince = now
			} else if inc.alert.Object == o.Object {
				inc.alert = firstMember(inc)
			}
		}
	}
	if len(current) == 0 {
		delete(s.byObject, key)
	} else {
		fps := make([]string, 0, len(current))
		for fp := range current {
			fps = append(fps, fp)
		}
		s.byObject[key] = fps
	}
}

func firstMember(inc *incident) Alert {
	keys := make([]string, 0, len(inc.members))
	for k := range inc.members {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return inc.members[keys[0]]
}

// onSynced handles start-up: restored incidents whose members are all gone
// start their resolve grace now, and pre-existing problems are reported as
// configured.
func (s *incidents) onSynced(ctx context.Context) {
	s.synced = true
	now := s.p.now()
	var pre []*incident
	for _, inc := range s.byFP {
		if len(inc.members) == 0 && inc.clearSince.IsZero() {
			inc.clearSince = now
		}
		if inc.preexisting && !inc.posted {
			pre = append(pre, inc)
		}
		inc.preexisting = false
	}
	mode := s.p.cfg.StartupReport
	if s.handover {
		// Taking over from an instance that was watching until moments
		// ago: what it did not report appeared in the gap. Report each.
		mode = StartupEach
	}
	s.p.log.Info().Int("preexisting", len(pre)).Str("mode", string(mode)).Bool("handover", s.handover).Msg("watchers synced")
	if len(pre) == 0 {
		return
	}
	switch mode {
	case StartupEach:
		// Evaluated as new incidents on the next tick.
	case StartupNone:
		for _, inc := range pre {
			inc.summarized, inc.posted = true, true
		}
		s.dirty = true
	case StartupSummary:
		s.digest(ctx, pre, "Problems already present when Watchkeeper started")
	}
}

// evaluate runs every tick: it posts incidents whose group wait is over
// (or digests them in a storm), updates changed ones, re-notifies old ones
// and resolves cleared ones.
func (s *incidents) evaluate(ctx context.Context, now time.Time) {
	if !s.synced {
		return
	}
	var fresh []*incident
	for fp, inc := range s.byFP {
		if len(inc.members) == 0 {
			if !inc.clearSince.IsZero() && now.Sub(inc.clearSince) >= s.p.cfg.ResolveGrace {
				if inc.posted && !inc.summarized {
					s.send(ctx, inc, jobResolve, now)
					s.p.metrics.resolved.WithLabelValues(inc.alert.Reason).Inc()
				}
				delete(s.byFP, fp)
				s.dirty = true
			}
			continue
		}
		if s.p.router.silenced(inc.alert, now) {
			continue
		}
		switch {
		case !inc.posted:
			if now.Sub(inc.firstSeen) >= s.p.cfg.GroupWait {
				fresh = append(fresh, inc)
			}
		case inc.summarized:
			// Reported in a digest; it has no message to update.
		case now.Sub(inc.lastNotified) >= s.p.cfg.RepeatInterval:
			s.send(ctx, inc, jobRepeat, now)
		case inc.changed && inc.signature() == inc.sentSig:
			inc.changed = false // e.g. a restart re-observed the same members: nothing new to say
		case inc.changed:
			s.send(ctx, inc, jobUpsert, now)
		}
	}
	if n := s.p.overflow.Load(); n > 0 && len(fresh) == 0 {
		s.digest(ctx, nil, "")
	}
	if len(fresh) == 0 {
		return
	}
	slices.SortFunc(fresh, func(a, b *incident) int { return a.firstSeen.Compare(b.firstSeen) })
	// Storm detection: beyond StormThreshold first posts per window, new
	// incidents are listed in digests instead of a message each.
	cut := now.Add(-s.p.cfg.StormWindow)
	s.posts = slices.DeleteFunc(s.posts, func(t time.Time) bool { return t.Before(cut) })
	room := max(0, s.p.cfg.StormThreshold-len(s.posts))
	for i, inc := range fresh {
		if i >= room {
			s.digest(ctx, fresh[i:], "")
			break
		}
		s.posts = append(s.posts, now)
		s.send(ctx, inc, jobUpsert, now)
		s.p.metrics.sent.WithLabelValues(inc.alert.Reason).Inc()
	}
}

// send queues a message for inc on its channel's outbox.
func (s *incidents) send(ctx context.Context, inc *incident, kind jobKind, now time.Time) {
	v := s.view(inc, now)
	if kind == jobRepeat {
		v.Repeat = true
	}
	if kind == jobResolve {
		v.State = StateResolved
		v.ResolvedAt = now
	}
	if kind == jobUpsert && inc.posted {
		s.p.metrics.updated.WithLabelValues(inc.alert.Reason).Inc()
	}
	inc.posted = true
	inc.changed = false
	inc.sentSig = inc.signature()
	if kind != jobUpsert || inc.lastNotified.IsZero() {
		inc.lastNotified = now
	}
	s.dirty = true
	s.outbox(ctx, inc.channel).enqueue(job{kind: kind, fp: inc.fp, view: v})
}

// digest lists incidents in digest messages per channel, DigestSize at a
// time, and reports queue overflow. title overrides the storm heading.
func (s *incidents) digest(ctx context.Context, incs []*incident, title string) {
	now := s.p.now()
	byChannel := map[string][]View{}
	var order []string
	for _, inc := range incs {
		inc.posted, inc.summarized, inc.changed = true, true, false
		inc.lastNotified = now
		if _, ok := byChannel[inc.channel]; !ok {
			order = append(order, inc.channel)
		}
		byChannel[inc.channel] = append(byChannel[inc.channel], s.view(inc, now))
		s.p.metrics.sent.WithLabelValues(inc.alert.Reason).Inc()
	}
	overflow := int(s.p.overflow.Swap(0))
	if len(order) == 0 && overflow > 0 {
		order = append(order, s.p.cfg.DefaultChannel)
	}
	s.dirty = true
	for ci, ch := range order {
		views := byChannel[ch]
		for start := 0; start < len(views) || (start == 0 && ci == 0 && overflow > 0); start += s.p.cfg.DigestSize {
			end := min(start+s.p.cfg.DigestSize, len(views))
			d := Digest{Cluster: s.p.cfg.Cluster, Title: title, Items: views[start:end], At: now}
			if ci == 0 && start == 0 {
				d.Overflow = overflow
			}
			s.outbox(ctx, ch).enqueue(job{kind: jobDigest, fp: "digest", digest: d})
			if end >= len(views) {
				break
			}
		}
	}
}

func (s *incidents) memberNames(inc *incident) []string {
	names := make([]string, 0, len(inc.members))
	for _, a := range inc.members {
		names = append(names, a.Object.Name)
	}
	sort.Strings(names)
	return names
}

func (s *incidents) view(inc *incident, now time.Time) View {
	names := s.memberNames(inc)
	if len(names) == 0 {
		// Resolved: name everyone who was affected.
		for n := range inc.affected {
			names = append(names, n)
		}
		sort.Strings(names)
	}
	count := len(names)
	if len(names) > MaxMembersShown {
		names = names[:MaxMembersShown]
	}
	return View{
		Fingerprint: inc.fp, Alert: inc.alert, Members: names, Count: count, State: StateFiring,
		FirstSeen: inc.firstSeen, LastSeen: now,
	}
}

func (s *incidents) onResult(r result) {
	inc := s.byFP[r.fp]
	if r.err != nil || inc == nil {
		return
	}
	if r.ref.TS != "" && inc.ts != r.ref.TS {
		inc.ts = r.ref.TS
		s.dirty = true
	}
}

func (s *incidents) outbox(ctx context.Context, channel string) *outbox {
	ob := s.outboxes[channel]
	if ob == nil {
		refs := map[string]MessageRef{}
		for fp, ref := range s.refs {
			if ref.Channel == channel {
				refs[fp] = ref
			}
		}
		ob = newOutbox(channel, s.p, refs)
		s.outboxes[channel] = ob
		go ob.run(ctx)
	}
	return ob
}

func (s *incidents) stopOutboxes() {
	for _, ob := range s.outboxes {
		ob.wait()
	}
}
