package rbac

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"
)

// Start re-reads the policy file every ReloadInterval until ctx ends, then
// returns nil. A changed file is validated and swapped in atomically; a file
// that fails to load keeps the old policy, is logged, counted in
// ReloadErrors and passed to OnReloadError, once per distinct content.
//
// It reads and hashes the file on every tick rather than trusting its
// modification time: the file is small, mtime granularity varies between
// filesystems, and a Kubernetes ConfigMap update is a symlink swap.
func (a *Authorizer) Start(ctx context.Context) error {
	if !a.started.CompareAndSwap(false, true) {
		return errors.New("rbac: authorizer already started")
	}
	a.log.Info().Str("policy_file", a.opts.PolicyFile).Dur("interval", a.opts.ReloadInterval).Msg("watching policy file")
	t := time.NewTicker(a.opts.ReloadInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
			a.reload()
		}
	}
}

// reload checks the file once. Only Start's goroutine calls it.
func (a *Authorizer) reload() {
	src, err := os.ReadFile(a.opts.PolicyFile)
	if err != nil {
		a.reloadFailed("read error: "+err.Error(), fmt.Errorf("reload policy: %w", err))
		return
	}
	digest := digestOf(src)
	if digest == a.lastSeen {
		return
	}
	if digest == a.policy.Load().Digest() { // back to the policy in force after an error
		a.lastSeen = digest
		return
	}
	p, err := ParsePolicy(src)
	if err != nil {
		a.reloadFailed(digest, fmt.Errorf("reload policy %s: %w", a.opts.PolicyFile, err))
		return
	}
	a.lastSeen = digest
	old := a.policy.Swap(p)
	a.groups.retain(p.groups)
	a.log.Info().Str("policy_file", a.opts.PolicyFile).Str("old_sha256", old.Digest()).Str("sha256", p.Digest()).
		Int("p_rows", len(p.rules)).Int("g_rows", len(p.bindings)).Int("a_rows", len(p.approvals)).
		Msg("policy reloaded")
}

func (a *Authorizer) reloadFailed(seen string, err error) {
	if seen == a.lastSeen {
		return // already reported; the old policy is still in force
	}
	a.lastSeen = seen
	a.reloadErrors.Add(1)
	a.log.Error().Err(err).Str("policy_file", a.opts.PolicyFile).Str("sha256", a.policy.Load().Digest()).
		Msg("policy reload failed; keeping the current policy")
	a.opts.OnReloadError(err)
}
