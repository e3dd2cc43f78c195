// Package enrich fetches the context an alert message shows: the last log
// lines of the failing container and the most recent events of the object,
// redacted.
//
// It sits beside the alert pipeline, not on its hot path:
//
//	detectors → Alert → notifier: new incident → Enricher.Enrich → render → Slack
//
// Detectors are pure and never call the API; the notifier calls Enrich once
// per new incident (not per update), so log and event reads stay bounded by
// the incident rate. Every fetch has its own timeout, and a failed fetch
// never fails the alert: the message carries a short note ("logs
// unavailable: forbidden") and the detail goes to the debug log.
package enrich
