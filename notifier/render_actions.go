package notifier

import (
	"strings"

	"github.com/slack-go/slack"
)

// ActionRunPrefix starts the action_id of every alert button. The button's
// value is a chat command, which the bot parses and authorizes exactly as
// if the person who pressed it had typed it: a button grants nothing.
const ActionRunPrefix = "watchkeeper_run"

// alertButton is one button: a label, a command, and whether it changes the
// cluster (then Slack asks for confirmation first).
type alertButton struct {
	id, label, command string
	mutating           bool
}

// alertButtons are the follow-up commands offered on a firing incident:
// Logs, Describe, Events and, for workloads, Restart rollout and Silence 1h.
func alertButtons(v View) []alertButton {
	a := v.Alert
	o := a.Object
	if v.State != StateFiring || !dnsName(o.Name) || (o.Namespace != "" && !dnsName(o.Namespace)) {
		return nil
	}
	var out []alertButton
	switch o.Kind {
	case KindPod:
		logs := "logs " + o.Name + " -n " + o.Namespace + " --tail 50"
		if dnsName(a.Container) {
			logs += " -c " + a.Container
		}
		out = append(out,
			alertButton{"logs", "Logs", logs, false},
			alertButton{"describe", "Describe", "describe pod " + o.Name + " -n " + o.Namespace, false},
			alertButton{"events", "Events", "events -n " + o.Namespace + " --for pod/" + o.Name, false},
		)
		if short, ok := rolloutKinds[a.Owner.Kind]; ok && dnsName(a.Owner.Name) {
			out = append(out, alertButton{"restart", "Restart rollout", "rollout restart " + short + "/" + a.Owner.Name + " -n " + o.Namespace, true})
		}
		if dnsName(a.Owner.Name) {
			out = append(out, alertButton{"silence", "Silence 1h", "silence " + o.Namespace + "/" + a.Owner.Name + " 1h", false})
		}
	case KindPVC:
		out = append(out,
			alertButton{"describe", "Describe", "describe pvc " + o.Name + " -n " + o.Namespace, false},
			alertButton{"events", "Events", "events -n " + o.Namespace + " --for persistentvolumeclaim/" + o.Name, false},
		)
	case KindNode:
		out = append(out, alertButton{"describe", "Describe", "describe node " + o.Name, false})
	}
	return out
}

var rolloutKinds = map[string]string{"Deployment": "deploy", "StatefulSet": "sts", "DaemonSet": "ds"}

// actionsBlock renders the buttons.
func actionsBlock(buttons []alertButton) slack.Block {
	elems := make([]slack.BlockElement, 0, len(buttons))
	for _, b := range buttons {
		btn := slack.NewButtonBlockElement(ActionRunPrefix+"_"+b.id, b.command, slack.NewTextBlockObject(slack.PlainTextType, b.label, false, false))
		if b.mutating {
			btn.Style = slack.StyleDanger
			btn.Confirm = slack.NewConfirmationBlockObject(
				slack.NewTextBlockObject(slack.PlainTextType, "Are you sure?", false, false),
				slack.NewTextBlockObject(slack.MarkdownType, "Run `"+b.command+"` as you? The policy decides, and it is audited.", false, false),
				slack.NewTextBlockObject(slack.PlainTextType, b.label, false, false),
				slack.NewTextBlockObject(slack.PlainTextType, "Cancel", false, false))
		}
		elems = append(elems, btn)
	}
	return slack.NewActionBlock("watchkeeper_alert_actions", elems...)
}

// dnsName reports whether s can appear in a command unquoted: a
// Kubernetes name (DNS-1123 subdomain characters).
func dnsName(s string) bool {
	if s == "" || len(s) > 253 {
		return false
	}
	return strings.Trim(s, "abcdefghijklmnopqrstuvwxyz0123456789-.") == "" && s[0] != '-' && s[0] != '.'
}
