package bot

import (
	"crypto/rand"
	"encoding/hex"
	"sync"
	"time"

	"github.com/watchkeeper/watchkeeper/executors"
	"github.com/watchkeeper/watchkeeper/rbac"
)

// Button action IDs on approval requests.
const (
	ActionApprove = "watchkeeper_approve"
	ActionDeny    = "watchkeeper_deny"
	// ActionRun starts the action_id of buttons whose value is a command to
	// run: the alert buttons (notifier.ActionRunPrefix).
	ActionRun = "watchkeeper_run"
)

// pendingApproval is a command waiting for a second person.
type pendingApproval struct {
	ID      string
	Env     Envelope // the requester's envelope
	Cmd     executors.Command
	Req     rbac.Request
	Expires time.Time
}

// approvals holds pending requests in memory. A restart forgets them, which
// fails safe: the requester asks again. Each is taken at most once.
type approvals struct {
	mu      sync.Mutex
	pending map[string]*pendingApproval
}

func newApprovals() *approvals { return &approvals{pending: map[string]*pendingApproval{}} }

func (a *approvals) add(p *pendingApproval, now time.Time) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for id, q := range a.pending {
		if now.After(q.Expires) {
			delete(a.pending, id)
		}
	}
	a.pending[p.ID] = p
}

// peek returns the pending request id if it exists and has not expired.
func (a *approvals) peek(id string, now time.Time) (*pendingApproval, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	p, ok := a.pending[id]
	if !ok {
		return nil, false
	}
	if now.After(p.Expires) {
		delete(a.pending, id)
		return nil, false
	}
	return p, true
}

// take removes and returns the request id: of two concurrent clicks only
// one gets it.
func (a *approvals) take(id string, now time.Time) (*pendingApproval, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	p, ok := a.pending[id]
	if !ok {
		return nil, false
	}
	delete(a.pending, id)
	if now.After(p.Expires) {
		return nil, false
	}
	return p, true
}

func newApprovalID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
