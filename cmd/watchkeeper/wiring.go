package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/mattn/go-isatty"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/rs/zerolog"
	"golang.org/x/sync/errgroup"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/watchkeeper/watchkeeper/bot"
	"github.com/watchkeeper/watchkeeper/internal/config"
	"github.com/watchkeeper/watchkeeper/internal/server"
	"github.com/watchkeeper/watchkeeper/rbac"
)

// component is anything long-running that the errgroup starts.
type component interface {
	Start(ctx context.Context) error
}

// chatAdapter is the Slack or console adapter.
type chatAdapter interface {
	component
	Ready() error
}

// runBot wires every component from cfg and runs them until ctx ends or one
// fails.
func runBot(ctx context.Context, cfg *config.Config, kubeconfig string, stdin io.Reader, stdout, stderr io.Writer) error {
	log, err := newLogger(cfg.Log, stderr)
	if err != nil {
		return err
	}
	log.Info().Str("version", version).Str("cluster", cfg.ClusterName).Msg("starting watchkeeper")

	restCfg, err := restConfig(kubeconfig)
	if err != nil {
		return err
	}
	restCfg.UserAgent = "watchkeeper/" + version

	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	buildInfo := prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "watchkeeper_build_info", Help: "Build information; always 1.",
	}, []string{"version"})
	buildInfo.WithLabelValues(version).Set(1)
	reg.MustRegister(buildInfo)

	alerts, err := buildAlerts(cfg, restCfg, stdout, reg, log)
	if err != nil {
		return err
	}
	reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "watchkeeper_informers_synced", Help: "1 once the informer caches have synced.",
	}, func() float64 {
		if alerts.watcher.Ready() == nil {
			return 1
		}
		return 0
	}))

	var groups rbac.GroupResolver
	if cfg.Slack.Enabled() {
		groups = bot.NewSlackGroups(cfg.Slack.BotToken.Reveal(), cfg.Slack.APIURL, nil)
	}
	commands, err := buildCommands(cfg, restCfg, groups, alerts.silences, reg, log)
	if err != nil {
		return err
	}
	// The adapter's deadline covers the command plus its reply.
	requestTimeout := time.Duration(cfg.Commands.Timeout) + 15*time.Second
	var chat chatAdapter
	if cfg.Slack.Enabled() {
		chat, err = bot.NewSlack(bot.SlackConfig{
			BotToken:       cfg.Slack.BotToken.Reveal(),
			AppToken:       cfg.Slack.AppToken.Reveal(),
			APIURL:         cfg.Slack.APIURL,
			SlashCommand:   cfg.Slack.SlashCommand,
			Workers:        cfg.Commands.Concurrency,
			CommandTimeout: requestTimeout,
		}, commands.handler, reg, log)
	} else {
		log.Info().Msg("no Slack tokens configured: using the console adapter (commands on stdin, alerts on stdout)")
		chat, err = bot.NewConsole(bot.ConsoleConfig{In: stdin, Out: stdout, CommandTimeout: requestTimeout}, commands.handler, log)
	}
	if err != nil {
		return err
	}

	// The alert pipeline runs here, or only while this replica holds the
	// leader lease.
	var alerting component = alerts
	informersReady := alerts.watcher.Ready
	if cfg.LeaderElection.IsEnabled() {
		gate, err := newLeaderGate(cfg.LeaderElection, restCfg, alerts.Start, log)
		if err != nil {
			return err
		}
		alerting = gate
		reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "watchkeeper_leader", Help: "1 while this replica holds the leader lease and runs the alert pipeline.",
		}, func() float64 { return boolFloat(gate.Leading()) }))
		informersReady = func() error {
			if !gate.Leading() {
				return nil // a standby serves commands and is ready
			}
			return alerts.watcher.Ready()
		}
	}

	// A broken policy file keeps the old policy and is raised in the alert
	// channel (by the leader only, so replicas do not repeat it).
	if notifier, ok := chat.(interface {
		Notify(ctx context.Context, channel, text string) error
	}); ok {
		alertChannel := cfg.Slack.AlertChannel
		policyFile := cfg.RBAC.PolicyFile
		f := func(err error) {
			if l, ok := alerting.(*leaderGate); ok && !l.Leading() {
				return
			}
			text := fmt.Sprintf(":warning: Watchkeeper on `%s` could not reload its command policy `%s`; the previous policy stays in force.\n```%s```",
				cfg.ClusterName, policyFile, bot.RedactTokens(err.Error()))
			nctx, cancel := context.WithTimeout(ctx, 30*time.Second)
			defer cancel()
			if err := notifier.Notify(nctx, alertChannel, text); err != nil {
				log.Error().Err(err).Msg("could not report the policy reload failure to Slack")
			}
		}
		commands.reloadFailed.Store(&f)
	}

	srv := server.New(server.Config{Listen: cfg.Server.Listen}, []server.Check{
		{Name: "informers", Func: informersReady},
		{Name: "chat", Func: chat.Ready},
	}, reg, log)

	g, gctx := errgroup.WithContext(ctx)
	for _, c := range []component{srv, alerting, commands, chat} {
		g.Go(func() error { return c.Start(gctx) })
	}
	err = g.Wait()
	if err != nil {
		log.Error().Err(err).Msg("watchkeeper stopped with an error")
		return err
	}
	log.Info().Msg("watchkeeper stopped")
	return nil
}

// restConfig follows kubectl's precedence: --kubeconfig, then $KUBECONFIG,
// then the in-cluster service account.
func restConfig(kubeconfig string) (*rest.Config, error) {
	if kubeconfig != "" {
		c, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
		if err != nil {
			return nil, fmt.Errorf("load kubeconfig %s: %w", kubeconfig, err)
		}
		return c, nil
	}
	if os.Getenv("KUBECONFIG") != "" {
		c, err := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(
			clientcmd.NewDefaultClientConfigLoadingRules(), &clientcmd.ConfigOverrides{}).ClientConfig()
		if err != nil {
			return nil, fmt.Errorf("load kubeconfig from $KUBECONFIG: %w", err)
		}
		return c, nil
	}
	c, err := rest.InClusterConfig()
	if err != nil {
		return nil, fmt.Errorf("no kubeconfig: pass --kubeconfig, set KUBECONFIG, or run in a cluster: %w", err)
	}
	return c, nil
}

// newLogger builds the one root logger: JSON for clusters, pretty for
// terminals.
func newLogger(cfg config.Log, out io.Writer) (zerolog.Logger, error) {
	level, err := zerolog.ParseLevel(cfg.Level)
	if err != nil {
		return zerolog.Nop(), fmt.Errorf("log.level: %w", err)
	}
	if cfg.Format == "console" {
		f, isFile := out.(*os.File)
		colour := isFile && isatty.IsTerminal(f.Fd())
		out = zerolog.ConsoleWriter{Out: out, TimeFormat: time.TimeOnly, NoColor: !colour}
	}
	return zerolog.New(out).Level(level).With().Timestamp().Logger(), nil
}

func boolFloat(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
