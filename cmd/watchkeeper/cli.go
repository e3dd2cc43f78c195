package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"

	"github.com/spf13/cobra"

	"github.com/watchkeeper/watchkeeper/internal/config"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

// reportedError marks an error whose details were already printed (e.g.
// every config problem), so main only sets the exit code.
type reportedError struct{ err error }

func (e reportedError) Error() string { return e.err.Error() }
func (e reportedError) Unwrap() error { return e.err }

func isReported(err error) bool {
	var r reportedError
	return errors.As(err, &r)
}

// run is the whole program: it parses args and runs the chosen command until
// ctx ends. Only main exits.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	root := &cobra.Command{
		Use:           "watchkeeper",
		Short:         "Kubernetes alerts and safe kubectl/helm commands over Slack",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)

	var configPath, kubeconfig string
	runCmd := &cobra.Command{
		Use:   "run",
		Short: "Watch the cluster and serve chat commands",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := config.LoadFile(configPath, config.LoadOptions{})
			if err != nil {
				return err
			}
			return runBot(cmd.Context(), cfg, kubeconfig, stdin, stdout, stderr)
		},
	}
	runCmd.Flags().StringVar(&configPath, "config", "", "path to the YAML config file (default: built-in defaults, console adapter)")
	runCmd.Flags().StringVar(&kubeconfig, "kubeconfig", "", "path to a kubeconfig (default: $KUBECONFIG, else in-cluster config)")

	var checkPath string
	checkCmd := &cobra.Command{
		Use:   "check-config",
		Short: "Validate a config file and print the effective config with secrets masked",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := config.LoadFile(checkPath, config.LoadOptions{})
			if err != nil {
				fmt.Fprintln(stderr, err)
				return reportedError{err}
			}
			if err := cfg.WriteEffective(stdout); err != nil {
				return err
			}
			fmt.Fprintf(stderr, "%s: config is valid\n", checkPath)
			return nil
		},
	}
	checkCmd.Flags().StringVar(&checkPath, "config", "", "path to the YAML config file")
	_ = checkCmd.MarkFlagRequired("config")

	versionCmd := &cobra.Command{
		Use:   "version",
		Short: "Print the version",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			_, err := fmt.Fprintf(stdout, "watchkeeper %s (%s, %s/%s)\n", version, runtime.Version(), runtime.GOOS, runtime.GOARCH)
			return err
		},
	}

	root.AddCommand(runCmd, checkCmd, versionCmd)
	return root.ExecuteContext(ctx)
}
