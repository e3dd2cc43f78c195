package notifier

import (
	"fmt"
	"path"
	"regexp"
	"slices"
	"time"
)

// Match selects alerts. Empty fields match everything; within a field any
// entry may match; all non-empty fields must match.
type Match struct {
	// Namespaces are globs (path.Match syntax: "payments-*").
	Namespaces []string
	// Labels must all be present with these values on the object.
	Labels map[string]string
	// Reasons are exact alert reasons (CrashLoopBackOff, OOMKilled, ...).
	Reasons []string
	// Severities are exact severities.
	Severities []Severity
	// Names are exact workload (owner) or object names; a runtime silence
	// of "shop/api" matches the Deployment api's pods.
	Names []string
}

// Route sends matching alerts to Channel. The first matching route wins.
type Route struct {
	Match   Match
	Channel string
}

// Ignore drops alerts before they become incidents.
type Ignore struct {
	Namespaces []string // globs
	Pods       []string // regular expressions on the pod name
	Containers []string // exact container names
	Reasons    []string // exact reasons
}

// Silence mutes matching alerts until Until (zero: forever). Silenced alerts
// are still tracked, so nothing re-alerts when the silence ends unless it is
// still firing.
type Silence struct {
	Match   Match
	Until   time.Time
	Comment string
}

// router decides whether and where an alert goes. It is compiled once in
// the constructor so nothing can fail at send time.
type router struct {
	defaultChannel string
	routes         []Route
	ignore         Ignore
	ignorePods     []*regexp.Regexp
	silences       []Silence
	runtime        SilenceSource
}

// SilenceSource supplies silences made at run time (the chat `silence`
// command); SilenceStore implements it.
type SilenceSource interface {
	Silences(now time.Time) []Silence
}

func newRouter(defaultChannel string, routes []Route, ignore Ignore, silences []Silence) (*router, error) {
	r := &router{defaultChannel: defaultChannel, routes: routes, ignore: ignore, silences: silences}
	for i, expr := range ignore.Pods {
		re, err := regexp.Compile(expr)
		if err != nil {
			return nil, fmt.Errorf("ignore.pods[%d]: %w", i, err)
		}
		r.ignorePods = append(r.ignorePods, re)
	}
	check := func(key string, globs []string) error {
		for i, g := range globs {
			if _, err := path.Match(g, ""); err != nil {
				return fmt.Errorf("%s[%d]: bad glob %q: %w", key, i, g, err)
			}
		}
		return nil
	}
	if err := check("ignore.namespaces", ignore.Namespaces); err != nil {
		return nil, err
	}
	for i, rt := range routes {
		if rt.Channel == "" {
			return nil, fmt.Errorf("routes[%d].channel: required", i)
		}
		if err := check(fmt.Sprintf("routes[%d].match.namespaces", i), rt.Match.Namespaces); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// ignored reports whether a is dropped outright.
func (r *router) ignored(a Alert) bool {
	if globAny(r.ignore.Namespaces, a.Object.Namespace) ||
		slices.Contains(r.ignore.Reasons, a.Reason) ||
		(a.Container != "" && slices.Contains(r.ignore.Containers, a.Container)) {
		return true
	}
	if a.Object.Kind == KindPod {
		for _, re := range r.ignorePods {
			if re.MatchString(a.Object.Name) {
				return true
			}
		}
	}
	return false
}

// silenced reports whether a is muted at now, by a configured silence or
// a runtime one (the chat `silence` command).
func (r *router) silenced(a Alert, now time.Time) bool {
	silences := r.silences
	if r.runtime != nil {
		silences = append(slices.Clip(silences), r.runtime.Silences(now)...)
	}
	for _, s := range silences {
		if (s.Until.IsZero() || now.Before(s.Until)) && s.Match.matches(a) {
			return true
		}
	}
	return false
}

// channel picks the destination for a.
func (r *router) channel(a Alert) string {
	for _, rt := range r.routes {
		if rt.Match.matches(a) {
			return rt.Channel
		}
	}
	return r.defaultChannel
}

func (m Match) matches(a Alert) bool {
	if len(m.Namespaces) > 0 && !globAny(m.Namespaces, a.Object.Namespace) {
		return false
	}
	for k, v := range m.Labels {
		if got, ok := a.Labels[k]; !ok || got != v {
			return false
		}
	}
	if len(m.Reasons) > 0 && !slices.Contains(m.Reasons, a.Reason) {
		return false
	}
	if len(m.Severities) > 0 && !slices.Contains(m.Severities, a.Severity) {
		return false
	}
	if len(m.Names) > 0 && !slices.Contains(m.Names, a.Owner.Name) && !slices.Contains(m.Names, a.Object.Name) {
		return false
	}
	return true
}

func globAny(globs []string, s string) bool {
	for _, g := range globs {
		if ok, _ := path.Match(g, s); ok {
			return true
		}
	}
	return false
}
