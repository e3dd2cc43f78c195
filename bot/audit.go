package bot

import (
	"fmt"
	"io"
	"os"
	"regexp"
	"sync"
	"time"

	"github.com/rs/zerolog"
)

// Decisions recorded in the audit trail.
const (
	DecisionAllow         = "allow"
	DecisionDeny          = "deny"
	DecisionNeedsApproval = "needs-approval"
	DecisionApproved      = "approved"
	DecisionInvalid       = "invalid"
)

// Outcomes of a command that was decided.
const (
	OutcomeOK       = "ok"
	OutcomeError    = "error"
	OutcomeRefused  = "refused" // not run: denied, invalid, rate-limited
	OutcomePending  = "pending" // waiting for a second person
	OutcomeTimeout  = "timeout"
	OutcomeCanceled = "canceled"
)

// AuditRecord is one line of the audit trail: one per decision. It never
// holds output, secrets or tokens; Text is redacted of Slack tokens.
type AuditRecord struct {
	RequestID string
	Source    Source
	TeamID    string
	UserID    string
	UserName  string
	ChannelID string
	// Text is what the person typed (or the button's command), tokens masked.
	Text string
	// Command is the parsed command in its canonical spelling.
	Command string
	// Namespace, Resource and Action are the policy request, when one was made.
	Namespace, Resource, Action string
	Decision                    string
	Rule                        []string
	Reason                      string
	// Impersonate is the Kubernetes user the command ran as.
	Impersonate string
	// ApproverID is the second person of a four-eyes approval.
	ApproverID  string
	ApprovalID  string
	Duration    time.Duration
	Outcome     string
	OutputBytes int
	Error       string
}

// Auditor writes the audit trail: one JSON line per decision with
// component=audit on the main log, and the same line in a file if one is
// configured. It is safe for concurrent use.
type Auditor struct {
	loggers []zerolog.Logger
	file    io.Closer
	mu      sync.Mutex // serializes file writes with Close
}

// NewAuditor returns an Auditor logging to log and, when path is not empty,
// appending to path (created 0600).
func NewAuditor(log zerolog.Logger, path string) (*Auditor, error) {
	a := &Auditor{loggers: []zerolog.Logger{log.With().Str("component", "audit").Logger()}}
	if path != "" {
		f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
		if err != nil {
			return nil, fmt.Errorf("open audit file: %w", err)
		}
		a.file = f
		a.loggers = append(a.loggers, zerolog.New(f).With().Timestamp().Str("component", "audit").Logger())
	}
	return a, nil
}

// Close closes the audit file, if any.
func (a *Auditor) Close() error {
	if a == nil || a.file == nil {
		return nil
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.file.Close()
}

// Record writes one audit line.
func (a *Auditor) Record(r AuditRecord) {
	if a == nil {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, l := range a.loggers {
		e := l.Info().
			Str("request_id", r.RequestID).
			Str("source", string(r.Source)).
			Str("team_id", r.TeamID).
			Str("user_id", r.UserID).
			Str("user_name", r.UserName).
			Str("channel_id", r.ChannelID).
			Str("text", RedactTokens(r.Text)).
			Str("decision", r.Decision).
			Str("outcome", r.Outcome).
			Dur("duration", r.Duration)
		if r.Command != "" {
			e = e.Str("command", RedactTokens(r.Command))
		}
		if r.Action != "" {
			e = e.Str("namespace", r.Namespace).Str("resource", r.Resource).Str("action", r.Action)
		}
		if len(r.Rule) > 0 {
			e = e.Strs("rule", r.Rule)
		}
		if r.Reason != "" {
			e = e.Str("reason", r.Reason)
		}
		if r.Impersonate != "" {
			e = e.Str("impersonate", r.Impersonate)
		}
		if r.ApprovalID != "" {
			e = e.Str("approval_id", r.ApprovalID)
		}
		if r.ApproverID != "" {
			e = e.Str("approver_id", r.ApproverID)
		}
		if r.OutputBytes > 0 {
			e = e.Int("output_bytes", r.OutputBytes)
		}
		if r.Error != "" {
			e = e.Str("error", RedactTokens(r.Error))
		}
		e.Msg("command decision")
	}
}

var slackTokenRe = regexp.MustCompile(`\b(xox[a-z]|xapp)-[A-Za-z0-9-]+`)

// RedactTokens masks Slack tokens (xoxb-…, xoxp-…, xapp-…) in s.
func RedactTokens(s string) string {
	return slackTokenRe.ReplaceAllString(s, "${1}-***")
}
