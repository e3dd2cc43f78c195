// Package redact masks secrets in log lines and event messages before they
// leave the cluster for Slack.
//
// It sits at the end of enrichment: the enricher fetches a pod's last log
// lines and recent events once per incident and passes every line through a
// Redactor before the notifier renders it. Redaction keeps the key name
// ("password=[REDACTED]", "Authorization: Bearer [REDACTED]") so a line still
// says what was there.
//
// Redaction is a best-effort net, not a guarantee: it recognises common
// shapes of secrets, and operators add their own with the redact.patterns
// config key.
package redact
