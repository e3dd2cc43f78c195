package main

import (
	"context"
	"errors"
	"fmt"
	"github.com/rs/zerolog"
	"github.com/watchkeeper/watchkeeper/rbac"
	"io"
	"os"
	"runtime"
	"strings"

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
			if f := cfg.RBAC.PolicyFile; f != "" {
				if _, statErr := os.Stat(f); statErr != nil {
					fmt.Fprintf(stderr, "warning: rbac.policyFile: %s cannot be read here (%v); it is checked again at start-up\n", f, statErr)
				} else if _, err := rbac.NewAuthorizer(rbac.Options{PolicyFile: f}, zerolog.Nop()); err != nil {
					err = fmt.Errorf("rbac.policyFile: %w", err)
					fmt.Fprintln(stderr, err)
					return reportedError{err}
				}
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

	root.AddCommand(runCmd, checkCmd, versionCmd, policyCommand(stdout, stderr))
	return root.ExecuteContext(ctx)
}

// policyCommand is `watchkeeper policy test`: the can-i answer, offline, for
// policy reviews in CI. It exits 0 when the command is allowed and 1 when it
// is denied or cannot be parsed.
func policyCommand(stdout, stderr io.Writer) *cobra.Command {
	policy := &cobra.Command{Use: "policy", Short: "Work with the command policy (rbac.policyFile)"}
	var file, user, channel, team, namespace string
	test := &cobra.Command{
		Use:   "test --policy FILE --user U… --channel C… -- COMMAND...",
		Short: "Decide one chat command against a policy file, offline, as can-i would",
		Example: `  watchkeeper policy test --policy policy.csv --user U0ALICE01 --channel C0DEV1 -- kubectl get pods -n team-a-web
  watchkeeper policy test --policy policy.csv --user U0ALICE01 --channel dm -- logs api-0 -n team-a-web`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			allowed, err := policyTest(cmd.Context(), file, team, user, channel, namespace, strings.Join(args, " "), stdout)
			if err != nil {
				fmt.Fprintln(stderr, err)
				return reportedError{err}
			}
			if !allowed {
				return reportedError{errors.New("denied")}
			}
			return nil
		},
	}
	test.Flags().StringVar(&file, "policy", "", "the policy CSV file")
	test.Flags().StringVar(&user, "user", "", "the Slack user ID (U…/W…)")
	test.Flags().StringVar(&channel, "channel", "", "the Slack channel ID (C…/G…/D…), or dm")
	test.Flags().StringVar(&team, "team", "", "the Slack team ID (optional)")
	test.Flags().StringVar(&namespace, "default-namespace", config.DefaultCommandNamespace, "the namespace of a command without -n (commands.defaultNamespace)")
	for _, f := range []string{"policy", "user", "channel"} {
		_ = test.MarkFlagRequired(f)
	}
	policy.AddCommand(test)
	return policy
}
