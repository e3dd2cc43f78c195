// Package slacktest is an in-process fake Slack that the unmodified slack-go
// client talks to over real HTTP and WebSocket connections.
//
// It sits under the integration tests of the bot and notifier pipelines: a test
// starts a Server, points slack.New at it with slack.OptionAPIURL(srv.APIURL())
// and runs Watchkeeper's real wiring against it. The fake speaks Slack's wire
// formats rather than slack-go's types, so a test exercises the same decoding,
// acking, retrying and reconnecting code that runs in production:
//
//   - Web API: form-encoded or JSON requests with the token in the form or an
//     Authorization: Bearer header, answered with the {"ok":...,"error":...}
//     envelope. auth.test, apps.connections.open, chat.postMessage,
//     chat.update, chat.postEphemeral, reactions.add, users.info,
//     usergroups.users.list, files.getUploadURLExternal, the upload URL and
//     files.completeUploadExternal are implemented; any other method answers
//     ok:false unknown_method.
//   - Socket Mode: apps.connections.open hands out a single-use ws:// URL; the
//     fake sends hello, WebSocket pings every Options.PingInterval, and
//     events_api, slash_commands and interactive envelopes on demand, and
//     records every ack the client writes back.
//   - response_url: each SlashCommand or BlockAction gets a URL on the fake
//     whose JSON posts are recorded and applied to the channel's messages.
//
// A test usually calls NewTestServer(t, Options{...}), which starts the
// server and closes it when the test ends; Close waits for every goroutine the
// server started.
//
// Faults are injected explicitly: FailNext (HTTP 429/5xx or ok:false for the
// next n calls of a method), FailConnectionsOpen, SetChannelRateLimit,
// SendDisconnect and CloseConnections. Everything the client did is recorded
// (Calls, Acks, Messages, ResponseURLPosts, Files, Reactions), and the Wait*
// methods block on a change notification, never on sleeps.
//
// What the fake does not model: channel membership, user-to-DM channel
// resolution, message deletion through chat.delete, the five-use limit on a
// response_url, and Slack's redelivery of unacknowledged envelopes (use
// Redeliver or SendRaw to provoke a duplicate explicitly).
package slacktest
