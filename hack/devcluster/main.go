// Command devcluster runs the test control plane (etcd and kube-apiserver,
// see internal/testenv) for a developer until interrupted:
//
//	go run ./hack/devcluster -kubeconfig-out /tmp/wk-admin.kubeconfig \
//		-watchkeeper-kubeconfig-out /tmp/wk.kubeconfig \
//		-rbac deploy/rbac.yaml -bind-cluster-role watchkeeper
//
// Once the apiserver is ready it prints one line to stdout,
//
//	ready server=https://127.0.0.1:PORT admin-kubeconfig=PATH watchkeeper-kubeconfig=PATH
//
// which scripts (make demo) wait for. Ctrl-C stops the processes and
// removes their directory; kubeconfig copies written with the -out flags
// are left in place.
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
	)
	fs.StringVar(&adminOut, "kubeconfig-out", "", "also write the admin kubeconfig to this `path`")
	fs.StringVar(&watchkeeperOut, "watchkeeper-kubeconfig-out", "", "also write the watchkeeper (non-admin) kubeconfig to this `path`")
	fs.Var(&rbac, "rbac", "apply this YAML `file` as admin once ready (repeatable)")
	fs.Var(&bind, "bind-cluster-role", "bind this ClusterRole `name` to user watchkeeper (repeatable)")
	fs.DurationVar(&timeout, "start-timeout", 60*time.Second, "how long to wait for the control plane to become ready")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments: %q", fs.Args())
	}

	begin := time.Now()
	env, err := testenv.Start(ctx, testenv.Options{
		WatchkeeperRBAC:  rbac,
		BindClusterRoles: bind,
		StartTimeout:     timeout,
	})
	if err != nil {
		return err
	}
	defer func() {
		fmt.Fprintln(stderr, "devcluster: stopping")
		if stopErr := env.Stop(); stopErr != nil {
			fmt.Fprintf(stderr, "devcluster: stop: %v\n", stopErr)
		}
	}()

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
	fmt.Fprintf(stdout, "ready server=%s admin-kubeconfig=%s watchkeeper-kubeconfig=%s\n", env.Host, adminPath, watchkeeperPath)

	select {
	case <-ctx.Done():
		return nil
	case <-env.Done():
		return errors.Join(errors.New("control plane exited"), env.Err())
	}
}
