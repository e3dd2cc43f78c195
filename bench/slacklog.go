package bench

import (
	"context"
	"encoding/json"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/watchkeeper/watchkeeper/internal/slacktest"
)

// SlackLog follows the fake Slack's recorded calls and remembers, for each
// watched name (a pod), when a call carrying it first arrived and how many
// successful top-level chat.postMessage calls named it. Call.At is stamped
// by the fake on arrival, on this process's monotonic clock, so the polling
// interval does not enter the figures.
type SlackLog struct {
	fake *slacktest.Server

	mu      sync.Mutex
	next    int
	first   map[string]time.Time
	posts   map[string]int // top-level chat.postMessage
	threads map[string]int // thread replies
	updates map[string]int // chat.update
	watched map[string]bool
}

// NewSlackLog returns a log over fake; call Run to follow it.
func NewSlackLog(fake *slacktest.Server) *SlackLog {
	return &SlackLog{fake: fake, first: map[string]time.Time{}, posts: map[string]int{}, threads: map[string]int{}, updates: map[string]int{}, watched: map[string]bool{}}
}

// Watch starts tracking names. Calls already seen are not re-read, so
// watch a name before causing its alert.
func (l *SlackLog) Watch(names ...string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, n := range names {
		l.watched[n] = true
	}
}

// Run polls until ctx ends.
func (l *SlackLog) Run(ctx context.Context) {
	tick := time.NewTicker(25 * time.Millisecond)
	defer tick.Stop()
	for {
		l.poll()
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

func (l *SlackLog) poll() {
	calls := l.fake.Calls()
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.next > len(calls) {
		return // a concurrent poll already read further
	}
	for _, c := range calls[l.next:] {
		if c.Method != "chat.postMessage" && c.Method != "chat.update" && c.Method != "files.completeUploadExternal" {
			continue
		}
		body := callText(c)
		ok := c.Status == 200 && c.SlackError == ""
		post := ok && c.Method == "chat.postMessage"
		thread := post && hasThread(c)
		for n := range l.watched {
			if !strings.Contains(body, n) {
				continue
			}
			if _, seen := l.first[n]; !seen && ok {
				l.first[n] = c.At
			}
			switch {
			case thread:
				l.threads[n]++
			case post:
				l.posts[n]++
			case ok && c.Method == "chat.update":
				l.updates[n]++
			}
		}
	}
	l.next = len(calls)
}

func callText(c slacktest.Call) string {
	var b strings.Builder
	b.Write(c.JSON)
	for _, vs := range c.Form {
		for _, v := range vs {
			b.WriteString(v)
			b.WriteByte('\n')
		}
	}
	return b.String()
}

func hasThread(c slacktest.Call) bool {
	if c.Form.Get("thread_ts") != "" {
		return true
	}
	var m struct {
		ThreadTS string `json:"thread_ts"`
	}
	return len(c.JSON) > 0 && json.Unmarshal(c.JSON, &m) == nil && m.ThreadTS != ""
}

// First returns when name first reached Slack.
func (l *SlackLog) First(name string) (time.Time, bool) {
	l.poll()
	l.mu.Lock()
	defer l.mu.Unlock()
	t, ok := l.first[name]
	return t, ok
}

// Posts returns how many top-level messages named name.
func (l *SlackLog) Posts(name string) int {
	l.poll()
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.posts[name]
}

// Notifications returns the top-level posts, thread replies and updates
// that named name.
func (l *SlackLog) Notifications(name string) (posts, threads, updates int) {
	l.poll()
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.posts[name], l.threads[name], l.updates[name]
}

// WaitAll polls until every name has reached Slack or the deadline passes,
// and returns the names still missing.
func (l *SlackLog) WaitAll(ctx context.Context, names []string, deadline time.Duration) []string {
	end := time.Now().Add(deadline)
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		var missing []string
		for _, n := range names {
			if _, ok := l.First(n); !ok {
				missing = append(missing, n)
			}
		}
		if len(missing) == 0 || time.Now().After(end) {
			return missing
		}
		select {
		case <-ctx.Done():
			return missing
		case <-tick.C:
		}
	}
}

// CallStats counts calls to method since index from, and how many were
// answered 429.
func CallStats(fake *slacktest.Server, from int, method string) (calls, limited, total int) {
	all := fake.Calls()
	for _, c := range all[min(from, len(all)):] {
		if c.Method == method {
			calls++
			if c.Status == 429 {
				limited++
			}
		}
	}
	return calls, limited, len(all)
}

// dumpCalls writes one JSON line per recorded Slack call, for diagnosis.
func dumpCalls(fake *slacktest.Server, path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	enc := json.NewEncoder(f)
	for _, c := range fake.Calls() {
		text := callText(c)
		if err := enc.Encode(map[string]any{"method": c.Method, "at": c.At.Format("15:04:05.000"), "status": c.Status,
			"error": c.SlackError, "thread": hasThread(c), "text": text}); err != nil {
			return err
		}
	}
	return nil
}
