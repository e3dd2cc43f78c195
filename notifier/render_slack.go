package notifier

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"

	"github.com/slack-go/slack"
)

// SlackRenderer draws messages as Block Kit for the SlackSender.
type SlackRenderer struct{}

// Incident renders v with RenderSlack.
func (SlackRenderer) Incident(v View) Message { return RenderSlack(v) }

// Digest renders d with RenderDigest.
func (SlackRenderer) Digest(d Digest) Message { return RenderDigest(d) }

// ThreadNote renders v with RenderThreadNote.
func (SlackRenderer) ThreadNote(v View) Message { return RenderThreadNote(v) }

// Slack's documented limits, counted as Slack counts (UTF-16 code units).
const (
	maxHeaderLen   = 150
	maxSectionLen  = 3000
	maxFieldLen    = 2000
	maxFields      = 10
	maxBlocks      = 50
	maxFallbackLen = 3000 // ours: notification text only needs one line
)

// RenderSlack draws one incident: a header with the severity, the facts as
// fields, the affected pods, the last logs and events as code blocks, and a
// context line with when and which incident. Every cluster-derived string
// is escaped (see esc), so nothing from a pod can mention or link anyone.
func RenderSlack(v View) Message {
	a, e := v.Alert, v.Enrichment
	blocks := []slack.Block{
		headerBlock(slackHeader(v)),
		fieldsBlock(slackFields(v)),
	}
	if msg := strings.TrimSpace(a.Message); msg != "" {
		blocks = append(blocks, sectionBlock("*Message*\n"+esc(msg)))
	}
	if v.Count > 1 {
		blocks = append(blocks, sectionBlock(slackMembers(v)))
	}
	if len(e.Logs) > 0 {
		title := "*Logs*"
		if c := strings.TrimSpace(e.LogContainer); c != "" {
			title = "*Logs · " + clip(esc(oneLine(c)), 100) + "*"
		}
		blocks = append(blocks, sectionBlock(codeBlock(title, e.Logs)))
	}
	if len(e.Events) > 0 {
		blocks = append(blocks, sectionBlock(codeBlock("*Events*", e.Events)))
	}
	if buttons := alertButtons(v); len(buttons) > 0 {
		blocks = append(blocks, actionsBlock(buttons))
	}
	blocks = append(blocks, contextBlock(slackContext(v)))
	return Message{Text: clip(slackFallback(v), maxFallbackLen), Blocks: capBlocks(blocks)}
}

// RenderThreadNote draws the short reply posted under an incident's message
// when it repeats or resolves.
func RenderThreadNote(v View) Message {
	var b strings.Builder
	switch {
	case v.State == StateResolved:
		b.WriteString(":white_check_mark: Resolved")
		if !v.ResolvedAt.IsZero() {
			b.WriteString(" " + slackDate(v.ResolvedAt))
		}
		b.WriteString(resolvedAfter(v))
	default:
		b.WriteString(":repeat: Still firing")
		if !v.FirstSeen.IsZero() {
			b.WriteString(" since " + slackDate(v.FirstSeen))
		}
		if v.Count > 1 {
			b.WriteString(" · " + plural(v.Count, kindNoun(v.Alert.Object.Kind)))
		}
		if v.Alert.Restarts > 0 {
			b.WriteString(" · " + plural(int(v.Alert.Restarts), "restart"))
		}
	}
	return Message{Text: clip(b.String(), maxFallbackLen)}
}

// RenderDigest draws a storm digest (or, with Digest.Title, a start-up
// summary): one line per incident, grouped by severity, and an explicit
// count of everything not itemised.
func RenderDigest(d Digest) Message {
	title := esc(digestTitle(d))
	emoji := ":rotating_light:"
	switch {
	case d.Title != "":
		emoji = ":clipboard:"
	case len(d.Items)+d.Suppressed == 0:
		emoji = ":warning:"
	}
	blocks := []slack.Block{headerBlock(emoji + " " + title)}
	if d.Overflow > 0 {
		blocks = append(blocks, sectionBlock(fmt.Sprintf(
			":warning: *%s could not be queued and %s summarised here.* Check the cluster directly for anything missing.",
			plural(d.Overflow, "alert update"), isAre(d.Overflow))))
	}

	// Keep room for the "not shown" line and the context.
	room := maxBlocks - len(blocks) - 2
	notShown := d.Suppressed
	for _, g := range groupBySeverity(d.Items) {
		sections, dropped := digestGroup(g, room)
		blocks = append(blocks, sections...)
		room -= len(sections)
		notShown += dropped
	}
	if notShown > 0 {
		blocks = append(blocks, sectionBlock(fmt.Sprintf("_…and %d more not shown._", notShown)))
	}
	ctx := "Watchkeeper"
	if !d.At.IsZero() {
		ctx = slackDate(d.At) + " · " + ctx
	}
	blocks = append(blocks, contextBlock(ctx))

	text := title
	if d.Overflow > 0 {
		text += fmt.Sprintf(" (%s could not be queued)", plural(d.Overflow, "alert update"))
	}
	return Message{Text: clip(text, maxFallbackLen), Blocks: capBlocks(blocks)}
}

// severityGroup is the digest items of one severity, in their given order.
type severityGroup struct {
	sev   Severity
	items []View
}

func groupBySeverity(items []View) []severityGroup {
	var groups []severityGroup
	index := map[Severity]int{}
	for _, v := range items {
		i, ok := index[v.Alert.Severity]
		if !ok {
			i = len(groups)
			index[v.Alert.Severity] = i
			groups = append(groups, severityGroup{sev: v.Alert.Severity})
		}
		groups[i].items = append(groups[i].items, v)
	}
	// Most urgent first; unknown severities last.
	rank := func(s Severity) int {
		switch s {
		case SeverityCritical:
			return 0
		case SeverityWarning:
			return 1
		case SeverityInfo:
			return 2
		}
		return 3
	}
	slices.SortStableFunc(groups, func(a, b severityGroup) int { return cmp.Compare(rank(a.sev), rank(b.sev)) })
	return groups
}

// digestGroup renders one severity group as at most room sections, each
// under the section limit; it returns how many items did not fit.
func digestGroup(g severityGroup, room int) ([]slack.Block, int) {
	if room <= 0 {
		return nil, len(g.items)
	}
	var out []slack.Block
	cur := fmt.Sprintf("*%s %s (%d)*", severityEmoji(g.sev), severityName(g.sev), len(g.items))
	for i, v := range g.items {
		line := "• " + digestLine(v)
		if slackLen(cur)+1+slackLen(line) <= maxSectionLen {
			cur += "\n" + line
			continue
		}
		out = append(out, sectionBlock(cur))
		if len(out) >= room {
			return out, len(g.items) - i
		}
		cur = line
	}
	return append(out, sectionBlock(cur)), 0
}

// digestLine is "Reason — ns/workload (N pods)".
func digestLine(v View) string {
	a := v.Alert
	line := esc(oneLine(a.Reason)) + " — " + esc(oneLine(workloadPath(a)))
	if v.Count > 1 {
		line += " (" + plural(v.Count, kindNoun(a.Object.Kind)) + ")"
	}
	// Name the members: in a storm the digest may be the only message
	// that mentions a pod, and "every affected pod is named" is the promise.
	if len(v.Members) > 0 && !(len(v.Members) == 1 && v.Members[0] == a.Owner.Name) {
		names := make([]string, 0, len(v.Members))
		for _, m := range v.Members {
			names = append(names, inlineCode(m))
		}
		line += ": " + strings.Join(names, ", ")
		if extra := v.Count - len(v.Members); extra > 0 {
			line += fmt.Sprintf(" and %d more", extra)
		}
	}
	return clip(line, maxSectionLen/4)
}

func slackHeader(v View) string {
	title := esc(oneLine(v.Alert.Title()))
	switch {
	case v.State == StateResolved:
		return ":white_check_mark: Resolved: " + title
	case v.Repeat:
		return severityEmoji(v.Alert.Severity) + " Still firing: " + title
	}
	return severityEmoji(v.Alert.Severity) + " " + title
}

func slackFallback(v View) string {
	a := v.Alert
	s := esc(oneLine(a.Title()))
	if v.Count > 1 {
		s += " (" + plural(v.Count, kindNoun(a.Object.Kind)) + ")"
	}
	if c := strings.TrimSpace(a.Cluster); c != "" {
		s += " on " + esc(oneLine(c))
	}
	switch {
	case v.State == StateResolved:
		return "Resolved" + resolvedAfter(v) + ": " + s
	case v.Repeat:
		return "Still firing (" + severityName(a.Severity) + "): " + s
	}
	return severityName(a.Severity) + ": " + s
}

// slackFields are the incident's facts, empty ones left out; at most ten,
// Slack's limit, which is exactly how many there can be.
func slackFields(v View) []string {
	a := v.Alert
	var f []string
	add := func(label, value string) {
		if value != "" {
			f = append(f, "*"+label+"*\n"+value)
		}
	}
	add("Cluster", esc(oneLine(a.Cluster)))
	add("Namespace", esc(oneLine(a.Object.Namespace)))
	if a.Owner.Name != "" && a.Owner.Kind != KindPod {
		add("Workload", esc(oneLine(a.Owner.Kind+"/"+a.Owner.Name)))
	}
	if v.Count > 1 {
		add(kindLabel(a.Object.Kind)+"s", plural(v.Count, kindNoun(a.Object.Kind)))
	} else {
		add(kindLabel(a.Object.Kind), inlineCode(a.Object.Name))
	}
	add("Container", inlineCode(a.Container))
	if a.Object.Kind != KindNode {
		add("Node", inlineCode(a.Node))
	}
	if a.Restarts > 0 {
		add("Restarts", strconv.Itoa(int(a.Restarts)))
	}
	if a.ExitCode != nil {
		add("Exit code", strconv.Itoa(int(*a.ExitCode)))
	}
	add("Image", inlineCode(a.Image))
	add("Cause", esc(oneLine(a.Cause)))
	return f
}

// slackMembers lists the affected objects, as many as fit, then a count.
func slackMembers(v View) string {
	noun := kindNoun(v.Alert.Object.Kind)
	var b strings.Builder
	fmt.Fprintf(&b, "*Affected %ss (%d)*", noun, v.Count)
	members := v.Members[:min(len(v.Members), MaxMembersShown)]
	shown := 0
	for _, m := range members {
		line := "\n• " + inlineCode(m)
		// Leave room for the "and N more" line.
		if slackLen(b.String())+slackLen(line) > maxSectionLen-40 {
			break
		}
		b.WriteString(line)
		shown++
	}
	if rest := max(v.Count, len(v.Members)) - shown; rest > 0 {
		fmt.Fprintf(&b, "\n…and %d more", rest)
	}
	return b.String()
}

func slackContext(v View) string {
	var parts []string
	switch {
	case v.State == StateResolved:
		s := "resolved"
		if !v.ResolvedAt.IsZero() {
			s += " " + slackDate(v.ResolvedAt)
		}
		s += resolvedAfter(v)
		parts = append(parts, s)
		if !v.FirstSeen.IsZero() {
			parts = append(parts, "first seen "+slackDate(v.FirstSeen))
		}
	default:
		if v.Repeat {
			parts = append(parts, "still firing")
		}
		if !v.FirstSeen.IsZero() {
			parts = append(parts, "first seen "+slackDate(v.FirstSeen))
		}
		if v.LastSeen.After(v.FirstSeen) {
			parts = append(parts, "last change "+slackDate(v.LastSeen))
		}
	}
	if v.Fingerprint != "" {
		parts = append(parts, "fingerprint "+inlineCode(v.Fingerprint))
	}
	parts = append(parts, "Watchkeeper")
	s := strings.Join(parts, " · ")
	return strings.ToUpper(s[:1]) + s[1:]
}

// codeBlock renders title and lines as a ``` block, keeping the newest
// (last) lines that fit in a section and saying how many earlier ones were
// left out.
func codeBlock(title string, lines []string) string {
	const open, end = "\n```\n", "\n```"
	budget := maxSectionLen - slackLen(title) - slackLen(open) - slackLen(end)
	const noteRoom = 40 // "… 123456 earlier lines not shown\n"
	var kept []string
	used, omitted := 0, 0
	for i := len(lines) - 1; i >= 0; i-- {
		l := esc(strings.TrimRight(lines[i], "\r\n"))
		room := budget - used
		if i > 0 {
			room -= noteRoom
		}
		if n := slackLen(l) + 1; n > room {
			if len(kept) == 0 && room > 1 {
				// The newest line alone is too long: show its start.
				kept = append(kept, clip(l, room-1))
				i--
			}
			omitted = i + 1
			break
		}
		kept = append(kept, l)
		used += slackLen(l) + 1
	}
	var b strings.Builder
	b.WriteString(title + open)
	if omitted > 0 {
		fmt.Fprintf(&b, "… %s not shown\n", plural(omitted, "earlier line"))
	}
	for i := len(kept) - 1; i >= 0; i-- {
		b.WriteString(kept[i])
		if i > 0 {
			b.WriteByte('\n')
		}
	}
	b.WriteString(end)
	return b.String()
}

// Block constructors that enforce Slack's per-block limits.

func headerBlock(text string) slack.Block {
	return slack.NewHeaderBlock(slack.NewTextBlockObject(slack.PlainTextType, clip(text, maxHeaderLen), true, false))
}

func sectionBlock(mrkdwn string) slack.Block {
	return slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, clip(mrkdwn, maxSectionLen), false, false), nil, nil)
}

func fieldsBlock(fields []string) slack.Block {
	objs := make([]*slack.TextBlockObject, 0, min(len(fields), maxFields))
	for _, f := range fields[:min(len(fields), maxFields)] {
		objs = append(objs, slack.NewTextBlockObject(slack.MarkdownType, clip(f, maxFieldLen), false, false))
	}
	return slack.NewSectionBlock(nil, objs, nil)
}

func contextBlock(mrkdwn string) slack.Block {
	return slack.NewContextBlock("", slack.NewTextBlockObject(slack.MarkdownType, clip(mrkdwn, maxSectionLen), false, false))
}

// capBlocks keeps a message within Slack's block limit, keeping the last
// block (the context line) and saying that something was cut.
func capBlocks(blocks []slack.Block) []slack.Block {
	if len(blocks) <= maxBlocks {
		return blocks
	}
	last := blocks[len(blocks)-1]
	out := append(blocks[:maxBlocks-2:maxBlocks-2], sectionBlock("_…message shortened to fit Slack's limits._"), last)
	return out
}

// slackDate is Slack's localised date token, with RFC 3339 UTC as the
// fallback for clients that cannot render it.
func slackDate(t time.Time) string {
	return fmt.Sprintf("<!date^%d^{date_short_pretty} {time}|%s>", t.Unix(), t.UTC().Format(time.RFC3339))
}

func severityEmoji(s Severity) string {
	switch s {
	case SeverityCritical:
		return ":red_circle:"
	case SeverityInfo:
		return ":large_blue_circle:"
	}
	return ":large_orange_circle:"
}

// fence is ``` and fenceSafe what esc turns it into: three U+02CB modifier
// grave accents. They look like backticks but cannot open or close a code
// block, so a log line cannot end ours and format the rest of the message.
// (A zero-width space between backticks would also work, but invisibly
// corrupts text that people copy out of Slack.)
const (
	fence     = "```"
	fenceSafe = "ˋˋˋ"
)

var slackEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", fence, fenceSafe)

// esc makes a cluster-derived string inert in Slack text: control
// characters and terminal escapes go (sanitize), & < > become entities, so
// that <!channel>, <@U123> or <https://x|y> are shown rather than acted on,
// and ``` cannot break out of a code block. Slack decodes the three
// entities for display in mrkdwn and plain_text alike.
func esc(s string) string { return slackEscaper.Replace(sanitize(s)) }

// inlineCode is s, escaped, as `code`, or "" for an empty s. Single
// backticks become U+02CB too, as they would end the span. Values are cut
// to 1000 units inside the span, so a cut never leaves it open.
func inlineCode(s string) string {
	s = strings.TrimSpace(oneLine(s))
	if s == "" {
		return ""
	}
	return "`" + clip(strings.ReplaceAll(esc(s), "`", "ˋ"), 1000) + "`"
}

// slackLen is s's length as Slack counts it, in UTF-16 code units.
func slackLen(s string) int {
	n := 0
	for _, r := range s {
		n += max(utf16.RuneLen(r), 1)
	}
	return n
}

// clip cuts already-escaped s to at most limit code units, ending it with
// "…" when cut, and never inside an &amp;-style entity (every & in escaped
// text starts one).
func clip(s string, limit int) string {
	if slackLen(s) <= limit {
		return s
	}
	budget, n, cut := limit-1, 0, 0
	for i, r := range s {
		l := max(utf16.RuneLen(r), 1)
		if n+l > budget {
			cut = i
			break
		}
		n += l
	}
	out := s[:cut]
	if amp := strings.LastIndexByte(out, '&'); amp >= 0 && !strings.Contains(out[amp:], ";") {
		out = out[:amp]
	}
	return out + "…"
}
