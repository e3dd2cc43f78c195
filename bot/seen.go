package bot

import (
	"sync"
	"time"
)

// seenSet remembers IDs for a window, to run redelivered requests once.
type seenSet struct {
	mu     sync.Mutex
	window time.Duration
	now    func() time.Time
	at     map[string]time.Time
	swept  time.Time
}

func newSeenSet(window time.Duration, now func() time.Time) *seenSet {
	return &seenSet{window: window, now: now, at: map[string]time.Time{}}
}

// first records ids and reports whether none of them was seen within the
// window. Empty ids are ignored.
func (s *seenSet) first(ids ...string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	if now.Sub(s.swept) > s.window {
		for id, t := range s.at {
			if now.Sub(t) > s.window {
				delete(s.at, id)
			}
		}
		s.swept = now
	}
	fresh := true
	for _, id := range ids {
		if id == "" {
			continue
		}
		if t, ok := s.at[id]; ok && now.Sub(t) <= s.window {
			fresh = false
		}
	}
	for _, id := range ids {
		if id != "" {
			s.at[id] = now
		}
	}
	return fresh
}
