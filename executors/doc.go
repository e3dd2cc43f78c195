// Package executors runs authorized chat commands in-process: kubectl actions
// through client-go and the kubectl libraries, helm actions through the helm
// v3 action package. Never a shell, never a subprocess fed with chat text.
// It imports none of bot, watchers or notifier.
//
//	executors.Command → Executor → Result
//
// Command, the typed output of the chat parser (bot/parse), is defined here;
// the executors behind it land with the chat commands issues.
package executors
