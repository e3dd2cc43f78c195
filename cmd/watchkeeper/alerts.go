package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"
	"golang.org/x/sync/errgroup"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/metadata"
	"k8s.io/client-go/rest"

	"github.com/watchkeeper/watchkeeper/internal/config"
	"github.com/watchkeeper/watchkeeper/internal/redact"
	"github.com/watchkeeper/watchkeeper/notifier"
	"github.com/watchkeeper/watchkeeper/watchers"
	"github.com/watchkeeper/watchkeeper/watchers/capacity"
	"github.com/watchkeeper/watchkeeper/watchers/detectors"
	"github.com/watchkeeper/watchkeeper/watchers/enrich"
	"github.com/watchkeeper/watchkeeper/watchers/volumestats"
)

// defaultNamespace is where Watchkeeper keeps its state when POD_NAMESPACE
// (set from the downward API) is absent.
const defaultNamespace = "watchkeeper"

// alertPipeline is the watchers and the notifier, wired together.
type alertPipeline struct {
	watcher  *watchers.Watcher
	pipeline *notifier.Pipeline
	// silences are the runtime silences (the chat `silence` command), kept
	// with the incident state so every replica's commands reach the leader.
	silences *notifier.SilenceStore
}

// Start runs the notifier and the watchers until ctx ends or one fails.
func (a *alertPipeline) Start(ctx context.Context) error {
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error { return a.pipeline.Start(gctx) })
	g.Go(func() error { return a.silences.Start(gctx) })
	g.Go(func() error { return a.watcher.Start(gctx) })
	return g.Wait()
}

// buildAlerts wires informer → detector → notifier → sender. The watchers
// get their own client and limiter so commands can never starve alerting.
func buildAlerts(cfg *config.Config, restCfg *rest.Config, stdout io.Writer, reg prometheus.Registerer, log zerolog.Logger) (*alertPipeline, error) {
	watchCfg := rest.CopyConfig(restCfg)
	watchCfg.QPS, watchCfg.Burst = 20, 40
	// Protobuf is several times cheaper to decode than JSON for pods.
	watchCfg.ContentType = "application/vnd.kubernetes.protobuf"
	watchCfg.AcceptContentTypes = "application/vnd.kubernetes.protobuf,application/json"
	client, err := kubernetes.NewForConfig(watchCfg)
	if err != nil {
		return nil, fmt.Errorf("kubernetes client: %w", err)
	}
	meta, err := metadata.NewForConfig(rest.CopyConfig(restCfg))
	if err != nil {
		return nil, fmt.Errorf("kubernetes metadata client: %w", err)
	}
	redactor, err := redact.New(cfg.Redact.Patterns)
	if err != nil {
		return nil, err
	}

	var (
		sender   notifier.Sender
		renderer notifier.Renderer
		store    notifier.StateStore
		silenced = notifier.NewSilenceStore(nil, "", "", 0, nil)
		channel  = cfg.Slack.AlertChannel
	)
	if cfg.Slack.Enabled() {
		s, err := notifier.NewSlackSender(notifier.SlackSenderConfig{
			BotToken: cfg.Slack.BotToken.Reveal(),
			APIURL:   cfg.Slack.APIURL,
		}, reg, log)
		if err != nil {
			return nil, err
		}
		sender, renderer = s, notifier.SlackRenderer{}
		ns := os.Getenv("POD_NAMESPACE")
		if ns == "" {
			ns = defaultNamespace
		}
		store = notifier.NewConfigMapStore(client, ns, cfg.Notifier.StateConfigMap, 0)
		silenced = notifier.NewSilenceStore(client, ns, cfg.Notifier.StateConfigMap, 0, nil)
	} else {
		// Local runs print alerts and keep state in memory.
		sender, renderer, channel = notifier.NewConsoleSender(stdout), notifier.TextRenderer{}, "console"
	}

	pipeline, err := notifier.New(notifier.Config{
		Cluster:        cfg.ClusterName,
		DefaultChannel: channel,
		Routes:         routes(cfg.Routes),
		Ignore:         notifier.Ignore(cfg.Ignore),
		Silences:       silences(cfg.Silences),
		GroupWait:      time.Duration(cfg.Notifier.GroupWait),
		RepeatInterval: time.Duration(cfg.Notifier.RepeatInterval),
		ResolveGrace:   time.Duration(cfg.Notifier.ResolveGrace),
		StormThreshold: cfg.Notifier.Storm.Threshold,
		StormWindow:    time.Duration(cfg.Notifier.Storm.Window),
		StartupReport:  notifier.StartupReport(cfg.Notifier.StartupReport),
	}, notifier.Deps{
		Sender:   sender,
		Renderer: renderer,
		Enricher: enrich.New(enrich.Config{LogLines: cfg.Notifier.LogLines, MaxEvents: cfg.Notifier.MaxEvents}, client, redactor, log),
		Store:    store, Registerer: reg, Silences: silenced,
	}, log)
	if err != nil {
		return nil, err
	}
	pvc := cfg.Watchers.PVC
	var stats *volumestats.Client
	if config.On(pvc.Enabled) {
		// The kubelet client gets its own copy of the config: it talks to
		// kubelets, not the API server, with the same credentials.
		stats, err = volumestats.NewClient(volumestats.Config{
			Source:             volumestats.Source(pvc.Source),
			CAFile:             pvc.CAFile,
			InsecureSkipVerify: pvc.InsecureSkipVerify,
			Timeout:            time.Duration(pvc.Timeout),
			Concurrency:        pvc.Concurrency,
		}, rest.CopyConfig(restCfg), log)
		if err != nil {
			return nil, err
		}
	}
	overrides := make([]watchers.PVCOverride, 0, len(pvc.Overrides))
	for _, o := range pvc.Overrides {
		overrides = append(overrides, watchers.PVCOverride{Namespaces: o.Namespaces, Thresholds: capacity.Thresholds{
			WarningPercent: o.WarningPercent, CriticalPercent: o.CriticalPercent, ClearPercent: o.ClearPercent}})
	}
	w, err := watchers.New(watchers.Config{
		Cluster:           cfg.ClusterName,
		IncludeNamespaces: cfg.Watchers.Namespaces.Include,
		ExcludeNamespaces: cfg.Watchers.Namespaces.Exclude,
		Detectors: detectors.Config{
			PendingThreshold:    time.Duration(cfg.Watchers.Pods.PendingThreshold),
			RecentRestartWindow: time.Duration(cfg.Watchers.Pods.RecentRestartWindow),
			NodeNotReadyGrace:   time.Duration(cfg.Watchers.Nodes.NotReadyGrace),
			PVCPendingThreshold: time.Duration(pvc.PendingThreshold),
		},
		Nodes: config.On(cfg.Watchers.Nodes.Enabled),
		PVC: watchers.PVCConfig{
			Enabled:  config.On(pvc.Enabled),
			Interval: time.Duration(pvc.Interval),
			Thresholds: capacity.Thresholds{WarningPercent: pvc.WarningPercent, CriticalPercent: pvc.CriticalPercent,
				ClearPercent: pvc.ClearPercent},
			Overrides: overrides,
			Tracker:   capacity.Config{Horizon: time.Duration(pvc.FullHorizon)},
		},
	}, watchers.Deps{Client: client, Metadata: meta, Sink: pipeline, VolumeStats: stats}, log)
	if err != nil {
		return nil, err
	}
	return &alertPipeline{watcher: w, pipeline: pipeline, silences: silenced}, nil
}

func match(m config.Match) notifier.Match {
	out := notifier.Match{Namespaces: m.Namespaces, Labels: m.Labels, Reasons: m.Reasons}
	for _, s := range m.Severities {
		out.Severities = append(out.Severities, notifier.Severity(s))
	}
	return out
}

func routes(in []config.Route) []notifier.Route {
	out := make([]notifier.Route, 0, len(in))
	for _, r := range in {
		out = append(out, notifier.Route{Match: match(r.Match), Channel: r.Channel})
	}
	return out
}

func silences(in []config.Silence) []notifier.Silence {
	out := make([]notifier.Silence, 0, len(in))
	for _, s := range in {
		out = append(out, notifier.Silence{Match: match(s.Match), Until: s.Until, Comment: s.Comment})
	}
	return out
}
