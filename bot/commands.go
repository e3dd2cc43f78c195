package bot

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"

	"github.com/watchkeeper/watchkeeper/bot/parse"
	"github.com/watchkeeper/watchkeeper/executors"
	"github.com/watchkeeper/watchkeeper/rbac"
)

// Policy decides who may run what (implemented by *rbac.Authorizer).
type Policy interface {
	Authorize(ctx context.Context, r rbac.Request) rbac.Decision
	NeedsApproval(r rbac.Request) bool
	CanApprove(ctx context.Context, r rbac.Request, approverID string) rbac.Decision
	Roles(ctx context.Context, userID, channelID string) []string
	Allowed(ctx context.Context, userID, channelID string) []rbac.Grant
}

// Executor runs authorized commands (implemented by *executors.Runner).
type Executor interface {
	Resolve(ctx context.Context, typed string) (executors.Target, error)
	Namespace(cmd executors.Command) string
	Run(ctx context.Context, id executors.Identity, cmd executors.Command) (executors.Result, error)
}

// Silencer mutes a workload's alerts for a while (the `silence` command);
// implemented by *notifier.SilenceStore through a small adapter in cmd.
type Silencer interface {
	Silence(ctx context.Context, namespace, name string, d time.Duration, by, reason string) (until time.Time, err error)
}

// CommandsConfig configures the command handler.
type CommandsConfig struct {
	// ClusterName is shown in replies.
	ClusterName string
	// Version is the build version shown by `version`.
	Version string
	// Policy authorizes every command. Nil: every command that touches the
	// cluster is refused (deny by default).
	Policy Policy
	// Executor runs commands. Nil: allowed commands are answered with a
	// polite "not available".
	Executor Executor
	// Silencer runs `silence`. Nil: silence is not available.
	Silencer Silencer
	// Impersonate runs commands as watchkeeper:slack:<userID> plus RoleGroups
	// of the user's roles; false runs them as Watchkeeper itself.
	Impersonate bool
	RoleGroups  map[string][]string
	// Timeout is one command's deadline. Default 30s.
	Timeout time.Duration
	// ApprovalTimeout is how long an approval request stays open. Default 10m.
	ApprovalTimeout time.Duration
	// UserRatePerMinute and UserBurst limit each user. Defaults 20 and 5.
	UserRatePerMinute, UserBurst int
	// Audit receives one record per decision. Nil: none (tests only).
	Audit *Auditor
	// Now is the clock. Default time.Now.
	Now func() time.Time
	// Registerer receives the command metrics. Nil: not registered.
	Registerer prometheus.Registerer
}

// Commands is the command path behind every adapter:
//
//	envelope → parse → resolve the resource → policy → (approval) → executor → reply (+ audit)
//
// Every request produces exactly one audit record per decision.
type Commands struct {
	cfg       CommandsConfig
	log       zerolog.Logger
	approvals *approvals
	limits    *userLimits
	metrics   *commandMetrics
}

// NewCommands returns the command handler.
func NewCommands(cfg CommandsConfig, log zerolog.Logger) *Commands {
	if cfg.Timeout <= 0 {
		cfg.Timeout = 30 * time.Second
	}
	if cfg.ApprovalTimeout <= 0 {
		cfg.ApprovalTimeout = 10 * time.Minute
	}
	if cfg.UserRatePerMinute <= 0 {
		cfg.UserRatePerMinute = 20
	}
	if cfg.UserBurst <= 0 {
		cfg.UserBurst = 5
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Commands{
		cfg:       cfg,
		log:       log.With().Str("component", "commands").Logger(),
		approvals: newApprovals(),
		limits:    newUserLimits(cfg.UserRatePerMinute, cfg.UserBurst, cfg.Now),
		metrics:   newCommandMetrics(cfg.Registerer),
	}
}

// Handle answers one request.
func (c *Commands) Handle(ctx context.Context, env Envelope) Reply {
	start := c.cfg.Now()
	rec := AuditRecord{
		RequestID: env.ID, Source: env.Source, TeamID: env.TeamID, UserID: env.UserID,
		UserName: env.UserName, ChannelID: env.ChannelID, Text: env.Text,
	}
	reply := c.handle(ctx, env, &rec)
	rec.Duration = c.cfg.Now().Sub(start)
	c.cfg.Audit.Record(rec)
	c.metrics.observe(rec)
	return reply
}

func (c *Commands) handle(ctx context.Context, env Envelope, rec *AuditRecord) Reply {
	if env.HomeTeamID != "" && env.TeamID != env.HomeTeamID {
		rec.Decision, rec.Outcome, rec.Reason = DecisionInvalid, OutcomeRefused, "request from another Slack team"
		return refusal("Sorry, I only take commands from members of this workspace.")
	}
	if env.Source == SourceAction {
		switch {
		case env.ActionID == ActionApprove || env.ActionID == ActionDeny:
			return c.decideApproval(ctx, env, rec)
		case strings.HasPrefix(env.ActionID, ActionRun):
			// An alert button: its value is a command, parsed and
			// authorized as if this person had typed it.
		default:
			rec.Decision, rec.Outcome, rec.Reason = DecisionInvalid, OutcomeRefused, "unknown button "+env.ActionID
			return refusal("Sorry, I don't know that button.")
		}
	}
	botID := ""
	if env.Source == SourceMention {
		botID = env.BotUserID
	}
	cmd, err := parse.Parse(env.Text, botID)
	if err != nil {
		rec.Decision, rec.Outcome = DecisionInvalid, OutcomeRefused
		var perr *parse.Error
		if errors.As(err, &perr) {
			rec.Reason = "parse: " + string(perr.Code)
			if perr.Code == parse.CodeEmpty {
				return Reply{Text: c.help(), Ephemeral: true}
			}
			text := "Sorry, I can't run that. " + perr.Msg
			if perr.Hint != "" {
				text += "\n" + perr.Hint
			}
			return refusal(text)
		}
		rec.Reason = "parse: " + err.Error()
		return refusal("Sorry, I can't run that. Try `help`.")
	}
	rec.Command = cmd.String()
	if cmd.Tool == executors.ToolBuiltin && cmd.Action == "" {
		return c.builtin(ctx, env, cmd, rec)
	}
	return c.command(ctx, env, cmd, rec)
}

// builtin answers the built-ins that need no authorization of their own.
func (c *Commands) builtin(ctx context.Context, env Envelope, cmd executors.Command, rec *AuditRecord) Reply {
	rec.Decision, rec.Outcome, rec.Reason = DecisionAllow, OutcomeOK, "built-in"
	switch cmd.Verb {
	case "version":
		return Reply{Text: fmt.Sprintf("Watchkeeper %s on cluster `%s`", c.cfg.Version, c.cfg.ClusterName), Ephemeral: true}
	case "whoami":
		return Reply{Text: c.whoami(ctx, env), Ephemeral: true}
	case "can-i":
		return c.canI(ctx, env, cmd, rec)
	default:
		return Reply{Text: c.help(), Ephemeral: true}
	}
}

// command authorizes and runs a kubectl, helm or silence command.
func (c *Commands) command(ctx context.Context, env Envelope, cmd executors.Command, rec *AuditRecord) Reply {
	req, err := c.request(ctx, env, cmd)
	if err != nil {
		rec.Decision, rec.Outcome, rec.Reason = DecisionInvalid, OutcomeRefused, err.Error()
		return refusal("Sorry, I can't run that: " + userText(err))
	}
	rec.Namespace, rec.Resource, rec.Action = req.Namespace, req.Resource, req.Action
	if c.cfg.Policy == nil {
		rec.Decision, rec.Outcome, rec.Reason = DecisionDeny, OutcomeRefused, "no policy configured (default deny)"
		return refusal(notAllowed(req, env) + " No policy is configured. Ask an admin, or run `whoami`.")
	}
	d := c.cfg.Policy.Authorize(ctx, req)
	rec.Rule, rec.Reason = d.Rule, d.Reason
	if !d.Allowed {
		rec.Decision, rec.Outcome = DecisionDeny, OutcomeRefused
		return refusal(notAllowed(req, env) + " Ask an admin, or run `whoami`.")
	}
	if !c.limits.allow(env.UserID) {
		rec.Decision, rec.Outcome, rec.Reason = DecisionDeny, OutcomeRefused, "rate limited"
		return refusal("You're sending commands faster than I take them. Please wait a moment and try again.")
	}
	if c.cfg.Policy.NeedsApproval(req) {
		return c.requestApproval(env, cmd, req, rec)
	}
	rec.Decision = DecisionAllow
	return c.execute(ctx, env, cmd, req, rec, "")
}

// request builds the policy question for cmd, canonicalizing the resource
// through discovery so no spelling dodges a rule.
func (c *Commands) request(ctx context.Context, env Envelope, cmd executors.Command) (rbac.Request, error) {
	req := rbac.Request{TeamID: env.TeamID, UserID: env.UserID, ChannelID: env.PolicyChannel(), Action: cmd.Action}
	ns := cmd.Namespace
	if ns == "" && c.cfg.Executor != nil {
		ns = c.cfg.Executor.Namespace(cmd)
	}
	if cmd.AllNamespaces {
		ns = "*"
	}
	switch {
	case cmd.Tool == executors.ToolHelm:
		req.Resource = "releases"
	case cmd.Tool == executors.ToolBuiltin: // silence: alerts of a workload
		req.Resource = "alerts"
	case cmd.Verb == "events" && cmd.Resource == "":
		req.Resource = "events"
	default:
		if c.cfg.Executor == nil {
			return req, errors.New("commands are not available on this Watchkeeper")
		}
		t, err := c.cfg.Executor.Resolve(ctx, cmd.Resource)
		if err != nil {
			return req, err
		}
		req.Resource = t.Resource()
		if !t.Namespaced {
			ns = "-"
		}
	}
	req.Namespace = ns
	return req, nil
}

// execute runs an authorized command as the requester and formats the reply.
func (c *Commands) execute(ctx context.Context, env Envelope, cmd executors.Command, req rbac.Request, rec *AuditRecord, approver string) Reply {
	if cmd.Tool == executors.ToolBuiltin && cmd.Verb == "silence" && c.cfg.Silencer != nil {
		return c.silence(ctx, env, cmd, rec, approver)
	}
	if c.cfg.Executor == nil || cmd.Tool == executors.ToolBuiltin {
		rec.Outcome = OutcomeRefused
		rec.Reason += "; not available"
		return refusal(fmt.Sprintf("`%s` is allowed, but not available on this Watchkeeper yet.", cmd.String()))
	}
	id := executors.Identity{}
	if c.cfg.Impersonate {
		var roles []string
		if c.cfg.Policy != nil {
			roles = c.cfg.Policy.Roles(ctx, env.UserID, req.ChannelID)
		}
		id.User, id.Groups = rbac.ImpersonationFor(env.UserID, roles, c.cfg.RoleGroups)
		rec.Impersonate = id.User
	}
	runCtx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	res, err := c.cfg.Executor.Run(runCtx, id, cmd)
	err = executors.Friendly(err)
	header := c.header(env, cmd, approver)
	if err != nil {
		var ue *executors.UserError
		switch {
		case errors.As(err, &ue):
			rec.Outcome, rec.Error = OutcomeError, ue.Msg
			if errors.Is(runCtx.Err(), context.DeadlineExceeded) {
				rec.Outcome = OutcomeTimeout
			}
			return Reply{Text: header + "\n:warning: " + ue.Msg, Ephemeral: !cmd.Mutating && approver == "", ReplaceOriginal: approver != ""}
		case ctx.Err() != nil:
			rec.Outcome, rec.Error = OutcomeCanceled, err.Error()
			return Reply{Text: header + "\n:warning: Watchkeeper is shutting down; the command was stopped.", Ephemeral: true}
		default:
			rec.Outcome, rec.Error = OutcomeError, err.Error()
			c.log.Error().Err(err).Str("request_id", env.ID).Str("command", cmd.String()).Msg("command failed")
			return Reply{Text: header + fmt.Sprintf("\n:warning: The command failed. Details are in Watchkeeper's log (request `%s`).", env.ID),
				Ephemeral: !cmd.Mutating && approver == "", ReplaceOriginal: approver != ""}
		}
	}
	rec.Outcome, rec.OutputBytes = OutcomeOK, len(res.Text)
	text := header
	if res.Summary != "" {
		text += "\n" + res.Summary
		if strings.TrimSpace(res.Text) == strings.TrimSpace(res.Summary) {
			res.Text = "" // said once is enough
		}
	}
	if res.Truncated {
		text += "\n_Output truncated: it was larger than the configured limit._"
	}
	return Reply{
		Text: text, Output: res.Text, OutputName: outputName(cmd),
		// Mutations are always shown in the channel; so is read-only output,
		// so the people handling an incident see the same thing.
		ReplaceOriginal: approver != "",
	}
}

// silence mutes the named workload's alerts and says so in the channel.
func (c *Commands) silence(ctx context.Context, env Envelope, cmd executors.Command, rec *AuditRecord, approver string) Reply {
	reason := strings.Join(cmd.Args, " ")
	var lines []string
	for _, name := range cmd.Names {
		until, err := c.cfg.Silencer.Silence(ctx, cmd.Namespace, name, cmd.Since, env.UserID, reason)
		if err != nil {
			rec.Outcome, rec.Error = OutcomeError, err.Error()
			c.log.Error().Err(err).Str("request_id", env.ID).Msg("silence failed")
			return Reply{Text: c.header(env, cmd, approver) + "\n:warning: The silence could not be saved; alerts are not muted. Details are in Watchkeeper's log.", Ephemeral: true}
		}
		lines = append(lines, fmt.Sprintf(":no_bell: Alerts for `%s/%s` are silenced until <!date^%d^{date_short_pretty} {time}|%s> (%s).",
			cmd.Namespace, name, until.Unix(), until.UTC().Format(time.RFC3339), shortDuration(cmd.Since)))
	}
	rec.Outcome = OutcomeOK
	text := c.header(env, cmd, approver) + "\n" + strings.Join(lines, "\n")
	if reason != "" {
		text += "\nReason: " + reason
	}
	return Reply{Text: text, ReplaceOriginal: approver != ""}
}

// header says who ran what, on which cluster.
func (c *Commands) header(env Envelope, cmd executors.Command, approver string) string {
	h := fmt.Sprintf("<@%s> ran `%s` on `%s`", env.UserID, cmd.String(), c.cfg.ClusterName)
	if approver != "" {
		h += fmt.Sprintf(", approved by <@%s>", approver)
	}
	return h
}

// requestApproval parks cmd and asks the channel for a second person.
func (c *Commands) requestApproval(env Envelope, cmd executors.Command, req rbac.Request, rec *AuditRecord) Reply {
	now := c.cfg.Now()
	p := &pendingApproval{ID: newApprovalID(), Env: env, Cmd: cmd, Req: req, Expires: now.Add(c.cfg.ApprovalTimeout)}
	c.approvals.add(p, now)
	rec.Decision, rec.Outcome, rec.ApprovalID = DecisionNeedsApproval, OutcomePending, p.ID
	return Reply{
		Text: fmt.Sprintf(":raised_hand: <@%s> wants to run `%s` on `%s`. This needs a second person who may approve it here. The request expires in %s.",
			env.UserID, cmd.String(), c.cfg.ClusterName, shortDuration(c.cfg.ApprovalTimeout)),
		Buttons: []Button{
			{ActionID: ActionApprove, Text: "Approve", Value: p.ID, Style: "primary",
				Confirm: fmt.Sprintf("Run `%s` as <@%s> on %s?", cmd.String(), env.UserID, c.cfg.ClusterName)},
			{ActionID: ActionDeny, Text: "Deny", Value: p.ID, Style: "danger"},
		},
	}
}

// decideApproval handles a click on Approve or Deny.
func (c *Commands) decideApproval(ctx context.Context, env Envelope, rec *AuditRecord) Reply {
	now := c.cfg.Now()
	rec.ApprovalID = env.Text
	p, ok := c.approvals.peek(env.Text, now)
	if !ok {
		rec.Decision, rec.Outcome, rec.Reason = DecisionInvalid, OutcomeRefused, "approval request unknown or expired"
		return refusal("This request has expired or was already handled. Ask again if it is still needed.")
	}
	rec.Command, rec.Namespace, rec.Resource, rec.Action = p.Cmd.String(), p.Req.Namespace, p.Req.Resource, p.Req.Action
	if env.ChannelID != p.Env.ChannelID {
		rec.Decision, rec.Outcome, rec.Reason = DecisionDeny, OutcomeRefused, "approval from another channel"
		return refusal("This request can only be decided in the channel where it was made.")
	}
	if env.ActionID == ActionDeny && env.UserID == p.Env.UserID {
		if _, ok := c.approvals.take(p.ID, now); ok {
			rec.Decision, rec.Outcome, rec.Reason = DecisionDeny, OutcomeCanceled, "withdrawn by the requester"
			return Reply{Text: fmt.Sprintf(":no_entry_sign: <@%s> withdrew `%s`.", env.UserID, p.Cmd.String()), ReplaceOriginal: true}
		}
		return refusal("This request was already handled.")
	}
	if c.cfg.Policy == nil {
		rec.Decision, rec.Outcome = DecisionDeny, OutcomeRefused
		return refusal("No policy is configured.")
	}
	d := c.cfg.Policy.CanApprove(ctx, p.Req, env.UserID)
	rec.Rule, rec.Reason = d.Rule, d.Reason
	if !d.Allowed {
		rec.Decision, rec.Outcome = DecisionDeny, OutcomeRefused
		if env.UserID == p.Env.UserID {
			return refusal("You can't approve your own request: a second person has to.")
		}
		return refusal(fmt.Sprintf("You are not allowed to approve `%s` here. Ask an admin, or run `whoami`.", p.Cmd.String()))
	}
	p, ok = c.approvals.take(p.ID, now)
	if !ok {
		rec.Decision, rec.Outcome, rec.Reason = DecisionInvalid, OutcomeRefused, "approval request already handled"
		return refusal("This request was already handled.")
	}
	// The approval record names the requester as the user and the approver
	// separately, so one line holds both people.
	rec.UserID, rec.UserName, rec.ApproverID = p.Env.UserID, p.Env.UserName, env.UserID
	if env.ActionID == ActionDeny {
		rec.Decision, rec.Outcome, rec.Reason = DecisionDeny, OutcomeRefused, "denied by approver "+env.UserID
		return Reply{Text: fmt.Sprintf(":no_entry: <@%s> denied <@%s>'s request to run `%s`.", env.UserID, p.Env.UserID, p.Cmd.String()), ReplaceOriginal: true}
	}
	// The policy may have changed while the request waited: ask again.
	if d := c.cfg.Policy.Authorize(ctx, p.Req); !d.Allowed {
		rec.Decision, rec.Outcome, rec.Reason = DecisionDeny, OutcomeRefused, "requester no longer allowed: "+d.Reason
		return Reply{Text: fmt.Sprintf(":no_entry: <@%s> is no longer allowed to run `%s`.", p.Env.UserID, p.Cmd.String()), ReplaceOriginal: true}
	}
	rec.Decision = DecisionApproved
	return c.execute(ctx, p.Env, p.Cmd, p.Req, rec, env.UserID)
}

// Check is the answer to "may this user run this here?" without running it.
type Check struct {
	// Command is the parsed command in its canonical spelling.
	Command string
	// Builtin commands need no authorization.
	Builtin       bool
	Request       rbac.Request
	Decision      rbac.Decision
	NeedsApproval bool
}

// Check parses text and authorizes it for env's user and channel exactly as
// Handle would, without running anything: the answer of `can-i` and of
// `watchkeeper policy test`. A text that does not parse is an error.
func (c *Commands) Check(ctx context.Context, env Envelope, text string) (Check, error) {
	cmd, err := parse.Parse(text, "")
	if err != nil {
		return Check{}, err
	}
	return c.check(ctx, env, cmd)
}

func (c *Commands) check(ctx context.Context, env Envelope, cmd executors.Command) (Check, error) {
	ch := Check{Command: cmd.String()}
	if cmd.Tool == executors.ToolBuiltin && cmd.Action == "" {
		ch.Builtin = true
		ch.Decision = rbac.Decision{Allowed: true, Reason: "a built-in anyone may use"}
		return ch, nil
	}
	req, err := c.request(ctx, env, cmd)
	if err != nil {
		return ch, err
	}
	ch.Request = req
	if c.cfg.Policy == nil {
		ch.Decision = rbac.Decision{Reason: "no policy is configured (default deny)"}
		return ch, nil
	}
	ch.Decision = c.cfg.Policy.Authorize(ctx, req)
	ch.NeedsApproval = ch.Decision.Allowed && c.cfg.Policy.NeedsApproval(req)
	return ch, nil
}

// canI answers whether the user may run the inner command here, and why.
func (c *Commands) canI(ctx context.Context, env Envelope, cmd executors.Command, rec *AuditRecord) Reply {
	ch, err := c.check(ctx, env, *cmd.Inner)
	if err != nil {
		return Reply{Text: "no: " + userText(err), Ephemeral: true}
	}
	if ch.Builtin {
		return Reply{Text: fmt.Sprintf("yes: `%s` is a built-in anyone may use.", ch.Command), Ephemeral: true}
	}
	rec.Namespace, rec.Resource, rec.Action, rec.Rule = ch.Request.Namespace, ch.Request.Resource, ch.Request.Action, ch.Decision.Rule
	text := fmt.Sprintf("`%s` as <@%s> in %s: %s", ch.Command, env.UserID, where(env), rbac.Explain(ch.Decision))
	if ch.NeedsApproval {
		text += "\nIt needs approval by a second person before it runs."
	}
	if ch.Decision.Allowed && c.cfg.Impersonate {
		u, g := rbac.ImpersonationFor(env.UserID, c.cfg.Policy.Roles(ctx, env.UserID, ch.Request.ChannelID), c.cfg.RoleGroups)
		text += fmt.Sprintf("\nIt would run as Kubernetes user `%s`%s, so cluster RBAC must allow it too.", u, groupsText(g))
	}
	return Reply{Text: text, Ephemeral: true}
}

// whoami lists the user's identity, roles and grants in this channel.
func (c *Commands) whoami(ctx context.Context, env Envelope) string {
	var b strings.Builder
	fmt.Fprintf(&b, "You are <@%s>: user ID `%s`, team `%s`, in %s (`%s`) on cluster `%s`.",
		env.UserID, env.UserID, env.TeamID, where(env), env.PolicyChannel(), c.cfg.ClusterName)
	if c.cfg.Policy == nil {
		b.WriteString("\nNo policy is configured, so you may only use the built-ins (`help`, `whoami`, `version`, `can-i`).")
		return b.String()
	}
	roles := c.cfg.Policy.Roles(ctx, env.UserID, env.PolicyChannel())
	if len(roles) == 0 {
		b.WriteString("\nRoles here: none.")
	} else {
		fmt.Fprintf(&b, "\nRoles here: `%s`.", strings.Join(roles, "`, `"))
	}
	grants := c.cfg.Policy.Allowed(ctx, env.UserID, env.PolicyChannel())
	if len(grants) == 0 {
		b.WriteString("\nNo policy rule applies to you here: you may only use the built-ins.")
	} else {
		b.WriteString("\nRules that apply to you here:")
		for _, g := range grants {
			ns := g.Namespace
			switch ns {
			case "*":
				ns = "all namespaces"
			case "-":
				ns = "cluster-scoped"
			}
			fmt.Fprintf(&b, "\n• %s `%s` on `%s` in %s (via `%s`)", g.Effect, g.Action, g.Resource, ns, g.Subject)
		}
	}
	if c.cfg.Impersonate {
		u, g := rbac.ImpersonationFor(env.UserID, roles, c.cfg.RoleGroups)
		fmt.Fprintf(&b, "\nCommands run as Kubernetes user `%s`%s.", u, groupsText(g))
	}
	return b.String()
}

func (c *Commands) help() string {
	return strings.Join([]string{
		"*Watchkeeper* on cluster `" + c.cfg.ClusterName + "`. Commands (what you may run depends on the policy; try `whoami`):",
		"• `get TYPE [NAME...] [-n NS | -A] [-l SELECTOR] [-o wide|name|yaml|json]`",
		"• `describe TYPE NAME [-n NS]`, `events [-n NS | -A] [--for TYPE/NAME]`",
		"• `logs POD [-c CONTAINER] [-p] [--tail N] [--since 10m] [-n NS]`, `top pods|nodes`",
		"• `rollout status|history|restart|undo deploy/NAME [-n NS]`, `scale deploy/NAME --replicas N`",
		"• `delete pod NAME [-n NS]`, `cordon NODE`, `uncordon NODE`",
		"• `helm list|status|history|get values|rollback|uninstall ...`",
		"• `whoami`, `can-i COMMAND`, `version`, `help`",
	}, "\n")
}

// refusal is a short, polite reply only the requester sees.
func refusal(text string) Reply { return Reply{Text: text, Ephemeral: true} }

// notAllowed words a denial: "You are not allowed to `delete pods` in
// `payments` from this channel."
func notAllowed(r rbac.Request, env Envelope) string {
	var in string
	switch r.Namespace {
	case "*":
		in = " in all namespaces"
	case "-":
		in = ""
	default:
		in = fmt.Sprintf(" in `%s`", r.Namespace)
	}
	return fmt.Sprintf("You are not allowed to `%s %s`%s from %s.", actionWords(r.Action), r.Resource, in, fromWhere(env))
}

func actionWords(action string) string {
	switch {
	case action == "get-yaml":
		return "get -o yaml"
	case strings.HasPrefix(action, "helm-"):
		return "helm " + strings.ReplaceAll(strings.TrimPrefix(action, "helm-"), "-", " ")
	default:
		return strings.ReplaceAll(action, "-", " ")
	}
}

func fromWhere(env Envelope) string {
	if env.Source == SourceDM {
		return "a direct message"
	}
	return "this channel"
}

func where(env Envelope) string {
	if env.Source == SourceDM {
		return "a direct message"
	}
	return "<#" + env.ChannelID + ">"
}

func groupsText(groups []string) string {
	if len(groups) == 0 {
		return ""
	}
	return " with groups `" + strings.Join(groups, "`, `") + "`"
}

// userText is the part of err a person can read.
func userText(err error) string {
	var ue *executors.UserError
	if errors.As(err, &ue) {
		return ue.Msg
	}
	return err.Error()
}

// outputName names an uploaded output file after the command.
func outputName(cmd executors.Command) string {
	parts := slices.DeleteFunc([]string{cmd.Verb, cmd.Sub, cmd.Resource}, func(s string) bool { return s == "" })
	if len(cmd.Names) == 1 {
		parts = append(parts, cmd.Names[0])
	}
	name := strings.NewReplacer("/", "-", ".", "-").Replace(strings.Join(parts, "-"))
	if cmd.Output == "yaml" || cmd.Output == "json" {
		return name + "." + cmd.Output
	}
	return name + ".txt"
}

var _ Handler = (*Commands)(nil)

// shortDuration spells d as a person would: "10m", "1h30m", "45s".
func shortDuration(d time.Duration) string {
	s := d.Round(time.Second).String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}
