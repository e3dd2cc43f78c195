package notifier

import "time"

// State is where an incident is in its life.
type State string

// Incident states.
const (
	StateFiring   State = "firing"
	StateResolved State = "resolved"
)

// Enrichment is context fetched once per incident (not per update): the last
// log lines and recent events, already redacted.
type Enrichment struct {
	// LogContainer names whose logs these are, e.g. "api (previous)".
	LogContainer string
	Logs         []string
	Events       []string
}

// View is everything a renderer needs to draw one incident message. The
// pipeline builds it from its incident state; renderers never see state.
type View struct {
	Fingerprint string
	// Alert is the representative alert: the first member's, refreshed with
	// the latest restart count and exit code.
	Alert Alert
	// Members are the affected object names (pods), sorted, at most
	// MaxMembersShown; Count is the total.
	Members []string
	Count   int
	State   State
	// FirstSeen is when the incident opened, LastSeen when it last changed,
	// ResolvedAt when it cleared (zero while firing).
	FirstSeen, LastSeen, ResolvedAt time.Time
	// Repeat marks a re-notification after repeatInterval.
	Repeat     bool
	Enrichment Enrichment
}

// MaxMembersShown bounds the member list drawn in one message.
const MaxMembersShown = 20

// Digest is one storm-mode message: many new incidents summarised at once.
type Digest struct {
	Cluster string
	// Title, when set, replaces the storm heading (e.g. the start-up summary).
	Title string
	Items []View
	// Overflow counts observations the pipeline could not queue since the
	// last digest; non-zero means some alerts are summarised, not itemised.
	Overflow int
	// Suppressed counts incidents folded into this digest beyond Items.
	Suppressed int
	At         time.Time
}
