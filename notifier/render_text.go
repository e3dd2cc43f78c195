package notifier

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// TextRenderer draws messages as plain text for the ConsoleSender: no Slack
// markup, no blocks.
type TextRenderer struct{}

// Incident renders v with RenderText.
func (TextRenderer) Incident(v View) Message { return Message{Text: RenderText(v)} }

// Digest renders d with RenderDigestText.
func (TextRenderer) Digest(d Digest) Message { return Message{Text: RenderDigestText(d)} }

// ThreadNote renders v with RenderThreadNoteText.
func (TextRenderer) ThreadNote(v View) Message { return Message{Text: RenderThreadNoteText(v)} }

// Interface guards.
var (
	_ Renderer = SlackRenderer{}
	_ Renderer = TextRenderer{}
)

// RenderText draws one incident as readable multi-line text: a title line,
// the facts as aligned rows, then logs and events. Resolved incidents get
// the title and timing only.
func RenderText(v View) string {
	a, e := v.Alert, v.Enrichment
	var b strings.Builder
	title := oneLine(a.Title())
	switch {
	case v.State == StateResolved:
		b.WriteString("RESOLVED  " + title)
		b.WriteString(resolvedAfter(v))
	case v.Repeat:
		b.WriteString("STILL FIRING  " + strings.ToUpper(severityName(a.Severity)) + "  " + title)
	default:
		b.WriteString(strings.ToUpper(severityName(a.Severity)) + "  " + title)
	}
	b.WriteByte('\n')

	row := func(label, value string) {
		if value = strings.TrimSpace(value); value != "" {
			fmt.Fprintf(&b, "  %-12s %s\n", label, value)
		}
	}
	row("cluster", oneLine(a.Cluster))
	if v.State != StateResolved {
		row("namespace", oneLine(a.Object.Namespace))
		if a.Owner.Name != "" && a.Owner.Kind != KindPod {
			row("workload", oneLine(a.Owner.Kind+"/"+a.Owner.Name))
		}
		if v.Count > 1 {
			row(kindNoun(a.Object.Kind)+"s", textMembers(v))
		} else {
			row(strings.ToLower(kindLabel(a.Object.Kind)), oneLine(a.Object.Name))
		}
		row("container", oneLine(a.Container))
		if a.Object.Kind != KindNode {
			row("node", oneLine(a.Node))
		}
		if a.Restarts > 0 {
			row("restarts", strconv.Itoa(int(a.Restarts)))
		}
		if a.ExitCode != nil {
			row("exit code", strconv.Itoa(int(*a.ExitCode)))
		}
		row("image", oneLine(a.Image))
		row("cause", oneLine(a.Cause))
		row("message", oneLine(a.Message))
	}
	if !v.FirstSeen.IsZero() {
		row("first seen", v.FirstSeen.UTC().Format(time.RFC3339))
	}
	if v.State == StateResolved && !v.ResolvedAt.IsZero() {
		row("resolved", v.ResolvedAt.UTC().Format(time.RFC3339))
	}
	row("fingerprint", oneLine(v.Fingerprint))

	if v.State != StateResolved {
		if len(e.Logs) > 0 {
			title := "logs"
			if c := strings.TrimSpace(oneLine(e.LogContainer)); c != "" {
				title += " (" + c + ")"
			}
			textLines(&b, title, e.Logs)
		}
		if len(e.Events) > 0 {
			textLines(&b, "events", e.Events)
		}
		if buttons := alertButtons(v); len(buttons) > 0 {
			b.WriteString("  try:\n")
			for _, btn := range buttons {
				fmt.Fprintf(&b, "    %s\n", btn.command)
			}
		}
	}
	return strings.TrimRight(b.String(), "\n")
}

// RenderThreadNoteText is the console form of RenderThreadNote.
func RenderThreadNoteText(v View) string {
	if v.State == StateResolved {
		s := "resolved"
		s += resolvedAfter(v)
		return s + ": " + oneLine(v.Alert.Title())
	}
	s := "still firing: " + oneLine(v.Alert.Title())
	if !v.FirstSeen.IsZero() {
		s += " since " + v.FirstSeen.UTC().Format(time.RFC3339)
	}
	if v.Count > 1 {
		s += ", " + plural(v.Count, kindNoun(v.Alert.Object.Kind))
	}
	if v.Alert.Restarts > 0 {
		s += ", " + plural(int(v.Alert.Restarts), "restart")
	}
	return s
}

// RenderDigestText draws a storm digest as text, one line per incident.
func RenderDigestText(d Digest) string {
	var b strings.Builder
	b.WriteString(digestTitle(d) + "\n")
	if d.Overflow > 0 {
		fmt.Fprintf(&b, "  ! %s could not be queued and %s summarised here\n", plural(d.Overflow, "alert update"), isAre(d.Overflow))
	}
	for _, g := range groupBySeverity(d.Items) {
		for _, v := range g.items {
			line := oneLine(v.Alert.Reason) + " — " + oneLine(workloadPath(v.Alert))
			if v.Count > 1 {
				line += " (" + plural(v.Count, kindNoun(v.Alert.Object.Kind)) + ")"
			}
			if len(v.Members) > 0 && !(len(v.Members) == 1 && v.Members[0] == v.Alert.Owner.Name) {
				line += ": " + oneLine(strings.Join(v.Members, ", "))
				if extra := v.Count - len(v.Members); extra > 0 {
					line += fmt.Sprintf(" and %d more", extra)
				}
			}
			fmt.Fprintf(&b, "  - [%s] %s\n", strings.ToLower(severityName(g.sev)), line)
		}
	}
	if d.Suppressed > 0 {
		fmt.Fprintf(&b, "  … and %d more not shown\n", d.Suppressed)
	}
	return strings.TrimRight(b.String(), "\n")
}

// digestTitle is a digest's heading, unescaped: the storm heading, the
// caller's Title, or, for a digest that only reports overflow, that.
func digestTitle(d Digest) string {
	total := len(d.Items) + d.Suppressed
	var s string
	switch {
	case strings.TrimSpace(d.Title) != "":
		s = oneLine(d.Title) + ": " + plural(total, "incident")
	case total == 0 && d.Overflow > 0:
		s = "Alert queue overflow"
	default:
		s = "Alert storm: " + plural(total, "new incident")
	}
	if c := oneLine(d.Cluster); c != "" {
		s += " in " + c
	}
	return s
}

func textMembers(v View) string {
	shown := v.Members[:min(len(v.Members), MaxMembersShown)]
	names := make([]string, len(shown))
	for i, m := range shown {
		names[i] = oneLine(m)
	}
	s := strconv.Itoa(v.Count) + ": " + strings.Join(names, ", ")
	if rest := max(v.Count, len(v.Members)) - len(shown); rest > 0 {
		s += fmt.Sprintf(" … and %d more", rest)
	}
	return s
}

func textLines(b *strings.Builder, title string, lines []string) {
	b.WriteString("  " + title + ":\n")
	for _, l := range lines {
		for part := range strings.SplitSeq(sanitize(strings.TrimRight(l, "\r\n")), "\n") {
			b.WriteString("    | " + part + "\n")
		}
	}
}

// Helpers shared by the Slack and text renderers.

// ansiCSI matches terminal control sequences such as colours ("\x1b[31m").
var ansiCSI = regexp.MustCompile(`\x1b\[[0-9;?]*[ -/]*[@-~]`)

// sanitize drops terminal escapes and control characters other than tab and
// newline from cluster-derived text: logs are printed on operators'
// terminals by the console sender, and render as noise in Slack.
func sanitize(s string) string {
	if strings.ContainsRune(s, '\x1b') {
		s = ansiCSI.ReplaceAllString(s, "")
	}
	return strings.Map(func(r rune) rune {
		if r == '\n' || r == '\t' || !unicode.IsControl(r) {
			return r
		}
		return -1
	}, s)
}

// oneLine is sanitize for single-line places: newlines become spaces.
func oneLine(s string) string {
	return strings.Join(strings.Fields(sanitize(s)), " ")
}

// workloadPath is "namespace/workload" as Alert.Title names it.
func workloadPath(a Alert) string {
	name := a.Object.Name
	if a.Owner.Name != "" && a.Owner.Kind != KindPod {
		name = a.Owner.Name
	}
	if a.Object.Namespace == "" {
		return name
	}
	return a.Object.Namespace + "/" + name
}

func severityName(s Severity) string {
	switch s {
	case SeverityCritical:
		return "Critical"
	case SeverityWarning:
		return "Warning"
	case SeverityInfo:
		return "Info"
	case "":
		return "Alert"
	}
	return oneLine(string(s))
}

// kindLabel names an object kind in a field label.
func kindLabel(kind string) string {
	switch kind {
	case KindPVC:
		return "PVC"
	case "":
		return "Object"
	}
	return kind
}

// kindNoun is the lower-case noun for counting objects of kind.
func kindNoun(kind string) string {
	switch kind {
	case KindPod:
		return "pod"
	case KindNode:
		return "node"
	case KindPVC:
		return "PVC"
	}
	return "object"
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}

func isAre(n int) string {
	if n == 1 {
		return "is"
	}
	return "are"
}

// resolvedAfter is " after 12m30s", how long a resolved incident lasted,
// or "" when that is unknown.
func resolvedAfter(v View) string {
	if v.FirstSeen.IsZero() || v.ResolvedAt.IsZero() || !v.ResolvedAt.After(v.FirstSeen) {
		return ""
	}
	return " after " + humanDuration(v.ResolvedAt.Sub(v.FirstSeen))
}

// humanDuration is d rounded for people: "45s", "12m30s", "3h5m", "2d4h".
func humanDuration(d time.Duration) string {
	pair := func(a int, ua string, b int, ub string) string {
		if b == 0 {
			return strconv.Itoa(a) + ua
		}
		return strconv.Itoa(a) + ua + strconv.Itoa(b) + ub
	}
	switch d = d.Round(time.Second); {
	case d < time.Minute:
		return strconv.Itoa(int(d/time.Second)) + "s"
	case d < time.Hour:
		return pair(int(d/time.Minute), "m", int(d%time.Minute/time.Second), "s")
	case d < 48*time.Hour:
		d = d.Round(time.Minute)
		return pair(int(d/time.Hour), "h", int(d%time.Hour/time.Minute), "m")
	}
	d = d.Round(time.Hour)
	return pair(int(d/(24*time.Hour)), "d", int(d%(24*time.Hour)/time.Hour), "h")
}
