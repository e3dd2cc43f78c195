package main

import (
	"context"
	"fmt"
	"io"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"
	"k8s.io/client-go/rest"

	"github.com/watchkeeper/watchkeeper/bot"
	"github.com/watchkeeper/watchkeeper/executors"
	"github.com/watchkeeper/watchkeeper/executors/helm"
	"github.com/watchkeeper/watchkeeper/internal/config"
	"github.com/watchkeeper/watchkeeper/internal/redact"
	"github.com/watchkeeper/watchkeeper/notifier"
	"github.com/watchkeeper/watchkeeper/rbac"
)

// commandPath is the chat command pipeline: policy, executors, audit and
// the handler the chat adapter calls.
type commandPath struct {
	handler *bot.Commands
	// policy is nil when no rbac.policyFile is configured (deny everything).
	policy *rbac.Authorizer
	audit  *bot.Auditor
	// reloadFailed receives policy reload errors for the alert channel;
	// set by the wiring once the chat adapter exists.
	reloadFailed atomic.Pointer[func(error)]
}

// Start hot-reloads the policy until ctx ends.
func (p *commandPath) Start(ctx context.Context) error {
	defer p.audit.Close()
	if p.policy == nil {
		<-ctx.Done()
		return nil
	}
	return p.policy.Start(ctx)
}

// buildCommands wires the command path from cfg. groups resolves Slack user
// groups; nil on the console.
func buildCommands(cfg *config.Config, restCfg *rest.Config, groups rbac.GroupResolver, silences *notifier.SilenceStore, reg prometheus.Registerer, log zerolog.Logger) (*commandPath, error) {
	audit, err := bot.NewAuditor(log, cfg.Audit.File)
	if err != nil {
		return nil, fmt.Errorf("audit.file: %w", err)
	}
	p := &commandPath{audit: audit}
	var policy bot.Policy
	if cfg.RBAC.PolicyFile != "" {
		reloadErrors := prometheus.NewCounter(prometheus.CounterOpts{
			Name: "watchkeeper_policy_reload_errors_total",
			Help: "Policy file reloads that failed; the previous policy stays in force.",
		})
		reg.MustRegister(reloadErrors)
		a, err := rbac.NewAuthorizer(rbac.Options{
			PolicyFile:     cfg.RBAC.PolicyFile,
			ReloadInterval: time.Duration(cfg.RBAC.ReloadInterval),
			Groups:         groups,
			OnReloadError: func(err error) {
				reloadErrors.Inc()
				if f := p.reloadFailed.Load(); f != nil {
					(*f)(err)
				}
			},
		}, log)
		if err != nil {
			return nil, fmt.Errorf("rbac.policyFile: %w", err)
		}
		p.policy, policy = a, a
	} else {
		log.Warn().Msg("no rbac.policyFile configured: every command that touches the cluster will be refused")
	}
	redactor, err := redact.New(cfg.Redact.Patterns)
	if err != nil {
		return nil, fmt.Errorf("redact.patterns: %w", err)
	}
	m := cfg.Commands
	var helmExec executors.HelmExecutor
	if config.On(m.Helm) {
		h, err := helm.New(helm.Options{
			Config: restCfg, QPS: m.QPS, Burst: m.Burst, CacheDir: m.CacheDir,
			DefaultNamespace: m.DefaultNamespace, Timeout: time.Duration(m.Timeout), MaxOutputBytes: m.MaxOutputBytes,
		})
		if err != nil {
			return nil, fmt.Errorf("helm executor: %w", err)
		}
		helmExec = h
	}
	runner, err := executors.New(executors.Options{
		Helm:             helmExec,
		Config:           restCfg,
		QPS:              m.QPS,
		Burst:            m.Burst,
		CacheDir:         m.CacheDir,
		DefaultNamespace: m.DefaultNamespace,
		MaxOutputBytes:   m.MaxOutputBytes,
		MaxReplicas:      m.MaxReplicas,
		MaxTail:          m.MaxTail,
		SecretEnvNames:   m.SecretEnvNames,
		Redact:           redactor.Line,
	})
	if err != nil {
		return nil, err
	}
	p.handler = bot.NewCommands(bot.CommandsConfig{
		ClusterName:       cfg.ClusterName,
		Version:           version,
		Policy:            policy,
		Executor:          runner,
		Silencer:          silencer{silences},
		Impersonate:       config.On(cfg.RBAC.Impersonation.Enabled),
		RoleGroups:        cfg.RBAC.Impersonation.RoleGroups,
		Timeout:           time.Duration(m.Timeout),
		ApprovalTimeout:   time.Duration(cfg.RBAC.ApprovalTimeout),
		UserRatePerMinute: m.UserRatePerMinute,
		UserBurst:         m.UserBurst,
		Audit:             audit,
		Registerer:        reg,
	}, log)
	return p, nil
}

// silencer adapts the notifier's silence store to the bot.
type silencer struct{ store *notifier.SilenceStore }

func (s silencer) Silence(ctx context.Context, namespace, name string, d time.Duration, by, reason string) (time.Time, error) {
	now := time.Now()
	until := now.Add(d)
	return until, s.store.Add(ctx, notifier.RuntimeSilence{Namespace: namespace, Name: name, Until: until, By: by, Reason: reason, Created: now})
}

// offlineExecutor resolves built-in types without a cluster and runs
// nothing: `watchkeeper policy test` answers policy questions offline.
type offlineExecutor struct{ defaultNamespace string }

func (o offlineExecutor) Resolve(_ context.Context, typed string) (executors.Target, error) {
	if t, ok := executors.BuiltinTarget(typed); ok {
		return t, nil
	}
	return executors.Target{}, executors.Userf("%q is not a built-in resource type (offline, only built-in types are known)", typed)
}

func (o offlineExecutor) Namespace(cmd executors.Command) string {
	if cmd.Namespace != "" {
		return cmd.Namespace
	}
	return o.defaultNamespace
}

func (offlineExecutor) Run(context.Context, executors.Identity, executors.Command) (executors.Result, error) {
	return executors.Result{}, executors.Userf("policy test runs nothing")
}

// policyTest answers one policy question offline and reports whether the
// command is allowed.
func policyTest(ctx context.Context, policyFile, team, user, channel, defaultNamespace, text string, out io.Writer) (bool, error) {
	a, err := rbac.NewAuthorizer(rbac.Options{PolicyFile: policyFile}, zerolog.Nop())
	if err != nil {
		return false, err
	}
	c := bot.NewCommands(bot.CommandsConfig{Policy: a, Executor: offlineExecutor{defaultNamespace}}, zerolog.Nop())
	env := bot.Envelope{TeamID: team, UserID: user, ChannelID: channel, Source: bot.SourceSlash}
	if channel == "dm" {
		env.Source = bot.SourceDM
	}
	ch, err := c.Check(ctx, env, text)
	if err != nil {
		return false, err
	}
	verdict := "deny"
	if ch.Decision.Allowed {
		verdict = "allow"
	}
	fmt.Fprintf(out, "%s: %s\n", verdict, ch.Command)
	if !ch.Builtin {
		r := ch.Request
		fmt.Fprintf(out, "request: user=%s channel=%s namespace=%s resource=%s action=%s\n", r.UserID, r.ChannelID, r.Namespace, r.Resource, r.Action)
	}
	fmt.Fprintf(out, "reason: %s\n", ch.Decision.Reason)
	if ch.NeedsApproval {
		fmt.Fprintln(out, "approval: required (a second person must approve)")
	}
	return ch.Decision.Allowed, nil
}
