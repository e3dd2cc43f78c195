package bot

import (
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// userLimits rate-limits each user separately, so one person (or script)
// cannot crowd out everyone else.
type userLimits struct {
	mu    sync.Mutex
	every rate.Limit
	burst int
	now   func() time.Time
	users map[string]*userLimit
}

type userLimit struct {
	lim  *rate.Limiter
	seen time.Time
}

func newUserLimits(perMinute, burst int, now func() time.Time) *userLimits {
	return &userLimits{every: rate.Limit(float64(perMinute) / 60), burst: burst, now: now, users: map[string]*userLimit{}}
}

// allow takes one token for userID.
func (l *userLimits) allow(userID string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if len(l.users) > 10000 { // forget idle users rather than grow forever
		for id, u := range l.users {
			if now.Sub(u.seen) > time.Hour {
				delete(l.users, id)
			}
		}
	}
	u, ok := l.users[userID]
	if !ok {
		u = &userLimit{lim: rate.NewLimiter(l.every, l.burst)}
		l.users[userID] = u
	}
	u.seen = now
	return u.lim.AllowN(now, 1)
}
