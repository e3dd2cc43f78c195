// Command devcluster runs the test control plane (etcd and kube-apiserver,
// see internal/testenv) for a developer until interrupted:
//
//	go run ./hack/devcluster -kubeconfig-out /tmp/wk-admin.kubeconfig \
//		-watchkeeper-kubeconfig-out /tmp/wk.kubeconfig \
//		-rbac deploy/rbac.yaml -bind-cluster-role watchkeeper
//
// With -node NAME it also runs a fake kubelet (internal/kubelettest) for a
// Node NAME at 127.0.0.1, Ready, with the kubelet's port in
// status.daemonEndpoints: the API server proxies pods/log to it, and
// Watchkeeper reads PVC usage from its /stats/summary (the kubelet's CA is
// written to -kubelet-ca-out, for watchers.pvc.caFile). It serves the logs
// and volumes of a -kubelet-data file (see kubeletData) and authorizes
// every request with a SubjectAccessReview, as a kubelet in webhook mode;
// kube-apiserver reaches it with a kubelet client certificate and verifies
// its serving certificate, as kubeadm sets them up. Pods are not run:
// whatever plays the controllers writes their status.
//
// Once the apiserver (and the kubelet) is ready it prints one line to stdout,
//
//	ready server=https://127.0.0.1:PORT admin-kubeconfig=PATH watchkeeper-kubeconfig=PATH [node=NAME kubelet=127.0.0.1:PORT]
//
// which scripts (make demo) wait for. Ctrl-C stops the processes and
// removes their directory; kubeconfig and CA copies written with the -out
// flags are left in place.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/watchkeeper/watchkeeper/internal/testenv"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintf(os.Stderr, "devcluster: %v\n", err)
		os.Exit(1)
	}
}

// stringList is a repeatable string flag.
type stringList []string

func (l *stringList) String() string     { return strings.Join(*l, ",") }
func (l *stringList) Set(v string) error { *l = append(*l, v); return nil }

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("devcluster", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		adminOut, watchkeeperOut string
		rbac, bind               stringList
		timeout                  time.Duration
		node, kubeletCAOut       string
		kubeletDataFile          string
	)
	fs.StringVar(&adminOut, "kubeconfig-out", "", "also write the admin kubeconfig to this `path`")
	fs.StringVar(&watchkeeperOut, "watchkeeper-kubeconfig-out", "", "also write the watchkeeper (non-admin) kubeconfig to this `path`")
	fs.Var(&rbac, "rbac", "apply this YAML `file` as admin once ready (repeatable)")
	fs.Var(&bind, "bind-cluster-role", "bind this ClusterRole `name` to user watchkeeper (repeatable)")
	fs.DurationVar(&timeout, "start-timeout", 60*time.Second, "how long to wait for the control plane to become ready")
	fs.StringVar(&node, "node", "", "also run a fake kubelet for a Node of this `name` at 127.0.0.1")
	fs.StringVar(&kubeletCAOut, "kubelet-ca-out", "", "write the fake kubelet's serving CA to this `path` (needs -node)")
	fs.StringVar(&kubeletDataFile, "kubelet-data", "", "YAML `file` of the volumes and container logs the fake kubelet serves (needs -node)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments: %q", fs.Args())
	}
	if node == "" && (kubeletCAOut != "" || kubeletDataFile != "") {
		return errors.New("-kubelet-ca-out and -kubelet-data need -node")
	}

	begin := time.Now()
	opts := testenv.Options{
		WatchkeeperRBAC:  rbac,
		BindClusterRoles: bind,
		StartTimeout:     timeout,
	}
	var fake *fakeNode
	if node != "" {
		data, err := loadKubeletData(kubeletDataFile)
		if err != nil {
			return err
		}
		// Files kube-apiserver reads for as long as it runs.
		dir, err := os.MkdirTemp("", "devcluster-kubelet-")
		if err != nil {
			return fmt.Errorf("kubelet dir: %w", err)
		}
		defer os.RemoveAll(dir)
		if fake, err = newFakeNode(node, dir, data); err != nil {
			return err
		}
		defer fake.kubelet.Close()
		opts.APIServerFlags = fake.apiserverFlags(dir)
	}
	env, err := testenv.Start(ctx, opts)
	if err != nil {
		return err
	}
	defer func() {
		fmt.Fprintln(stderr, "devcluster: stopping")
		if stopErr := env.Stop(); stopErr != nil {
			fmt.Fprintf(stderr, "devcluster: stop: %v\n", stopErr)
		}
	}()
	var nodeFields string
	if fake != nil {
		if err := fake.start(ctx, env); err != nil {
			return err
		}
		if kubeletCAOut != "" {
			if err := fake.writeCA(kubeletCAOut); err != nil {
				return err
			}
		}
		nodeFields = fmt.Sprintf(" node=%s kubelet=%s", node, fake.kubelet.Addr())
		fmt.Fprintf(stderr, "devcluster: node %s: fake kubelet on %s\n", node, fake.kubelet.Addr())
	}

	adminPath, watchkeeperPath := env.AdminKubeconfig, env.WatchkeeperKubeconfig
	if adminOut != "" {
		if err := testenv.WriteKubeconfig(adminOut, testenv.AdminUser, env.AdminConfig); err != nil {
			return err
		}
		adminPath = adminOut
	}
	if watchkeeperOut != "" {
		if err := testenv.WriteKubeconfig(watchkeeperOut, testenv.WatchkeeperUser, env.WatchkeeperConfig); err != nil {
			return err
		}
		watchkeeperPath = watchkeeperOut
	}

	fmt.Fprintf(stderr, "devcluster: ready in %s; logs in %s\n", time.Since(begin).Round(time.Millisecond), env.Dir)
	fmt.Fprintf(stderr, "devcluster: export KUBECONFIG=%s\n", adminPath)
	fmt.Fprintf(stdout, "ready server=%s admin-kubeconfig=%s watchkeeper-kubeconfig=%s%s\n", env.Host, adminPath, watchkeeperPath, nodeFields)

	select {
	case <-ctx.Done():
		return nil
	case <-env.Done():
		return errors.Join(errors.New("control plane exited"), env.Err())
	}
}
