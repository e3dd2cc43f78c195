package bench

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"time"
)

// Report is everything one run measured.
type Report struct {
	Machine Machine      `json:"machine"`
	Profile Profile      `json:"profile"`
	Started time.Time    `json:"started"`
	Sizes   []SizeResult `json:"sizes"`
	Targets []Target     `json:"targets"`
}

// SizeResult holds one pod count's scenarios.
type SizeResult struct {
	Pods                int              `json:"pods"`
	TotalPods           int              `json:"total_pods"` // N plus the scenarios' own pods
	PodBytes            int              `json:"pod_bytes"`  // one stored pod as JSON, managedFields included
	LoadSeconds         float64          `json:"load_seconds"`
	EtcdOnTmpfs         bool             `json:"etcd_on_tmpfs"`
	Floor               MemoryResult     `json:"floor"`
	Watchkeeper         MemoryResult     `json:"watchkeeper"`
	CPUNoise            CPUResult        `json:"cpu_noise"`
	CPUAlerting         CPUResult        `json:"cpu_alerting"`
	Latency             LatencyResult    `json:"latency"`
	Commands            []CommandStats   `json:"commands"`
	CommandsDuringStorm CommandStats     `json:"commands_during_storm"`
	Storm               StormResult      `json:"storm"`
	Flapping            FlapResult       `json:"flapping"`
	Resilience          ResilienceResult `json:"resilience"`
	Failures            []string         `json:"failures,omitempty"`
	WatchkeeperLog      string           `json:"watchkeeper_log,omitempty"`
}

// MemoryResult is scenario 1 for one process.
type MemoryResult struct {
	SyncSeconds     float64        `json:"sync_seconds"` // to /readyz (Watchkeeper) or caches synced (floor)
	PeakMiB         float64        `json:"peak_rss_mib"` // VmHWM at that point
	SettledMiB      float64        `json:"settled_rss_mib"`
	SettledAnonMiB  float64        `json:"settled_rss_anon_mib"` // RssAnon: heap, stacks, runtime
	SettledFileMiB  float64        `json:"settled_rss_file_mib"` // RssFile: the executable's pages
	BinaryMiB       float64        `json:"binary_mib,omitempty"`
	HeapInuseMiB    float64        `json:"heap_inuse_mib,omitempty"`
	GoSysMiB        float64        `json:"go_sys_mib,omitempty"`
	Goroutines      int            `json:"goroutines,omitempty"`
	StartupAPICalls int            `json:"startup_api_calls,omitempty"`
	StartupByVerb   map[string]int `json:"startup_api_calls_by_verb,omitempty"`
}

// CPUResult is scenario 3 for one kind of update.
type CPUResult struct {
	Updates            int            `json:"updates"`
	Failed             int            `json:"failed"`
	WatchkeeperMsPer1k float64        `json:"watchkeeper_cpu_ms_per_1k"`
	FloorMsPer1k       float64        `json:"floor_cpu_ms_per_1k"`
	Ratio              float64        `json:"ratio_to_floor"`
	APICalls           int            `json:"api_calls"`
	APICallsPerUpdate  float64        `json:"api_calls_per_update"`
	APICallsByVerb     map[string]int `json:"api_calls_by_verb,omitempty"`
	// DrainSeconds is how long the alert channel stayed busy afterwards.
	DrainSeconds float64 `json:"drain_seconds,omitempty"`
}

// LatencyResult is scenario 2.
type LatencyResult struct {
	Incidents   int     `json:"incidents"`
	NoiseRate   int     `json:"noise_per_second"`
	GroupWaitMs float64 `json:"group_wait_ms"`
	Floor       Latency `json:"floor"`
	Watchkeeper Latency `json:"watchkeeper"`
	Lost        int     `json:"lost"`
}

// StormResult is scenario 4.
type StormResult struct {
	Pods                int     `json:"pods"`
	SendSeconds         float64 `json:"send_seconds"`
	PatchFailures       int     `json:"patch_failures"`
	GroupWaitSeconds    float64 `json:"group_wait_seconds"`
	FirstMessageSeconds float64 `json:"first_message_seconds"`
	AllNamedSeconds     float64 `json:"all_named_seconds"`
	PostMessages        int     `json:"post_messages"`
	Updates             int     `json:"updates"`
	RateLimited         int     `json:"rate_limited_429"`
	Lost                int     `json:"lost"`
	Duplicates          int     `json:"duplicates"`
}

// FlapResult is scenario 5.
type FlapResult struct {
	Pods                     int     `json:"pods"`
	Cycles                   int     `json:"cycles"`
	PostsPerIncident         float64 `json:"posts_per_incident"`
	ThreadRepliesPerIncident float64 `json:"thread_replies_per_incident"`
	UpdatesPerIncident       float64 `json:"updates_per_incident"`
	Lost                     int     `json:"lost"`
}

// ResilienceResult is scenario 6.
type ResilienceResult struct {
	Incidents           int     `json:"incidents"`
	RestartReadySeconds float64 `json:"restart_ready_seconds"`
	// AllNamedAfterReadySeconds: from ready until every incident (old and
	// new) is in Slack.
	AllNamedAfterReadySeconds float64 `json:"all_named_after_ready_seconds"`
	Missed                    int     `json:"missed"`
	Duplicates                int     `json:"duplicates"`
	APIServerRestart          string  `json:"apiserver_restart"`
}

// Target is one issue target, checked against one size.
type Target struct {
	Pods   int    `json:"pods"`
	Name   string `json:"name"`
	Want   string `json:"want"`
	Got    string `json:"got"`
	Met    bool   `json:"met"`
	Reason string `json:"note,omitempty"`
}

func rssLimit(n int) float64 {
	switch {
	case n <= 1000:
		return 25
	case n <= 10000:
		return 60
	default:
		return 250
	}
}

func (rep *Report) evaluate() {
	rep.Targets = nil
	add := func(n int, name, want, got string, met bool) {
		rep.Targets = append(rep.Targets, Target{Pods: n, Name: name, Want: want, Got: got, Met: met})
	}
	for _, s := range rep.Sizes {
		n, w := s.Pods, s.Watchkeeper
		lim := rssLimit(n)
		add(n, "settled RSS", fmt.Sprintf("≤ %.0f MiB", lim), fmt.Sprintf("%.1f MiB (anon %.1f)", w.SettledMiB, w.SettledAnonMiB), w.SettledMiB > 0 && w.SettledMiB <= lim)
		add(n, "start-up peak / settled", "≤ 1.3", fmt.Sprintf("%.2f", w.PeakMiB/max(w.SettledMiB, 1e-9)), w.SettledMiB > 0 && w.PeakMiB <= 1.3*w.SettledMiB)
		// A watch the apiserver timed out and client-go re-opened in the
		// window is not caused by the updates.
		perUpdate := 0
		for k, v := range s.CPUNoise.APICallsByVerb {
			if !strings.HasPrefix(k, "watch ") {
				perUpdate += v
			}
		}
		add(n, "API calls per non-alerting update (re-watches aside)", "0", fmt.Sprintf("%d calls / %d updates", perUpdate, s.CPUNoise.Updates),
			s.CPUNoise.Updates > 0 && perUpdate == 0)
		l := s.Latency
		add(n, "alert latency p99", fmt.Sprintf("≤ floor p99 + 50 ms = %.0f ms", l.Floor.P99+50), fmt.Sprintf("%.0f ms", l.Watchkeeper.P99),
			l.Watchkeeper.N > 0 && l.Lost == 0 && l.Watchkeeper.P99 <= l.Floor.P99+50)
		st := s.Storm
		add(n, "storm: first message", fmt.Sprintf("≤ groupWait + 1 s = %.0f s", st.GroupWaitSeconds+1), fmt.Sprintf("%.1f s", st.FirstMessageSeconds),
			st.Pods > 0 && st.FirstMessageSeconds >= 0 && st.FirstMessageSeconds <= st.GroupWaitSeconds+1)
		add(n, "storm: every pod named", "≤ 60 s", fmt.Sprintf("%.1f s", st.AllNamedSeconds), st.Pods > 0 && st.Lost == 0 && st.AllNamedSeconds <= 60)
		add(n, "storm: lost / duplicates", "0 / 0", fmt.Sprintf("%d / %d", st.Lost, st.Duplicates), st.Pods > 0 && st.Lost == 0 && st.Duplicates == 0)
		var replyP50, replyP99, ackP99 float64
		for _, c := range s.Commands {
			replyP50, replyP99, ackP99 = max(replyP50, c.Reply.P50), max(replyP99, c.Reply.P99), max(ackP99, c.Ack.P99)
		}
		ok := len(s.Commands) > 0
		add(n, "command reply p50 (worst batch)", "≤ 100 ms", fmt.Sprintf("%.0f ms", replyP50), ok && replyP50 <= 100)
		add(n, "command reply p99 (worst batch)", "≤ 500 ms", fmt.Sprintf("%.0f ms", replyP99), ok && replyP99 <= 500)
		add(n, "command ack p99 (worst batch)", "≤ 100 ms", fmt.Sprintf("%.1f ms", ackP99), ok && ackP99 <= 100)
		cs := s.CommandsDuringStorm
		add(n, "command reply during storm p50 / p99, none refused", "≤ 100 / ≤ 500 ms, 0", fmt.Sprintf("%.0f / %.0f ms (n=%d), %d refused", cs.Reply.P50, cs.Reply.P99, cs.Reply.N, cs.Refused),
			cs.Reply.N > 0 && cs.Reply.P50 <= 100 && cs.Reply.P99 <= 500 && cs.Refused == 0)
		rs := s.Resilience
		add(n, "restart: missed / duplicates", "0 / 0", fmt.Sprintf("%d / %d", rs.Missed, rs.Duplicates), rs.Incidents > 0 && rs.Missed == 0 && rs.Duplicates == 0)
	}
}

// WriteJSON writes the report.
func (rep *Report) WriteJSON(path string) error {
	b, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}

// Markdown renders the tables.
func (rep *Report) Markdown() string {
	var b strings.Builder
	m := rep.Machine
	fmt.Fprintf(&b, "Machine: %s, %d cores, %.1f GiB, %s, Linux %s; load average %.2f at start, %.2f at end (shared machine). Profile: %s.\n\n",
		m.CPUModel, m.Cores, m.MemoryGiB, m.GoVersion, m.Kernel, m.LoadStart, m.LoadEnd, rep.Profile)
	row := func(cells ...string) { b.WriteString("| " + strings.Join(cells, " | ") + " |\n") }
	head := []string{"figure"}
	sep := []string{"---"}
	for _, s := range rep.Sizes {
		head = append(head, fmt.Sprintf("N=%d", s.Pods))
		sep = append(sep, "---")
	}
	row(head...)
	row(sep...)
	line := func(name string, f func(SizeResult) string) {
		cells := []string{name}
		for _, s := range rep.Sizes {
			cells = append(cells, f(s))
		}
		row(cells...)
	}
	line("pods in cluster at the end (N + scenario pods)", func(s SizeResult) string { return fmt.Sprint(s.TotalPods) })
	line("stored pod size (JSON, with managedFields)", func(s SizeResult) string { return fmt.Sprintf("%.1f KB", float64(s.PodBytes)/1000) })
	line("1. Watchkeeper: start → ready", func(s SizeResult) string { return fmt.Sprintf("%.2f s", s.Watchkeeper.SyncSeconds) })
	line("1. Watchkeeper: peak RSS (VmHWM) / settled RSS", func(s SizeResult) string {
		return fmt.Sprintf("%.1f / %.1f MiB", s.Watchkeeper.PeakMiB, s.Watchkeeper.SettledMiB)
	})
	line("1. Watchkeeper: settled RSS anon / file (binary size)", func(s SizeResult) string {
		return fmt.Sprintf("%.1f / %.1f MiB (%.0f MiB)", s.Watchkeeper.SettledAnonMiB, s.Watchkeeper.SettledFileMiB, s.Watchkeeper.BinaryMiB)
	})
	line("1. Watchkeeper: Go heap in use / Go sys", func(s SizeResult) string {
		return fmt.Sprintf("%.1f / %.1f MiB", s.Watchkeeper.HeapInuseMiB, s.Watchkeeper.GoSysMiB)
	})
	line("1. Watchkeeper: API requests at start-up", func(s SizeResult) string { return fmt.Sprint(s.Watchkeeper.StartupAPICalls) })
	line("1. floor informer: sync / peak / settled (anon)", func(s SizeResult) string {
		return fmt.Sprintf("%.2f s / %.1f / %.1f MiB (%.1f)", s.Floor.SyncSeconds, s.Floor.PeakMiB, s.Floor.SettledMiB, s.Floor.SettledAnonMiB)
	})
	line("2. alert latency p50 / p90 / p99 / max", func(s SizeResult) string {
		l := s.Latency.Watchkeeper
		return fmt.Sprintf("%.0f / %.0f / %.0f / %.0f ms", l.P50, l.P90, l.P99, l.Max)
	})
	line("2. null watch p50 / p90 / p99 / max", func(s SizeResult) string {
		l := s.Latency.Floor
		return fmt.Sprintf("%.1f / %.1f / %.1f / %.1f ms", l.P50, l.P90, l.P99, l.Max)
	})
	line("2. incidents / lost", func(s SizeResult) string { return fmt.Sprintf("%d / %d", s.Latency.Incidents, s.Latency.Lost) })
	line("3. CPU per 1k non-alerting updates (floor, ratio)", func(s SizeResult) string {
		c := s.CPUNoise
		return fmt.Sprintf("%.0f ms (%.0f, ×%.1f)", c.WatchkeeperMsPer1k, c.FloorMsPer1k, c.Ratio)
	})
	line("3. CPU per 1k alerting updates (floor, ratio)", func(s SizeResult) string {
		c := s.CPUAlerting
		return fmt.Sprintf("%.0f ms (%.0f, ×%.1f)", c.WatchkeeperMsPer1k, c.FloorMsPer1k, c.Ratio)
	})
	line("3. API calls per non-alerting / alerting update", func(s SizeResult) string {
		return fmt.Sprintf("%.3f / %.3f", s.CPUNoise.APICallsPerUpdate, s.CPUAlerting.APICallsPerUpdate)
	})
	line("4. storm: pods, first message, all named", func(s SizeResult) string {
		return fmt.Sprintf("%d, %.1f s, %.1f s", s.Storm.Pods, s.Storm.FirstMessageSeconds, s.Storm.AllNamedSeconds)
	})
	line("4. storm: postMessage / update calls, 429s, lost, duplicates", func(s SizeResult) string {
		st := s.Storm
		return fmt.Sprintf("%d / %d, %d, %d, %d", st.PostMessages, st.Updates, st.RateLimited, st.Lost, st.Duplicates)
	})
	line("5. flapping: posts / thread replies / updates per incident", func(s SizeResult) string {
		f := s.Flapping
		return fmt.Sprintf("%.2f / %.2f / %.2f (%d pods × %d)", f.PostsPerIncident, f.ThreadRepliesPerIncident, f.UpdatesPerIncident, f.Pods, f.Cycles)
	})
	line("6. Watchkeeper restart: ready, all incidents named after, missed, duplicates", func(s SizeResult) string {
		r := s.Resilience
		return fmt.Sprintf("%.2f s, %.0f s, %d, %d", r.RestartReadySeconds, r.AllNamedAfterReadySeconds, r.Missed, r.Duplicates)
	})
	for i := range 4 {
		line(fmt.Sprintf("7. %s", cmdLabel(rep, i)), func(s SizeResult) string {
			if i >= len(s.Commands) {
				return "-"
			}
			c := s.Commands[i]
			return fmt.Sprintf("ack p99 %.1f; reply %.0f / %.0f ms; refused %d", c.Ack.P99, c.Reply.P50, c.Reply.P99, c.Refused)
		})
	}
	line("7. get pods during the storm: ack p99; reply p50 / p99", func(s SizeResult) string {
		c := s.CommandsDuringStorm
		return fmt.Sprintf("ack p99 %.1f; reply %.0f / %.0f ms (n=%d); refused %d", c.Ack.P99, c.Reply.P50, c.Reply.P99, c.Reply.N, c.Refused)
	})
	b.WriteString("\n| N | target | want | got | |\n| --- | --- | --- | --- | --- |\n")
	for _, t := range rep.Targets {
		mark := "missed"
		if t.Met {
			mark = "met"
		}
		row(fmt.Sprint(t.Pods), t.Name, t.Want, t.Got, mark)
	}
	for _, s := range rep.Sizes {
		for _, f := range s.Failures {
			fmt.Fprintf(&b, "\nN=%d FAILURE: %s\n", s.Pods, f)
		}
	}
	return b.String()
}

func cmdLabel(rep *Report, i int) string {
	for _, s := range rep.Sizes {
		if i < len(s.Commands) {
			c := s.Commands[i]
			return fmt.Sprintf("`%s`, %d-way, %d runs: ack p99; reply p50 / p99", c.Command, c.Concurrency, c.Reply.N+c.Failed+c.Refused)
		}
	}
	return "commands"
}

// Failed reports functional breakage in any size.
func (rep *Report) Failed() bool {
	for _, s := range rep.Sizes {
		if len(s.Failures) > 0 {
			return true
		}
	}
	return false
}
