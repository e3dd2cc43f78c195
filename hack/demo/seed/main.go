// Command seed plays, for make demo, the parts of a cluster the local
// control plane lacks: the deployment, replicaset and statefulset
// controllers, the scheduler, the PV binder and the kubelet's status
// reports. It reads the workloads hack/demo/resources.yaml applied and
// writes what those would have written, through the same API (status
// subresources, owner references with real UIDs, events).
//
//	seed -kubeconfig ADMIN world      # ReplicaSets, Pods on the node, PVC + PV; all healthy
//	seed -kubeconfig ADMIN incidents  # api is OOM-killed and crash-loops; worker cannot pull its image
//
// The demo runs world before Watchkeeper starts and incidents once it is
// ready, so the problems arrive as live alerts.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintf(os.Stderr, "seed: %v\n", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("seed", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var s seeder
	kubeconfig := fs.String("kubeconfig", "", "admin kubeconfig `path`")
	fs.StringVar(&s.ns, "namespace", "demo", "namespace of the demo workloads")
	fs.StringVar(&s.node, "node", "demo-node", "node the pods run on")
	timeout := fs.Duration("timeout", 30*time.Second, "bound on the whole stage")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 || *kubeconfig == "" {
		return errors.New("usage: seed -kubeconfig PATH world|incidents")
	}
	cfg, err := clientcmd.BuildConfigFromFlags("", *kubeconfig)
	if err != nil {
		return fmt.Errorf("load kubeconfig: %w", err)
	}
	// A controller burst, not a client that must be polite: no client-side
	// rate limit (client-go's default 5 QPS makes the seed take seconds).
	cfg.QPS, cfg.Burst = -1, 0
	if s.c, err = kubernetes.NewForConfig(cfg); err != nil {
		return fmt.Errorf("client: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	switch stage := fs.Arg(0); stage {
	case "world":
		return s.world(ctx)
	case "incidents":
		return s.incidents(ctx)
	default:
		return fmt.Errorf("unknown stage %q: want world or incidents", stage)
	}
}

// fate is what happens to a workload's pods in stage incidents.
type fate int

const (
	healthy fate = iota
	oomCrashLoop
	imagePullNotFound
)

// workload fixes the names a controller would have chosen at random, so
// that hack/demo/kubelet.yaml and hack/demo/script.txt can name the pods.
type workload struct {
	hash string   // pod-template-hash of the one ReplicaSet
	pods []string // pod name suffixes, one per replica
	fate fate
}

var deployments = map[string]workload{
	"api":    {hash: "7c9f6d8b45", pods: []string{"x2x9k", "m4q7w"}, fate: oomCrashLoop},
	"web":    {hash: "5d4b8f7c9d", pods: []string{"h2v8n", "t6w8r"}},
	"worker": {hash: "6b8d9c7f5c", pods: []string{"p9z4j"}, fate: imagePullNotFound},
}

type seeder struct {
	c        kubernetes.Interface
	ns, node string
}
