// Package notifier is the end of the alert pipeline: it takes alerts from the
// watchers, deduplicates and groups them into incidents by fingerprint,
// routes them to channels, throttles per channel and sends them to Slack (or
// the console) with retries, following up with "resolved" updates.
//
//	Submit → bounded queue → dedup/group → route → per-channel throttle → retrying Sender → Slack
//
// Alert pipeline work lands here with the pod alerts issue.
package notifier
