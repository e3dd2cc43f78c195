package notifier

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/slack-go/slack"
	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// fixtureTime is the fixtures' "now".
var fixtureTime = time.Date(2026, 3, 14, 9, 26, 53, 0, time.UTC)

func ptrTo[T any](v T) *T { return &v }

// viewOption adjusts a fixture view.
type viewOption func(*View)

// fixtureView is a single-pod CrashLoopBackOff of shop/checkout, firing, without
// enrichment; options shape it into each case.
func fixtureView(opts ...viewOption) View {
	a := Alert{
		Cluster:   "prod-eu-1",
		Object:    ObjectRef{Kind: KindPod, Namespace: "shop", Name: "checkout-7d9f8b6c5d-x2x9k", UID: "0b6f"},
		Owner:     Owner{Kind: "Deployment", Name: "checkout"},
		Container: "checkout",
		Node:      "ip-10-0-3-17.eu-west-1.compute.internal",
		Reason:    "CrashLoopBackOff",
		Cause:     "OOMKilled (exit code 137)",
		Message:   "back-off 2m40s restarting failed container=checkout pod=checkout-7d9f8b6c5d-x2x9k_shop(0b6f)",
		ExitCode:  ptrTo(int32(137)),
		Restarts:  5,
		Image:     "registry.example.com/shop/checkout:1.14.2",
		Severity:  SeverityCritical,
		Since:     fixtureTime.Add(-4 * time.Minute),
	}
	v := View{
		Alert: a, Members: []string{a.Object.Name}, Count: 1,
		State: StateFiring, FirstSeen: fixtureTime, LastSeen: fixtureTime,
	}
	for _, o := range opts {
		o(&v)
	}
	v.Fingerprint = v.Alert.Fingerprint()
	return v
}

func viewLogs(container string, lines ...string) viewOption {
	return func(v *View) { v.Enrichment.LogContainer, v.Enrichment.Logs = container, lines }
}

func viewEvents(lines ...string) viewOption {
	return func(v *View) { v.Enrichment.Events = lines }
}

func viewMembers(count int, names ...string) viewOption {
	return func(v *View) {
		v.Members, v.Count = names, count
		if len(names) > 0 {
			v.Alert.Object.Name = names[0]
		}
	}
}

func viewAlert(f func(*Alert)) viewOption { return func(v *View) { f(&v.Alert) } }

func viewResolvedAfter(d time.Duration) viewOption {
	return func(v *View) {
		v.State, v.ResolvedAt, v.LastSeen = StateResolved, v.FirstSeen.Add(d), v.FirstSeen.Add(d)
	}
}

func viewRepeated(after time.Duration) viewOption {
	return func(v *View) { v.Repeat, v.LastSeen = true, v.FirstSeen.Add(after) }
}

var (
	oomLogs = []string{
		`{"level":"info","ts":"2026-03-14T09:22:01Z","msg":"starting checkout","version":"1.14.2"}`,
		`{"level":"info","ts":"2026-03-14T09:22:02Z","msg":"warming price cache","entries":182344}`,
		`{"level":"warn","ts":"2026-03-14T09:22:09Z","msg":"heap above soft limit","heap_mb":241}`,
		`fatal error: runtime: out of memory`,
	}
	oomEvents = []string{
		`09:22:10 Warning BackOff pod/checkout-7d9f8b6c5d-x2x9k Back-off restarting failed container checkout`,
		`09:26:50 Normal Pulled pod/checkout-7d9f8b6c5d-x2x9k Container image "registry.example.com/shop/checkout:1.14.2" already present on machine`,
	}
)

// goldenCases are the incident messages under review in testdata/.
func goldenCases() map[string]View {
	return map[string]View{
		"crashloop_oomkilled": fixtureView(viewLogs("checkout (previous)", oomLogs...), viewEvents(oomEvents...)),
		"three_pods": fixtureView(
			viewMembers(3, "checkout-7d9f8b6c5d-4kq2m", "checkout-7d9f8b6c5d-x2x9k", "checkout-7d9f8b6c5d-zz81p"),
			viewLogs("checkout (previous)", oomLogs[3]),
		),
		"image_pull_backoff": fixtureView(
			viewAlert(func(a *Alert) {
				a.Reason, a.Cause, a.ExitCode, a.Restarts = "ImagePullBackOff", "image not found", nil, 0
				a.Severity = SeverityWarning
				a.Image = "registry.example.com/shop/checkout:1.15.0-rc1"
				a.Message = `Back-off pulling image "registry.example.com/shop/checkout:1.15.0-rc1"`
			}),
			viewEvents(
				`09:25:31 Warning Failed pod/checkout-7d9f8b6c5d-x2x9k Failed to pull image "registry.example.com/shop/checkout:1.15.0-rc1": not found`,
				`09:26:40 Normal BackOff pod/checkout-7d9f8b6c5d-x2x9k Back-off pulling image "registry.example.com/shop/checkout:1.15.0-rc1"`,
			),
		),
		"resolved": fixtureView(viewLogs("checkout (previous)", oomLogs...), viewResolvedAfter(12*time.Minute+30*time.Second)),
		"repeat":   fixtureView(viewRepeated(4*time.Hour), viewMembers(2, "checkout-7d9f8b6c5d-4kq2m", "checkout-7d9f8b6c5d-x2x9k")),
		"adversarial": fixtureView(
			viewMembers(2, "<!channel>-pod", "api-<@U123>"),
			viewAlert(func(a *Alert) {
				a.Object.Namespace = "team-<!here>"
				a.Owner.Name = "api&<@U123>"
				a.Container = "c`x`"
				a.Cause = "OOMKilled <!subteam^S123> & friends"
				a.Message = "```\n<!channel> pinged? <https://evil.example|click me>"
				a.Image = "evil.example/<!everyone>:latest"
			}),
			viewLogs("app ``` <@U999>",
				"ordinary line",
				"```",
				"closing the fence ``` then <!channel> and <@U123> & <#C123> and <https://evil.example|x>",
				"\x1b[31mred\x1b[0m and a bell\a",
			),
			viewEvents("Warning <!channel> in event & ``` too"),
		),
	}
}

func TestRenderSlackGolden(t *testing.T) {
	for name, v := range goldenCases() {
		t.Run(name, func(t *testing.T) {
			m := RenderSlack(v)
			requireWithinSlackLimits(t, m)
			requireGolden(t, name+".golden.json", marshalMessage(t, m))
			requireGolden(t, name+".golden.txt", []byte(RenderText(v)+"\n"))
		})
	}
}

func TestRenderSlackAdversarialCannotMention(t *testing.T) {
	v := goldenCases()["adversarial"]
	for _, m := range []Message{RenderSlack(v), RenderThreadNote(v), RenderDigest(Digest{Cluster: "<!channel>", Items: []View{v}})} {
		out := string(marshalMessage(t, m))
		require.NotContains(t, out, "<!channel>")
		require.NotContains(t, out, "<!here>")
		require.NotContains(t, out, "<!everyone>")
		require.NotContains(t, out, "<@")
		require.NotContains(t, out, "<#")
		require.NotContains(t, out, "<http")
		// The only markup left is ours: date tokens.
		for i := strings.Index(out, "<"); i >= 0; i = nextIndex(out, "<", i) {
			require.True(t, strings.HasPrefix(out[i:], "<!date^"), "unexpected markup at %q", out[i:min(len(out), i+30)])
		}
		require.NotContains(t, out, "\x1b")
		require.NotContains(t, out, "\a")
	}

	// ``` from the cluster never closes our code blocks: each section has
	// exactly the fences we opened.
	for _, b := range RenderSlack(v).Blocks {
		if s, ok := b.(*slack.SectionBlock); ok && s.Text != nil {
			require.Contains(t, []int{0, 2}, strings.Count(s.Text.Text, "```"), s.Text.Text)
		}
	}
	require.Contains(t, string(marshalMessage(t, RenderSlack(v))), "&lt;!channel&gt;", "escaped, still readable")
}

func nextIndex(s, sub string, after int) int {
	i := strings.Index(s[after+1:], sub)
	if i < 0 {
		return -1
	}
	return after + 1 + i
}

func TestRenderSlackTruncatesToSlackLimits(t *testing.T) {
	var logs []string
	for i := range 400 {
		logs = append(logs, fmt.Sprintf("%04d %s", i, strings.Repeat("x", 150)))
	}
	logs = append(logs, "newest "+strings.Repeat("&<y>", 3000)) // one line longer than a section
	var members []string
	for i := range MaxMembersShown {
		members = append(members, fmt.Sprintf("%02d-%s", i, strings.Repeat("p", 240)))
	}
	v := fixtureView(
		viewMembers(250, members...),
		viewLogs(strings.Repeat("container ", 50), logs...),
		viewEvents(logs[:200]...),
		viewAlert(func(a *Alert) {
			a.Owner.Name = strings.Repeat("w", 300)
			a.Message = strings.Repeat("message & ", 1000)
			a.Image = strings.Repeat("i", 5000)
		}),
	)
	m := RenderSlack(v)
	requireWithinSlackLimits(t, m)
	requireGolden(t, "long_log.golden.json", marshalMessage(t, m))

	logSection := sectionTexts(m)[3]
	require.True(t, strings.HasPrefix(logSection, "*Logs · container"), logSection[:40])
	require.Contains(t, logSection, "… 400 earlier lines not shown\nnewest &amp;&lt;y&gt;", "newest line kept, its start shown")
	require.True(t, strings.HasSuffix(logSection, "…\n```"), "closing fence survives truncation")
	require.Contains(t, sectionTexts(m)[2], "…and 239 more", "members that do not fit are counted (250 - 11 shown)")

	// Short lines: the newest ones are kept, the oldest dropped.
	m = RenderSlack(fixtureView(viewLogs("api", logs[:400]...)))
	requireWithinSlackLimits(t, m)
	s := sectionTexts(m)[2]
	require.Contains(t, s, "0399 xxx")
	require.NotContains(t, s, "0000 xxx")
	require.Regexp(t, `… \d+ earlier lines not shown`, s)
}

func TestRenderDigestGolden(t *testing.T) {
	at := fixtureTime.Add(time.Minute)
	items := []View{
		fixtureView(viewAlert(func(a *Alert) { a.Severity = SeverityWarning; a.Reason = "ImagePullBackOff" })),
		fixtureView(viewMembers(4, "api-1", "api-2", "api-3", "api-4"), viewAlert(func(a *Alert) { a.Owner.Name = "api" })),
		fixtureView(viewAlert(func(a *Alert) {
			a.Object = ObjectRef{Kind: KindPVC, Namespace: "db", Name: "data-pg-0"}
			a.Owner = Owner{}
			a.Reason, a.Severity = "PVCPending", SeverityWarning
		})),
		fixtureView(viewAlert(func(a *Alert) {
			a.Object = ObjectRef{Kind: KindNode, Name: "ip-10-0-3-17"}
			a.Owner = Owner{}
			a.Reason = "NodeNotReady"
		})),
	}
	d := Digest{Cluster: "prod-eu-1", Items: items, Suppressed: 23, Overflow: 7, At: at}
	m := RenderDigest(d)
	requireWithinSlackLimits(t, m)
	requireGolden(t, "digest_overflow.golden.json", marshalMessage(t, m))
	requireGolden(t, "digest_overflow.golden.txt", []byte(RenderDigestText(d)+"\n"))

	out := string(marshalMessage(t, m))
	require.Contains(t, out, "Alert storm: 27 new incidents in prod-eu-1")
	require.Contains(t, out, "7 alert updates could not be queued and are summarised here")
	require.Contains(t, out, "…and 23 more not shown")
	require.Contains(t, m.Text, "7 alert updates could not be queued")
}

func TestRenderDigestTitles(t *testing.T) {
	summary := Digest{
		Cluster: "prod-eu-1", Title: "Problems already present when Watchkeeper started",
		Items: []View{fixtureView(), fixtureView(viewAlert(func(a *Alert) { a.Severity, a.Reason = SeverityInfo, "Evicted" }))},
		At:    fixtureTime,
	}
	m := RenderDigest(summary)
	requireWithinSlackLimits(t, m)
	requireGolden(t, "digest_startup.golden.json", marshalMessage(t, m))
	require.Equal(t, "Problems already present when Watchkeeper started: 2 incidents in prod-eu-1", m.Text)

	// A digest sent only to report overflow does not claim a storm.
	m = RenderDigest(Digest{Cluster: "prod-eu-1", Overflow: 1})
	requireWithinSlackLimits(t, m)
	require.Equal(t, "Alert queue overflow in prod-eu-1 (1 alert update could not be queued)", m.Text)
	require.Equal(t, ":warning: Alert queue overflow in prod-eu-1", m.Blocks[0].(*slack.HeaderBlock).Text.Text)
	require.Equal(t, "Alert queue overflow in prod-eu-1\n  ! 1 alert update could not be queued and is summarised here",
		RenderDigestText(Digest{Cluster: "prod-eu-1", Overflow: 1}))
}

func TestRenderDigestCountsWhatDoesNotFit(t *testing.T) {
	var items []View
	for i := range 600 {
		items = append(items, fixtureView(viewAlert(func(a *Alert) {
			a.Owner.Name = fmt.Sprintf("%03d-%s", i, strings.Repeat("w", 200))
			a.Severity = []Severity{SeverityCritical, SeverityWarning, SeverityInfo}[i%3]
		})))
	}
	m := RenderDigest(Digest{Cluster: "c", Items: items, Suppressed: 5, Overflow: 1})
	requireWithinSlackLimits(t, m)
	require.Len(t, m.Blocks, maxBlocks)

	// Every item is either listed or counted in the "not shown" line.
	listed, notShown := 0, 0
	for _, s := range sectionTexts(m) {
		listed += strings.Count(s, "\n• ")
		if strings.HasPrefix(s, "• ") {
			listed++
		}
		if n, err := fmt.Sscanf(s, "_…and %d more not shown._", &notShown); err == nil {
			require.Equal(t, 1, n)
		}
	}
	require.Equal(t, 605, listed+notShown, "listed %d, not shown %d", listed, notShown)
	require.Contains(t, string(marshalMessage(t, m)), "1 alert update could not be queued and is summarised here")
}

func TestRenderThreadNote(t *testing.T) {
	require.Equal(t,
		":white_check_mark: Resolved <!date^1773481163^{date_short_pretty} {time}|2026-03-14T09:39:23Z> after 12m30s",
		RenderThreadNote(fixtureView(viewResolvedAfter(12*time.Minute+30*time.Second))).Text)
	require.Equal(t,
		":repeat: Still firing since <!date^1773480413^{date_short_pretty} {time}|2026-03-14T09:26:53Z> · 2 pods · 5 restarts",
		RenderThreadNote(fixtureView(viewRepeated(4*time.Hour), viewMembers(2, "a", "b"))).Text)
	require.Equal(t, "resolved after 12m30s: CrashLoopBackOff in shop/checkout",
		RenderThreadNoteText(fixtureView(viewResolvedAfter(12*time.Minute+30*time.Second))))
}

func TestHumanDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		45 * time.Second:                      "45s",
		59*time.Second + 600*time.Millisecond: "1m",
		12*time.Minute + 30*time.Second:       "12m30s",
		time.Hour:                             "1h",
		3*time.Hour + 5*time.Minute:           "3h5m",
		50 * time.Hour:                        "2d2h",
		72 * time.Hour:                        "3d",
	} {
		require.Equal(t, want, humanDuration(d), d.String())
	}
}

func TestClipNeverSplitsEntities(t *testing.T) {
	s := esc(strings.Repeat("a<", 10)) // a&lt;a&lt;...
	for limit := 1; limit < slackLen(s); limit++ {
		got := clip(s, limit)
		require.LessOrEqual(t, slackLen(got), limit)
		require.True(t, strings.HasSuffix(got, "…"))
		body := strings.TrimSuffix(got, "…")
		require.Equal(t, strings.Count(body, "&"), strings.Count(body, ";"), "partial entity in %q", got)
	}
	require.Equal(t, "😀😀…", clip("😀😀😀😀", 5), "astral runes count as two, as in Slack")
}

// requireWithinSlackLimits checks the limits Slack enforces with
// invalid_blocks or msg_too_long, and that the blocks decode as Block Kit.
func requireWithinSlackLimits(t *testing.T, m Message) {
	t.Helper()
	require.LessOrEqual(t, len(m.Blocks), maxBlocks)
	require.LessOrEqual(t, utf8.RuneCountInString(m.Text), maxFallbackLen)
	for i, b := range m.Blocks {
		switch b := b.(type) {
		case *slack.HeaderBlock:
			require.Equal(t, slack.PlainTextType, b.Text.Type)
			require.LessOrEqual(t, slackLen(b.Text.Text), maxHeaderLen, "header %d", i)
		case *slack.SectionBlock:
			require.True(t, b.Text != nil || len(b.Fields) > 0, "section %d is empty", i)
			if b.Text != nil {
				require.LessOrEqual(t, slackLen(b.Text.Text), maxSectionLen, "section %d", i)
				require.LessOrEqual(t, utf8.RuneCountInString(b.Text.Text), maxSectionLen, "section %d", i)
			}
			require.LessOrEqual(t, len(b.Fields), maxFields, "section %d", i)
			for _, f := range b.Fields {
				require.LessOrEqual(t, slackLen(f.Text), maxFieldLen, "section %d field", i)
			}
		case *slack.ContextBlock:
			for _, e := range b.ContextElements.Elements {
				require.LessOrEqual(t, slackLen(e.(*slack.TextBlockObject).Text), maxSectionLen)
			}
		case *slack.ActionBlock:
			// Slack: at most 25 elements; button text 75, value 2000,
			// action_id 255 characters, action_ids unique in a message.
			require.LessOrEqual(t, len(b.Elements.ElementSet), 25)
			ids := map[string]bool{}
			for _, e := range b.Elements.ElementSet {
				btn := e.(*slack.ButtonBlockElement)
				require.LessOrEqual(t, len(btn.Text.Text), 75)
				require.LessOrEqual(t, len(btn.Value), 2000)
				require.LessOrEqual(t, len(btn.ActionID), 255)
				require.False(t, ids[btn.ActionID], "duplicate action_id %s", btn.ActionID)
				ids[btn.ActionID] = true
			}
		default:
			t.Fatalf("unexpected block %T", b)
		}
	}
	raw, err := json.Marshal(m.Blocks)
	require.NoError(t, err)
	var decoded slack.Blocks
	require.NoError(t, json.Unmarshal(raw, &decoded))
	require.Len(t, decoded.BlockSet, len(m.Blocks))
}

func sectionTexts(m Message) []string {
	var out []string
	for _, b := range m.Blocks {
		if s, ok := b.(*slack.SectionBlock); ok {
			if s.Text != nil {
				out = append(out, s.Text.Text)
			} else {
				out = append(out, "")
			}
		}
	}
	return out
}

// marshalMessage is the golden form of m: indented, with <, > and & left
// as they are so the files read as Slack receives them.
func marshalMessage(t *testing.T, m Message) []byte {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	require.NoError(t, enc.Encode(m))
	// slack-go marshals context elements with json.Marshal, which writes
	// <, > and & as \u escapes; show them as the characters they are.
	return bytes.NewBufferString(strings.NewReplacer(`\u003c`, "<", `\u003e`, ">", `\u0026`, "&").Replace(buf.String())).Bytes()
}

func requireGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		require.NoError(t, os.MkdirAll("testdata", 0o755))
		require.NoError(t, os.WriteFile(path, got, 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "run go test ./notifier -run %s -update to create it", t.Name())
	require.Equal(t, string(want), string(got), "%s is stale: rerun with -update and review the diff", path)
}
