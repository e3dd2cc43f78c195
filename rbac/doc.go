// Package rbac makes the policy decision for every chat command with casbin,
// keyed on immutable Slack IDs (user, channel), the verb, the resource and
// the namespace. Anything no policy allows is denied. It imports none of
// bot, watchers or notifier.
//
// The policy engine lands with the chat commands issue.
package rbac
