package bench

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/watchkeeper/watchkeeper/internal/kubelettest"
	"github.com/watchkeeper/watchkeeper/internal/slacktest"
)

// Options configure a run. Zero fields take the full run's values.
type Options struct {
	RepoRoot string
	WorkDir  string // scratch: binary, configs, logs, audit log
	Self     string // this executable, for the floor subcommand
	// Binary is a built watchkeeper (bin/watchkeeper from make build);
	// empty builds one into WorkDir.
	Binary  string
	Sizes   []int // pod counts, e.g. 1000, 10000
	Profile Profile
	// LatencyIncidents is scenario 2's length: one incident per second.
	LatencyIncidents int
	NoiseRate        int // scenario 2's background noise, updates/s
	CPUUpdates       int // scenario 3's updates per kind
	CPUWorkloads     int // scenario 3's crash-looping workloads, 10 pods each
	StormPods        int // scenario 4, spread over 5 namespaces
	FlapPods         int
	ResilPods        int // scenario 6: half fail before the restart, half while down
	FlapCycles       int
	FlapPeriod       time.Duration
	Commands         int // per kind and concurrency in scenario 7
	LoadConcurrency  int
	Log              io.Writer
}

func (o Options) withDefaults() Options {
	def := func(p *int, v int) {
		if *p == 0 {
			*p = v
		}
	}
	def(&o.LatencyIncidents, 300)
	def(&o.NoiseRate, 50)
	def(&o.CPUUpdates, 2000)
	def(&o.CPUWorkloads, 10)
	def(&o.StormPods, 1000)
	def(&o.FlapPods, 20)
	def(&o.ResilPods, 8)
	def(&o.FlapCycles, 10)
	def(&o.Commands, 200)
	def(&o.LoadConcurrency, 32)
	if o.FlapPeriod == 0 {
		// A crash must outlast groupWait (5s) to be an incident at all.
		o.FlapPeriod = 14 * time.Second
	}
	if o.Profile == "" {
		o.Profile = Realistic
	}
	if o.Log == nil {
		o.Log = io.Discard
	}
	return o
}

const (
	alertChannel = "C0BENCHAL"
	// stormChannel takes phase B's alerts, so the incidents phase A left
	// firing (re-rendered on every restart) do not share its rate limit.
	stormChannel   = "C0BENCHST"
	commandChannel = "C0BENCHCM"
	commandNS      = "cmd-bench"
)

// Run measures every size in turn and returns the report.
func Run(ctx context.Context, o Options) (*Report, error) {
	o = o.withDefaults()
	rep := &Report{Machine: DescribeMachine(), Profile: o.Profile, Started: time.Now().UTC()}
	bin := o.Binary
	if bin != "" {
		// A private copy: others rebuild bin/watchkeeper while we run.
		b, err := os.ReadFile(bin)
		if err != nil {
			return nil, err
		}
		bin = filepath.Join(o.WorkDir, "watchkeeper")
		if err := os.WriteFile(bin, b, 0o755); err != nil {
			return nil, err
		}
	} else {
		b, err := BuildBinary(ctx, o.RepoRoot, o.WorkDir)
		if err != nil {
			return nil, err
		}
		bin = b
	}
	for _, n := range o.Sizes {
		fmt.Fprintf(o.Log, "== N=%d (%s)\n", n, o.Profile)
		res, err := runSize(ctx, o, bin, n)
		if res != nil {
			rep.Sizes = append(rep.Sizes, *res)
		}
		if err != nil {
			rep.Machine.LoadEnd = LoadAverage()
			rep.evaluate()
			return rep, fmt.Errorf("size %d: %w", n, err)
		}
	}
	rep.Machine.LoadEnd = LoadAverage()
	rep.evaluate()
	return rep, nil
}

// sizeRun is the state shared by one size's scenarios.
type sizeRun struct {
	o                                            Options
	bin                                          string
	dir                                          string
	cp                                           *ControlPlane
	load                                         *Loader
	fake                                         *slacktest.Server
	slack                                        *SlackLog
	bare                                         *BareWatch
	floor                                        *FloorInformer
	res                                          *SizeResult
	bulk                                         []PodRef // the N pods
	inst                                         *Instance
	cfgN                                         int
	logf                                         func(format string, args ...any)
	cmdPods                                      []PodRef
	kubelet                                      *kubelettest.Kubelet
	extraPods                                    int
	lat, cpuPods, stormPods, flapPods, resilPods []PodRef
}

func runSize(ctx context.Context, o Options, bin string, n int) (_ *SizeResult, err error) {
	dir := filepath.Join(o.WorkDir, fmt.Sprintf("n%d", n))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	r := &sizeRun{o: o, bin: bin, dir: dir, res: &SizeResult{Pods: n}}
	r.logf = func(format string, args ...any) {
		fmt.Fprintf(o.Log, "%s N=%d "+format+"\n", append([]any{time.Now().Format("15:04:05"), n}, args...)...)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	r.cp, err = StartControlPlane(ctx, o.RepoRoot, dir)
	if err != nil {
		return nil, err
	}
	r.res.EtcdOnTmpfs = r.cp.OnTmpfs
	defer func() {
		if r.inst != nil {
			_ = r.inst.Stop(15 * time.Second)
		}
		if r.floor != nil {
			r.floor.Stop()
		}
		_ = r.cp.Stop()
	}()
	r.load, err = NewLoader(r.cp.Env.AdminConfig, o.Profile, o.LoadConcurrency)
	if err != nil {
		return nil, err
	}
	// One fake kubelet answers pods/log for every node, as fast as a real
	// one: without it the enricher's log fetch waits out its timeout.
	r.kubelet, err = kubelettest.New(kubelettest.Options{})
	if err != nil {
		return nil, err
	}
	if err := r.kubelet.Start(); err != nil {
		return nil, fmt.Errorf("start fake kubelet: %w", err)
	}
	defer r.kubelet.Close()
	if err := r.populate(ctx, n); err != nil {
		return r.res, err
	}

	r.fake = slacktest.NewServer(slacktest.Options{BotToken: BotToken, AppToken: AppToken})
	if err := r.fake.Start(); err != nil {
		return r.res, fmt.Errorf("start fake slack: %w", err)
	}
	defer r.fake.Close()
	r.fake.SetChannelRateLimit(1)
	r.slack = NewSlackLog(r.fake)
	go r.slack.Run(ctx)

	steps := []struct {
		name string
		fn   func(context.Context) error
	}{
		{"floor", r.measureFloor},
		{"cold start", r.coldStart},
		{"extras", r.extras},
		{"cpu", r.cpu},
		{"latency", r.latency},
		{"commands", r.commands},
		{"storm", r.storm},
		{"flapping", r.flapping},
		{"resilience", r.resilience},
	}
	for _, s := range steps {
		begin := time.Now()
		r.logf("%s ...", s.name)
		if err := s.fn(ctx); err != nil {
			r.res.Failures = append(r.res.Failures, s.name+": "+err.Error())
			r.logf("%s FAILED: %v", s.name, err)
			if s.name == "floor" || s.name == "cold start" || s.name == "extras" {
				return r.res, err
			}
			continue
		}
		r.logf("%s done in %s", s.name, time.Since(begin).Round(time.Second))
	}
	r.res.TotalPods = r.totalPods()
	if err := dumpCalls(r.fake, filepath.Join(dir, "slack-calls.jsonl")); err != nil {
		r.logf("dump slack calls: %v", err)
	}
	if r.inst != nil {
		r.res.WatchkeeperLog = r.inst.LogPath
	}
	return r.res, nil
}

// populate creates the N pods measured by scenario 1: 100 in the command
// namespace, the rest in namespaces of 500 (workloads of 10), one node per
// 100 pods.
func (r *sizeRun) populate(ctx context.Context, n int) error {
	begin := time.Now()
	if err := r.load.Nodes(ctx, max(1, n/100), r.kubelet.Port()); err != nil {
		return err
	}
	cmdPods, err := r.load.Workloads(ctx, WorkloadSpec{Namespace: commandNS, Prefix: "api", Count: 10, Replicas: 10})
	if err != nil {
		return err
	}
	r.cmdPods = cmdPods
	r.bulk = append(r.bulk, cmdPods...)
	for i := 0; len(r.bulk) < n; i++ {
		per := min(500, n-len(r.bulk))
		pods, err := r.load.Workloads(ctx, WorkloadSpec{Namespace: fmt.Sprintf("load-%03d", i), Prefix: "svc", Count: (per + 9) / 10, Replicas: min(10, per)})
		if err != nil {
			return err
		}
		r.bulk = append(r.bulk, pods...)
		r.logf("created %d pods", len(r.bulk))
	}
	r.res.LoadSeconds = time.Since(begin).Seconds()
	size, err := r.load.PodSize(ctx, r.bulk[len(r.bulk)-1])
	if err != nil {
		return err
	}
	r.res.PodBytes = size
	r.logf("created %d pods (%d B each as JSON) in %s", len(r.bulk), size, time.Since(begin).Round(time.Second))
	return nil
}

func (r *sizeRun) totalPods() int { return len(r.bulk) + r.extraPods }
