// Command wkbench runs Watchkeeper's scale and speed benchmark (package
// bench) and writes a Markdown table and a JSON report.
//
//	wkbench [-sizes 1000,10000] [-smoke] [-out DIR]
//	wkbench floor --kubeconfig K --synced-file F   (internal: the null informer)
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/watchkeeper/watchkeeper/bench"
)

func main() {
	if err := Main(); err != nil {
		fmt.Fprintln(os.Stderr, "wkbench:", err)
		os.Exit(1)
	}
}

// Main runs with the process's arguments until SIGINT/SIGTERM.
func Main() error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return run(ctx, os.Args[1:], os.Stdout, os.Stderr)
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "floor" {
		fs := flag.NewFlagSet("floor", flag.ContinueOnError)
		kubeconfig := fs.String("kubeconfig", "", "kubeconfig of the identity to watch as")
		synced := fs.String("synced-file", "", "written once the caches have synced")
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		return bench.RunFloor(ctx, *kubeconfig, *synced)
	}
	fs := flag.NewFlagSet("wkbench", flag.ContinueOnError)
	sizes := fs.String("sizes", "1000,10000", "comma-separated pod counts")
	smoke := fs.Bool("smoke", false, "small N and short scenarios (CI): fails only on functional breakage")
	profile := fs.String("profile", string(bench.Realistic), "pod profile: slim or realistic")
	out := fs.String("out", "bench/results", "directory for the .md and .json reports")
	latency := fs.Int("latency-incidents", 0, "scenario 2 length in incidents (1/s); default 300")
	binary := fs.String("binary", "", "a built watchkeeper (bin/watchkeeper); default: go build one")
	keep := fs.Bool("keep", false, "keep the work directory (Watchkeeper's logs, configs, audit log)")
	commands := fs.Int("commands", 0, "commands per batch in scenario 7; default 200")
	if err := fs.Parse(args); err != nil {
		return err
	}
	root, err := os.Getwd()
	if err != nil {
		return err
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		return errors.New("run from the repository root (make bench)")
	}
	if *binary != "" {
		abs, err := filepath.Abs(*binary)
		if err != nil {
			return err
		}
		*binary = abs
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	work, err := os.MkdirTemp("", "wkbench-")
	if err != nil {
		return err
	}
	if *keep {
		fmt.Fprintf(stderr, "keeping %s (configs, logs, audit log)\n", work)
	} else {
		defer os.RemoveAll(work)
	}
	o := bench.Options{RepoRoot: root, WorkDir: work, Self: self, Profile: bench.Profile(*profile), Log: stderr, Binary: *binary,
		LatencyIncidents: *latency, Commands: *commands}
	for _, s := range strings.Split(*sizes, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 100 {
			return fmt.Errorf("-sizes: %q is not a pod count of at least 100", s)
		}
		o.Sizes = append(o.Sizes, n)
	}
	if *smoke {
		o.Sizes = []int{200}
		o.LatencyIncidents, o.CPUUpdates, o.CPUWorkloads, o.StormPods, o.Commands = 8, 300, 1, 100, 20
		o.FlapPods, o.FlapCycles, o.FlapPeriod, o.ResilPods = 3, 2, 9*time.Second, 4
	}
	rep, runErr := bench.Run(ctx, o)
	if rep == nil {
		return runErr
	}
	md := rep.Markdown()
	fmt.Fprintln(stdout, md)
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return err
	}
	name := "wkbench-" + rep.Started.Format("20060102-150405")
	if *smoke {
		name += "-smoke"
	}
	if err := os.WriteFile(filepath.Join(*out, name+".md"), []byte(md), 0o644); err != nil {
		return err
	}
	if err := rep.WriteJSON(filepath.Join(*out, name+".json")); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "wrote %s.{md,json}\n", filepath.Join(*out, name))
	if runErr != nil {
		return runErr
	}
	if rep.Failed() {
		return errors.New("functional failures (see FAILURE lines)")
	}
	return nil
}
