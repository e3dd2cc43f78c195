// Package rbac makes the policy decision for every chat command: may this
// Slack user, in this channel, run this action on this resource in this
// namespace? It sits between the bot's parser and the executors:
//
//	bot: Envelope → parse → Command → rbac.Authorize → (NeedsApproval → CanApprove) → executor
//
// Decisions are made by casbin (a SyncedEnforcer over an embedded model)
// keyed on immutable Slack IDs, never display names, with deny-override and
// default deny. Hard denies (secrets beyond get, actions outside the closed
// list) are checked before casbin and no policy lifts them. Errors deny.
//
// The policy file is a contract with external acceptance tests; its format
// is in README.md next to this file, and example_policy.csv is a complete,
// tested example. Approvals live in the same file as "a" rows, so one file
// is validated and swapped as a unit and an approval can never refer to a
// policy that failed to load.
//
// NewAuthorizer loads the file once and starts nothing; Start polls it and
// swaps a valid new policy in atomically, keeping the old one (and calling
// Options.OnReloadError) when the new one is broken. User groups (S…) are
// resolved through a GroupResolver the bot provides, cached for five
// minutes. ImpersonationFor maps a user and their roles to the Kubernetes
// identity executors act as, the second wall behind this one.
//
// The package imports none of bot, watchers, notifier or executors.
package rbac
