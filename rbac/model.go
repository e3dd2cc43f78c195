package rbac

import (
	"fmt"
	"slices"
	"strings"
)

// modelText is the casbin model every policy is compiled against.
//
// The matcher is the issue's
//
//	(g(r.sub, p.sub, r.ch) || r.sub == p.sub) && chMatch(r.ch, p.ch) && nsMatch(r.ns, p.ns)
//	  && globMatch(r.res, p.res) && globMatch(r.act, p.act)
//
// with the terms reordered cheapest first: govaluate short-circuits &&, and
// the terms are pure, so the order changes only the cost. g's third field is
// the role's channel scope, matched with chMatch as casbin's domain matching
// function, so a role granted in #dev never uses #prod rows.
const modelText = `
[request_definition]
r = sub, ch, ns, res, act

[policy_definition]
p = sub, ch, ns, res, act, eft

[role_definition]
g = _, _, _

[policy_effect]
e = some(where (p.eft == allow)) && !some(where (p.eft == deny))

[matchers]
m = globMatch(r.act, p.act) && globMatch(r.res, p.res) && nsMatch(r.ns, p.ns) && chMatch(r.ch, p.ch) && (r.sub == p.sub || g(r.sub, p.sub, r.ch))
`

// Action names. The list is closed: an action outside it is a hard deny and
// a policy row naming one does not load.
const (
	ActionGet            = "get"
	ActionGetYAML        = "get-yaml"
	ActionDescribe       = "describe"
	ActionLogs           = "logs"
	ActionEvents         = "events"
	ActionTop            = "top"
	ActionRolloutStatus  = "rollout-status"
	ActionRolloutHistory = "rollout-history"
	ActionRolloutRestart = "rollout-restart"
	ActionRolloutUndo    = "rollout-undo"
	ActionScale          = "scale"
	ActionDelete         = "delete"
	ActionCordon         = "cordon"
	ActionUncordon       = "uncordon"
	ActionHelmList       = "helm-list"
	ActionHelmStatus     = "helm-status"
	ActionHelmHistory    = "helm-history"
	ActionHelmGetValues  = "helm-get-values"
	ActionHelmRollback   = "helm-rollback"
	ActionHelmUninstall  = "helm-uninstall"
	ActionSilence        = "silence"
	// ActionApprove in a p row lets a user approve other people's requests
	// in that row's scope (see NeedsApproval and CanApprove).
	ActionApprove = "approve"
)

var knownActions = []string{
	ActionGet, ActionGetYAML, ActionDescribe, ActionLogs, ActionEvents, ActionTop,
	ActionRolloutStatus, ActionRolloutHistory, ActionRolloutRestart, ActionRolloutUndo,
	ActionScale, ActionDelete, ActionCordon, ActionUncordon,
	ActionHelmList, ActionHelmStatus, ActionHelmHistory, ActionHelmGetValues,
	ActionHelmRollback, ActionHelmUninstall, ActionSilence, ActionApprove,
}

// Actions returns the closed list of actions a policy may name.
func Actions() []string { return slices.Clone(knownActions) }

// KnownAction reports whether action is in the closed list.
func KnownAction(action string) bool { return slices.Contains(knownActions, action) }

// ResourceSecrets is the resource no policy can open beyond listing names.
const ResourceSecrets = "secrets"

// hardDeny returns why a request is refused whatever the policy says, or ""
// if the policy decides. Callers canonicalise resources before asking (the
// bot resolves `secret`, `secrets`, `secret/x` through discovery); the
// spellings below are a second guard, not the main one.
func hardDeny(r Request) string {
	if !KnownAction(r.Action) {
		return fmt.Sprintf("hard deny: unknown action %q", r.Action)
	}
	if isSecrets(r.Resource) && r.Action != ActionGet {
		return "hard deny: " + ResourceSecrets
	}
	return ""
}

func isSecrets(resource string) bool {
	res := strings.ToLower(resource)
	return res == ResourceSecrets || res == "secret" || strings.HasPrefix(res, ResourceSecrets+".")
}
