package bench

import (
	"context"
	"fmt"
	"math"
	"time"
)

// incident is the status a scenario-2 pod is put in: mostly crash loops,
// every third an OOM kill, every fifth an image pull failure.
func incident(p PodRef, i int) map[string]any {
	switch {
	case i%5 == 4:
		return ImagePull(p)
	case i%3 == 2:
		return CrashLoop(p, 1, "OOMKilled", 137)
	default:
		return CrashLoop(p, 1, "Error", 1)
	}
}

// latency is scenario 2: one incident per second on distinct workloads with
// noise in the background; PATCH ack → the bare watch's event, and PATCH
// ack → the fake Slack receiving a message naming the pod.
func (r *sizeRun) latency(ctx context.Context) error {
	k := r.load.Kubelet()
	noiseCtx, stopNoise := context.WithCancel(ctx)
	noiseDone := make(chan int)
	go func() {
		noiseDone <- paced(noiseCtx, math.MaxInt32, r.o.NoiseRate, 8, func(ctx context.Context, i int) error {
			_, _, err := k.Patch(ctx, r.bulk[(i*7919)%len(r.bulk)], Noise())
			return err
		})
	}()
	r.slack.Watch(podNames(r.lat)...)
	type sent struct {
		ack time.Time
		rv  string
	}
	sends := make([]sent, len(r.lat))
	tick := time.NewTicker(time.Second)
	for i, p := range r.lat {
		<-tick.C
		ack, rv, err := k.Patch(ctx, p, incident(p, i))
		if err != nil {
			tick.Stop()
			stopNoise()
			return err
		}
		sends[i] = sent{ack, rv}
	}
	tick.Stop()
	stopNoise()
	<-noiseDone
	missing := r.slack.WaitAll(ctx, podNames(r.lat), time.Duration(2*len(r.lat)+120)*time.Second)
	var floor, wk []time.Duration
	for i, p := range r.lat {
		if at, ok := r.bare.Arrival(ctx, p, sends[i].rv, 5*time.Second); ok {
			floor = append(floor, at.Sub(sends[i].ack))
		}
		if at, ok := r.slack.First(p.Name); ok {
			wk = append(wk, at.Sub(sends[i].ack))
		}
	}
	r.res.Latency = LatencyResult{Incidents: len(r.lat), NoiseRate: r.o.NoiseRate, Floor: Summarize(floor), Watchkeeper: Summarize(wk),
		GroupWaitMs: float64(phaseA.GroupWait.Milliseconds()), Lost: len(missing)}
	r.logf("latency: watchkeeper p50 %.0f p99 %.0f max %.0f ms; floor p50 %.1f p99 %.1f ms; lost %d",
		r.res.Latency.Watchkeeper.P50, r.res.Latency.Watchkeeper.P99, r.res.Latency.Watchkeeper.Max, r.res.Latency.Floor.P50, r.res.Latency.Floor.P99, len(missing))
	if len(missing) > 0 {
		return fmt.Errorf("%d of %d incidents never reached Slack (e.g. %s)", len(missing), len(r.lat), missing[0])
	}
	return nil
}

// commands is scenario 7 without a storm.
func (r *sizeRun) commands(ctx context.Context) error {
	d := &commandDriver{fake: r.fake, channel: commandChannel}
	n := r.o.Commands
	get := "get pods -n " + commandNS
	describe := fmt.Sprintf("describe pod %s -n %s", r.cmdPods[0].Name, commandNS)
	for _, b := range []struct {
		text string
		conc int
	}{{get, 1}, {get, 10}, {describe, 1}, {describe, 10}} {
		s := d.batch(ctx, b.text, n, b.conc)
		r.res.Commands = append(r.res.Commands, s)
		r.logf("command %q x%d (%d-way): ack p99 %.1f ms, reply p50 %.0f p99 %.0f ms, failed %d, refused %d %q",
			b.text, n, b.conc, s.Ack.P99, s.Reply.P50, s.Reply.P99, s.Failed, s.Refused, s.RefusedText)
		if s.Failed > 0 {
			return fmt.Errorf("%d of %d %q commands got no reply", s.Failed, n, b.text)
		}
	}
	return nil
}
