package rbac

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/rs/zerolog"
	"golang.org/x/sync/singleflight"
)

// GroupResolver resolves a Slack user-group ID (S…) to the user IDs of its
// members. The bot implements it with usergroups.users.list.
type GroupResolver interface {
	Members(ctx context.Context, groupID string) ([]string, error)
}

// How long a resolved membership is trusted, and how long one look-up may
// take when several requests share it.
const (
	groupTTL          = 5 * time.Minute
	groupFetchTimeout = 10 * time.Second
)

type groupEntry struct {
	members map[string]bool
	fetched time.Time
}

// groupCache remembers group memberships for groupTTL. Failed look-ups are
// not cached: the next request asks again. Until one succeeds the
// membership is unknown, which the decision treats as "not a member" for
// allow rows and "a member" for deny rows, so an outage fails closed both
// ways. Concurrent look-ups of one group share a single call.
type groupCache struct {
	resolver GroupResolver
	now      func() time.Time
	log      zerolog.Logger

	flight singleflight.Group
	mu     sync.Mutex
	byID   map[string]groupEntry
}

func newGroupCache(r GroupResolver, now func() time.Time, log zerolog.Logger) *groupCache {
	return &groupCache{resolver: r, now: now, log: log, byID: map[string]groupEntry{}}
}

// groupsOf sorts the groups among ids into those whose members include
// userID and those whose membership could not be resolved, each in the
// order given.
func (c *groupCache) groupsOf(ctx context.Context, userID string, ids []string) (member, unknown []string) {
	if c.resolver == nil || len(ids) == 0 {
		return nil, nil
	}
	type result struct{ member, known bool }
	res := make([]result, len(ids))
	var wg sync.WaitGroup
	for i, id := range ids {
		if members, ok := c.cached(id); ok {
			res[i] = result{member: members[userID], known: true}
			continue
		}
		wg.Go(func() {
			members, ok := c.fetch(ctx, id)
			res[i] = result{member: members[userID], known: ok}
		})
	}
	wg.Wait()
	for i, id := range ids {
		switch {
		case !res[i].known:
			unknown = append(unknown, id)
		case res[i].member:
			member = append(member, id)
		}
	}
	return member, unknown
}

func (c *groupCache) cached(id string) (map[string]bool, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.byID[id]
	if !ok || c.now().Sub(e.fetched) >= groupTTL {
		return nil, false
	}
	return e.members, true
}

// fetch resolves one group. The shared call is detached from the first
// caller's cancellation (and bounded on its own) so that one impatient
// request does not fail the others waiting on it.
func (c *groupCache) fetch(ctx context.Context, id string) (map[string]bool, bool) {
	ch := c.flight.DoChan(id, func() (any, error) {
		fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), groupFetchTimeout)
		defer cancel()
		list, err := c.resolver.Members(fctx, id)
		if err != nil {
			return nil, fmt.Errorf("resolve user group %s: %w", id, err)
		}
		members := make(map[string]bool, len(list))
		for _, m := range list {
			members[m] = true
		}
		c.mu.Lock()
		c.byID[id] = groupEntry{members: members, fetched: c.now()}
		c.mu.Unlock()
		return members, nil
	})
	select {
	case <-ctx.Done():
		c.log.Warn().Err(ctx.Err()).Str("group_id", id).Msg("user group look-up abandoned; membership unknown")
		return nil, false
	case res := <-ch:
		if res.Err != nil {
			c.log.Warn().Err(res.Err).Str("group_id", id).Msg("user group look-up failed; membership unknown")
			return nil, false
		}
		return res.Val.(map[string]bool), true
	}
}

// retain drops cached groups that the current policy no longer names.
func (c *groupCache) retain(ids []string) {
	keep := make(map[string]bool, len(ids))
	for _, id := range ids {
		keep[id] = true
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for id := range c.byID {
		if !keep[id] {
			delete(c.byID, id)
		}
	}
}
