// Package bot is the chat side of Watchkeeper: it turns Slack Socket Mode
// envelopes (or lines typed on a local console) into one normalised Envelope,
// runs them through the command path and sends the Reply back where the
// request came from.
//
//	socketmode event → ack → Envelope → Handler → Reply → response_url / chat.postMessage
//
// Only this package and notifier import slack-go: no Slack type travels past
// Envelope. Adapters ack first and hand work to a bounded worker pool, so a
// slow command can never block the Socket Mode read loop.
package bot
