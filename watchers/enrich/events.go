package enrich

import (
	"cmp"
	"context"
	"slices"
	"strconv"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"

	"github.com/watchkeeper/watchkeeper/notifier"
)

// events returns the object's most recent events, oldest first, formatted
// and redacted.
func (e *Enricher) events(ctx context.Context, a notifier.Alert) []string {
	ctx, cancel := context.WithTimeout(ctx, e.cfg.Timeout)
	defer cancel()
	list, err := e.client.CoreV1().Events(a.Object.Namespace).List(ctx, metav1.ListOptions{
		FieldSelector: eventSelector(a.Object).String(),
		// Served from the API server's watch cache, not etcd; a few
		// milliseconds of staleness does not matter here.
		ResourceVersion: "0",
	})
	if err != nil {
		e.debug(a, err).Msg("events unavailable")
		return []string{"events unavailable: " + describe(err)}
	}
	return e.redactor.Lines(formatEvents(list.Items, a.Object, e.cfg.MaxEvents))
}

// eventSelector selects the events about ref: by UID, so a pod recreated
// under the same name does not inherit its predecessor's events, or by
// kind and name when the UID is unknown.
func eventSelector(ref notifier.ObjectRef) fields.Selector {
	if ref.UID != "" {
		return fields.OneTermEqualSelector("involvedObject.uid", ref.UID)
	}
	return fields.SelectorFromSet(fields.Set{
		"involvedObject.kind": ref.Kind,
		"involvedObject.name": ref.Name,
	})
}

// about reports whether ev is about ref. The API server already filters by
// eventSelector; checking again keeps a server (or fake) that ignores the
// selector from attaching another object's events.
func about(ev *corev1.Event, ref notifier.ObjectRef) bool {
	o := ev.InvolvedObject
	if ref.UID != "" {
		return string(o.UID) == ref.UID
	}
	return o.Kind == ref.Kind && o.Name == ref.Name
}

// formatEvents keeps the newest limit events about ref and formats them
// oldest first as "Reason: message (xN)".
func formatEvents(items []corev1.Event, ref notifier.ObjectRef, limit int) []string {
	evs := make([]*corev1.Event, 0, len(items))
	for i := range items {
		if about(&items[i], ref) {
			evs = append(evs, &items[i])
		}
	}
	slices.SortStableFunc(evs, func(x, y *corev1.Event) int {
		return cmp.Or(lastSeen(x).Compare(lastSeen(y)), strings.Compare(x.Name, y.Name))
	})
	if len(evs) > limit {
		evs = evs[len(evs)-limit:]
	}
	out := make([]string, 0, len(evs))
	for _, ev := range evs {
		out = append(out, formatEvent(ev))
	}
	return out
}

// lastSeen is when an event last happened. Which field says so depends on
// the writer: events.k8s.io clients fill eventTime and series, core/v1
// clients lastTimestamp and count.
func lastSeen(ev *corev1.Event) time.Time {
	var t time.Time
	for _, c := range []time.Time{
		seriesTime(ev), ev.LastTimestamp.Time, ev.EventTime.Time, ev.FirstTimestamp.Time, ev.CreationTimestamp.Time,
	} {
		if c.After(t) {
			t = c
		}
	}
	return t
}

func seriesTime(ev *corev1.Event) time.Time {
	if ev.Series == nil {
		return time.Time{}
	}
	return ev.Series.LastObservedTime.Time
}

func formatEvent(ev *corev1.Event) string {
	count := ev.Count
	if ev.Series != nil && ev.Series.Count > count {
		count = ev.Series.Count
	}
	s := strings.Join(strings.Fields(ev.Message), " ")
	if ev.Reason != "" {
		s = ev.Reason + ": " + s
	}
	if count > 1 {
		s += " (x" + strconv.Itoa(int(count)) + ")"
	}
	return s
}
