package bench

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// startWatchkeeper writes a config (phase-specific knobs in co) and starts
// the binary, returning the time to /readyz.
func (r *sizeRun) startWatchkeeper(ctx context.Context, co ConfigOptions) (time.Duration, error) {
	r.cfgN++
	port, err := FreePort()
	if err != nil {
		return 0, err
	}
	policy := filepath.Join(r.dir, "policy.csv")
	if err := os.WriteFile(policy, []byte(Policy(commandChannel, commandNS)), 0o600); err != nil {
		return 0, err
	}
	co.APIURL, co.CommandChannel = r.fake.APIURL(), commandChannel
	if co.AlertChannel == "" {
		co.AlertChannel = alertChannel
	}
	co.Listen = fmt.Sprintf("127.0.0.1:%d", port)
	co.PolicyFile, co.CacheDir = policy, filepath.Join(r.dir, "cache")
	cfg := filepath.Join(r.dir, fmt.Sprintf("config-%d.yaml", r.cfgN))
	if err := os.WriteFile(cfg, []byte(Config(co)), 0o600); err != nil {
		return 0, err
	}
	in, err := StartInstance(r.bin, cfg, r.cp.Env.WatchkeeperKubeconfig, "http://"+co.Listen, filepath.Join(r.dir, "watchkeeper.log"), nil)
	if err != nil {
		return 0, err
	}
	r.inst = in
	return in.WaitReady(ctx, 5*time.Minute)
}

// phaseA is the latency configuration: grouping nearly off and storms off,
// so scenario 2 measures the path, not the deliberate delays.
var phaseA = ConfigOptions{GroupWait: time.Millisecond, StormThreshold: 100000}

func (r *sizeRun) measureFloor(ctx context.Context) error {
	var err error
	r.bare, err = NewBareWatch(r.cp.Env.AdminConfig, keepPrefixes("lat"))
	if err != nil {
		return err
	}
	if err := r.bare.Start(ctx); err != nil {
		return err
	}
	floor, syncTime, err := StartFloorInformer(ctx, r.o.Self, r.cp.Env.AdminKubeconfig, filepath.Join(r.dir, "floor.log"))
	if err != nil {
		return err
	}
	r.floor = floor
	peak, err := ReadProc(floor.PID())
	if err != nil {
		return err
	}
	settled, err := settleRSS(floor.PID(), 2*time.Second, 30*time.Second)
	if err != nil {
		return err
	}
	r.res.Floor = MemoryResult{SyncSeconds: syncTime.Seconds(), PeakMiB: MiB(peak.HWM), SettledMiB: MiB(settled.RSS),
		SettledAnonMiB: MiB(settled.Anon), SettledFileMiB: MiB(settled.File)}
	r.logf("floor informer: synced in %s, peak %.1f MiB, settled %.1f MiB", syncTime.Round(time.Millisecond), MiB(peak.HWM), MiB(settled.RSS))
	return nil
}

// coldStart is scenario 1.
func (r *sizeRun) coldStart(ctx context.Context) error {
	ready, err := r.startWatchkeeper(ctx, phaseA)
	if err != nil {
		return err
	}
	peak, err := ReadProc(r.inst.PID())
	if err != nil {
		return err
	}
	calls, byKey, err := r.cp.Audit.Snapshot()
	if err != nil {
		return err
	}
	settled, err := settleRSS(r.inst.PID(), 2*time.Second, 30*time.Second)
	if err != nil {
		return err
	}
	m := MemoryResult{SyncSeconds: ready.Seconds(), PeakMiB: MiB(peak.HWM), SettledMiB: MiB(settled.RSS),
		SettledAnonMiB: MiB(settled.Anon), SettledFileMiB: MiB(settled.File), StartupAPICalls: calls, StartupByVerb: byKey}
	if fi, err := os.Stat(r.bin); err == nil {
		m.BinaryMiB = MiB(uint64(fi.Size()))
	}
	if mets, err := r.inst.Metrics(ctx); err == nil {
		m.HeapInuseMiB = MiB(uint64(mets["go_memstats_heap_inuse_bytes"]))
		m.GoSysMiB = MiB(uint64(mets["go_memstats_sys_bytes"]))
		m.Goroutines = int(mets["go_goroutines"])
	}
	r.res.Watchkeeper = m
	r.logf("watchkeeper: ready in %s, peak %.1f MiB, settled %.1f MiB, heap %.1f MiB, %d API calls at start-up %v",
		ready.Round(time.Millisecond), m.PeakMiB, m.SettledMiB, m.HeapInuseMiB, calls, byKey)
	return nil
}

// extras creates the pods the later scenarios break, after scenario 1 so
// its figures are at exactly N pods. Their names are unique in the cluster:
// the Slack log matches pods by name.
func (r *sizeRun) extras(ctx context.Context) error {
	specs := []struct {
		dst  *[]PodRef
		spec WorkloadSpec
	}{
		{&r.lat, WorkloadSpec{Namespace: "lat", Prefix: "lat", Count: r.o.LatencyIncidents, Replicas: 1}},
		{&r.cpuPods, WorkloadSpec{Namespace: "cpu", Prefix: "cpu", Count: r.o.CPUWorkloads, Replicas: 10}},
		{&r.flapPods, WorkloadSpec{Namespace: "flap", Prefix: "flap", Count: r.o.FlapPods, Replicas: 1}},
		{&r.resilPods, WorkloadSpec{Namespace: "resil", Prefix: "resil", Count: r.o.ResilPods, Replicas: 1}},
	}
	for i := range 5 {
		per := r.o.StormPods / 5
		specs = append(specs, struct {
			dst  *[]PodRef
			spec WorkloadSpec
		}{&r.stormPods, WorkloadSpec{Namespace: fmt.Sprintf("storm-%d", i), Prefix: fmt.Sprintf("web%d", i), Count: max(1, per/20), Replicas: min(20, per)}})
	}
	for _, s := range specs {
		pods, err := r.load.Workloads(ctx, s.spec)
		if err != nil {
			return err
		}
		for _, p := range pods {
			r.kubelet.SetLogs(p.Namespace, p.Name, "app", crashLog, true)
		}
		*s.dst = append(*s.dst, pods...)
		r.extraPods += len(pods)
	}
	return nil
}

// crashLog is what a crashed container printed before it exited.
var crashLog = []string{
	`{"level":"info","msg":"starting","version":"1.0"}`,
	`{"level":"info","msg":"connecting to db","host":"db.prod.svc"}`,
	`{"level":"error","msg":"dial tcp 10.0.3.4:5432: connect: connection refused"}`,
	`{"level":"fatal","msg":"cannot start without a database"}`,
}

// paced calls fn(i) for i in [0,n) at rate per second with up to conc in
// flight, and returns how many failed.
func paced(ctx context.Context, n, rate, conc int, fn func(context.Context, int) error) int {
	tick := time.NewTicker(time.Second / time.Duration(max(1, rate)))
	defer tick.Stop()
	sem := make(chan struct{}, conc)
	var wg sync.WaitGroup
	var mu sync.Mutex
	failed := 0
	for i := 0; i < n; i++ {
		select {
		case <-ctx.Done():
			wg.Wait()
			return failed + n - i
		case <-tick.C:
		}
		sem <- struct{}{}
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			defer func() { <-sem }()
			if fn(ctx, i) != nil {
				mu.Lock()
				failed++
				mu.Unlock()
			}
		}(i)
	}
	wg.Wait()
	return failed
}

// cpu is scenario 3: CPU of Watchkeeper and of the floor over the same
// window of non-alerting, then alerting, updates.
func (r *sizeRun) cpu(ctx context.Context) error {
	k := r.load.Kubelet()
	n := r.o.CPUUpdates
	noise := func(ctx context.Context, i int) error {
		_, _, err := k.Patch(ctx, r.bulk[i%len(r.bulk)], Noise())
		return err
	}
	res, err := r.cpuWindow(ctx, n, noise)
	if err != nil {
		return err
	}
	r.res.CPUNoise = res
	// The alerting pods go into CrashLoopBackOff first (untimed); the timed
	// updates are the kubelet's restart-count bumps of a crash loop.
	for _, p := range r.cpuPods {
		if _, _, err := k.Patch(ctx, p, CrashLoop(p, 1, "Error", 1)); err != nil {
			return err
		}
	}
	// Untimed: let the new incidents' posts and updates drain.
	quiet(r, 3*time.Second, 3*time.Minute)
	alerting := func(ctx context.Context, i int) error {
		p := r.cpuPods[i%len(r.cpuPods)]
		_, _, err := k.Patch(ctx, p, CrashLoop(p, 2+i/len(r.cpuPods), "Error", 1))
		return err
	}
	res, err = r.cpuWindow(ctx, n, alerting)
	if err != nil {
		return err
	}
	r.res.CPUAlerting = res
	// The restarts' message updates drain before scenario 2 starts, so it
	// begins on an idle channel.
	res.DrainSeconds = quiet(r, 3*time.Second, 5*time.Minute).Seconds()
	r.res.CPUAlerting = res
	r.logf("cpu per 1k updates: noise %.0f ms (floor %.0f), alerting %.0f ms (floor %.0f); API calls per noise update %.3f",
		r.res.CPUNoise.WatchkeeperMsPer1k, r.res.CPUNoise.FloorMsPer1k, r.res.CPUAlerting.WatchkeeperMsPer1k, r.res.CPUAlerting.FloorMsPer1k, r.res.CPUNoise.APICallsPerUpdate)
	return nil
}

func (r *sizeRun) cpuWindow(ctx context.Context, n int, fn func(context.Context, int) error) (CPUResult, error) {
	wk0, err := ReadProc(r.inst.PID())
	if err != nil {
		return CPUResult{}, err
	}
	fl0, err := ReadProc(r.floor.PID())
	if err != nil {
		return CPUResult{}, err
	}
	calls0, by0, err := r.cp.Audit.Snapshot()
	if err != nil {
		return CPUResult{}, err
	}
	failed := paced(ctx, n, 200, 16, fn)
	// Let both processes drain what they received before the second reading.
	settleCPU(r.inst.PID(), r.floor.PID())
	wk1, _ := ReadProc(r.inst.PID())
	fl1, _ := ReadProc(r.floor.PID())
	calls1, by1, err := r.cp.Audit.Snapshot()
	if err != nil {
		return CPUResult{}, err
	}
	per1k := func(d time.Duration) float64 { return float64(d.Milliseconds()) * 1000 / float64(n) }
	res := CPUResult{Updates: n, Failed: failed, WatchkeeperMsPer1k: per1k(wk1.CPU - wk0.CPU), FloorMsPer1k: per1k(fl1.CPU - fl0.CPU),
		APICalls: calls1 - calls0, APICallsByVerb: diffCounts(by0, by1)}
	res.APICallsPerUpdate = float64(res.APICalls) / float64(n)
	if res.FloorMsPer1k > 0 {
		res.Ratio = res.WatchkeeperMsPer1k / res.FloorMsPer1k
	}
	return res, nil
}

// settleCPU waits until neither process used CPU for 500 ms, at most 10 s.
func settleCPU(pids ...int) {
	end := time.Now().Add(10 * time.Second)
	prev := make([]time.Duration, len(pids))
	tick := time.NewTicker(500 * time.Millisecond)
	defer tick.Stop()
	for range tick.C {
		quiet := true
		for i, pid := range pids {
			s, err := ReadProc(pid)
			if err != nil {
				return
			}
			if s.CPU-prev[i] > 20*time.Millisecond {
				quiet = false
			}
			prev[i] = s.CPU
		}
		if quiet || time.Now().After(end) {
			return
		}
	}
}

func podNames(pods []PodRef) []string {
	out := make([]string, len(pods))
	for i, p := range pods {
		out[i] = p.Name
	}
	return out
}
