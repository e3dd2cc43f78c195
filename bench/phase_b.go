package bench

import (
	"context"
	"fmt"
	"time"
)

// phaseB is the product's alerting defaults (groupWait 5s, storm threshold
// 10 per minute).
var phaseB = ConfigOptions{AlertChannel: stormChannel}

const defaultGroupWait = 5 * time.Second

// storm is scenario 4, with scenario 7's commands running alongside.
func (r *sizeRun) storm(ctx context.Context) error {
	if err := r.inst.Stop(15 * time.Second); err != nil {
		return err
	}
	restart, err := r.startWatchkeeper(ctx, phaseB)
	if err != nil {
		return err
	}
	r.logf("restarted with product defaults, ready in %s", restart.Round(time.Millisecond))
	k := r.load.Kubelet()
	names := podNames(r.stormPods)
	r.slack.Watch(names...)
	_, _, from := CallStats(r.fake, 1<<30, "")

	stop := make(chan struct{})
	cmdDone := make(chan CommandStats)
	d := &commandDriver{fake: r.fake, channel: commandChannel}
	go func() { cmdDone <- d.until(ctx, "get pods -n "+commandNS, stop) }()

	begin := time.Now()
	window := 10 * time.Second
	rate := max(1, int(float64(len(r.stormPods))/window.Seconds()))
	failed := paced(ctx, len(r.stormPods), rate, 32, func(ctx context.Context, i int) error {
		p := r.stormPods[i]
		_, _, err := k.Patch(ctx, p, CrashLoop(p, 1, "Error", 1))
		return err
	})
	sendSeconds := time.Since(begin).Seconds()
	missing := r.slack.WaitAll(ctx, names, 180*time.Second)
	close(stop)
	cmds := <-cmdDone
	var first, last time.Time
	dups := 0
	for _, n := range names {
		at, ok := r.slack.First(n)
		if !ok {
			continue
		}
		if first.IsZero() || at.Before(first) {
			first = at
		}
		if at.After(last) {
			last = at
		}
		if r.slack.Posts(n) > 1 {
			dups++
		}
	}
	posts, limited, _ := CallStats(r.fake, from, "chat.postMessage")
	updates, _, _ := CallStats(r.fake, from, "chat.update")
	r.res.Storm = StormResult{Pods: len(r.stormPods), SendSeconds: sendSeconds, PatchFailures: failed,
		FirstMessageSeconds: first.Sub(begin).Seconds(), AllNamedSeconds: last.Sub(begin).Seconds(),
		PostMessages: posts, Updates: updates, RateLimited: limited, Lost: len(missing), Duplicates: dups,
		GroupWaitSeconds: defaultGroupWait.Seconds()}
	if first.IsZero() {
		r.res.Storm.FirstMessageSeconds, r.res.Storm.AllNamedSeconds = -1, -1
	}
	cmds.Command += " (during storm)"
	r.res.CommandsDuringStorm = cmds
	r.logf("storm: %d pods in %.1fs; first message %.1fs, all named %.1fs, %d posts + %d updates, %d 429s, lost %d, dup %d; commands during storm: %d, reply p50 %.0f p99 %.0f ms, refused %d %q",
		len(r.stormPods), sendSeconds, r.res.Storm.FirstMessageSeconds, r.res.Storm.AllNamedSeconds, posts, updates, limited, len(missing), dups,
		cmds.Reply.N, cmds.Reply.P50, cmds.Reply.P99, cmds.Refused, cmds.RefusedText)
	switch {
	case len(missing) > 0:
		return fmt.Errorf("%d of %d storm pods never named (e.g. %s)", len(missing), len(names), missing[0])
	case cmds.Reply.N == 0:
		return fmt.Errorf("no command was answered during the storm (%d failed)", cmds.Failed)
	}
	return nil
}

// flapping is scenario 5: each pod crashes and recovers FlapCycles times.
func (r *sizeRun) flapping(ctx context.Context) error {
	k := r.load.Kubelet()
	names := podNames(r.flapPods)
	r.slack.Watch(names...)
	// Down for 70% of each period (longer than groupWait), up for the rest,
	// shorter than resolveGrace: one incident per pod that keeps flapping.
	down := r.o.FlapPeriod * 7 / 10
	for c := range r.o.FlapCycles {
		start := time.Now()
		for _, p := range r.flapPods {
			if _, _, err := k.Patch(ctx, p, CrashLoop(p, c+1, "Error", 1)); err != nil {
				return err
			}
		}
		waitUntil(ctx, start.Add(down))
		for _, p := range r.flapPods {
			if _, _, err := k.Patch(ctx, p, Running(p, c+1)); err != nil {
				return err
			}
		}
		waitUntil(ctx, start.Add(r.o.FlapPeriod))
	}
	missing := r.slack.WaitAll(ctx, names, 3*time.Minute)
	// Updates may still trail the last cycle: wait out grouping and the
	// channel's rate limit before counting.
	quiet(r, 2*defaultGroupWait, 60*time.Second)
	var posts, threads, updates int
	for _, n := range names {
		p, t, u := r.slack.Notifications(n)
		posts, threads, updates = posts+p, threads+t, updates+u
	}
	inc := float64(len(names))
	r.res.Flapping = FlapResult{Pods: len(names), Cycles: r.o.FlapCycles, PostsPerIncident: float64(posts) / inc,
		ThreadRepliesPerIncident: float64(threads) / inc, UpdatesPerIncident: float64(updates) / inc, Lost: len(missing)}
	r.logf("flapping: per incident %.2f posts, %.2f thread replies, %.2f updates; lost %d",
		r.res.Flapping.PostsPerIncident, r.res.Flapping.ThreadRepliesPerIncident, r.res.Flapping.UpdatesPerIncident, len(missing))
	if len(missing) > 0 {
		return fmt.Errorf("%d flapping pods never named", len(missing))
	}
	return nil
}

// waitUntil paces a scenario to a wall-clock schedule.
func waitUntil(ctx context.Context, t time.Time) {
	timer := time.NewTimer(time.Until(t))
	defer timer.Stop()
	select {
	case <-ctx.Done():
	case <-timer.C:
	}
}

// quiet waits until the fake Slack has seen no call for d, at most limit.
func quiet(r *sizeRun, d, limit time.Duration) time.Duration {
	begin := time.Now()
	end := begin.Add(limit)
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	for range tick.C {
		calls := r.fake.Calls()
		if len(calls) == 0 || time.Since(calls[len(calls)-1].At) > d || time.Now().After(end) {
			return time.Since(begin)
		}
	}
	return time.Since(begin)
}

// resilience is scenario 6: incidents before, during and after a
// Watchkeeper restart are each posted exactly once.
func (r *sizeRun) resilience(ctx context.Context) error {
	k := r.load.Kubelet()
	names := podNames(r.resilPods)
	r.slack.Watch(names...)
	half := len(r.resilPods) / 2
	for _, p := range r.resilPods[:half] {
		if _, _, err := k.Patch(ctx, p, CrashLoop(p, 1, "Error", 1)); err != nil {
			return err
		}
	}
	if missing := r.slack.WaitAll(ctx, names[:half], 60*time.Second); len(missing) > 0 {
		return fmt.Errorf("%d incidents before the restart never named", len(missing))
	}
	if err := r.inst.Stop(15 * time.Second); err != nil {
		return err
	}
	// While Watchkeeper is down: new incidents, and more restarts of the
	// ones already reported.
	for _, p := range r.resilPods[half:] {
		if _, _, err := k.Patch(ctx, p, CrashLoop(p, 1, "OOMKilled", 137)); err != nil {
			return err
		}
	}
	for _, p := range r.resilPods[:half] {
		if _, _, err := k.Patch(ctx, p, CrashLoop(p, 2, "Error", 1)); err != nil {
			return err
		}
	}
	ready, err := r.startWatchkeeper(ctx, phaseB)
	if err != nil {
		return err
	}
	back := time.Now()
	missing := r.slack.WaitAll(ctx, names, 5*time.Minute)
	allNamed := time.Since(back)
	quiet(r, 2*defaultGroupWait, 60*time.Second)
	dups := 0
	for _, n := range names {
		if p, _, _ := r.slack.Notifications(n); p > 1 {
			dups++
		}
	}
	r.res.Resilience = ResilienceResult{Incidents: len(names), RestartReadySeconds: ready.Seconds(), Missed: len(missing), Duplicates: dups,
		AllNamedAfterReadySeconds: allNamed.Seconds(),
		APIServerRestart:          "not run: internal/testenv has no way to restart kube-apiserver (Env exposes only Start and Stop)"}
	r.logf("resilience: watchkeeper restart ready in %s; every incident named %s after; missed %d, duplicates %d",
		ready.Round(time.Millisecond), allNamed.Round(time.Second), len(missing), dups)
	if len(missing) > 0 || dups > 0 {
		return fmt.Errorf("restart: %d missed and %d duplicated incidents", len(missing), dups)
	}
	return nil
}
