package slacktest

import (
	"math"
	"net/http"
	"strconv"
	"time"
)

// Fault is an injected failure for one call.
type Fault struct {
	// Status is the HTTP status to answer with, e.g. 429 or 500. Zero (or
	// 200) answers HTTP 200 with ok:false and SlackError.
	Status int
	// RetryAfter, when positive, is sent as a Retry-After header in whole
	// seconds, rounded up. slack-go turns a 429 with this header into a
	// *slack.RateLimitedError.
	RetryAfter time.Duration
	// SlackError is the ok:false error code. Default "ratelimited" for 429,
	// "internal_error" for other statuses and "fatal_error" for HTTP 200.
	SlackError string
}

func (f Fault) result() apiResult {
	res := apiResult{status: f.Status, err: f.SlackError}
	if res.status == http.StatusOK {
		res.status = 0
	}
	if res.err == "" {
		switch res.status {
		case 0:
			res.err = "fatal_error"
		case http.StatusTooManyRequests:
			res.err = "ratelimited"
		default:
			res.err = "internal_error"
		}
	}
	if f.RetryAfter > 0 {
		res.header = http.Header{"Retry-After": {retryAfterSeconds(f.RetryAfter)}}
	}
	return res
}

func retryAfterSeconds(d time.Duration) string {
	return strconv.Itoa(max(1, int(math.Ceil(d.Seconds()))))
}

// pendingFault is a Fault still to be applied to remaining calls.
type pendingFault struct {
	remaining int
	fault     Fault
}

// webState is the Web API fault and rate-limit state. It is guarded by
// Server.mu.
type webState struct {
	faults      map[string][]*pendingFault // by method, applied in FailNext order
	rate        float64                    // per-channel posts per second; 0 is unlimited
	nextAllowed map[string]time.Time       // by channel
	targets     map[string]responseTarget  // by response URL ID
}

func newWebState() webState {
	return webState{
		faults:      make(map[string][]*pendingFault),
		nextAllowed: make(map[string]time.Time),
		targets:     make(map[string]responseTarget),
	}
}

// FailNext makes the next n calls of method fail with f. method is a Web API
// method such as "chat.postMessage", or MethodResponseURL or MethodFileUpload.
// Faults queue: a second FailNext applies after the first is used up. A
// failed call is still recorded in Calls, with its status and error.
// slack-go reads no body from an upload, so only a Status fault on
// MethodFileUpload is visible to it.
func (s *Server) FailNext(method string, n int, f Fault) {
	if n <= 0 {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.web.faults[method] = append(s.web.faults[method], &pendingFault{remaining: n, fault: f})
}

// FailConnectionsOpen makes the next n apps.connections.open calls answer
// ok:false with slackErr. slack-go retries most errors with backoff (100ms,
// 200ms, ...) but gives up, returning the error from RunContext, on
// "invalid_auth", "account_inactive", "not_authed" and "token_revoked".
func (s *Server) FailConnectionsOpen(n int, slackErr string) {
	s.FailNext("apps.connections.open", n, Fault{SlackError: slackErr})
}

func (s *Server) takeFaultLocked(method string) (Fault, bool) {
	queue := s.web.faults[method]
	if len(queue) == 0 {
		return Fault{}, false
	}
	head := queue[0]
	head.remaining--
	if head.remaining <= 0 {
		s.web.faults[method] = queue[1:]
	}
	return head.fault, true
}

// SetChannelRateLimit limits chat.postMessage and chat.update to perSecond
// calls per channel, with no burst allowance, as Slack's one message per
// second per channel. A call over the limit gets HTTP 429 with
// error "ratelimited" and a Retry-After header (at least 1 second), and is
// not applied. Zero or negative removes the limit.
func (s *Server) SetChannelRateLimit(perSecond float64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.web.rate = max(perSecond, 0)
	clear(s.web.nextAllowed)
}

// rateLimitLocked admits a post to channel or returns the 429 answer.
func (s *Server) rateLimitLocked(channel string) (apiResult, bool) {
	if s.web.rate <= 0 {
		return apiResult{}, false
	}
	now := s.opts.Now()
	if next := s.web.nextAllowed[channel]; now.Before(next) {
		return apiResult{
			status: http.StatusTooManyRequests,
			err:    "ratelimited",
			header: http.Header{"Retry-After": {retryAfterSeconds(next.Sub(now))}},
		}, true
	}
	s.web.nextAllowed[channel] = now.Add(time.Duration(float64(time.Second) / s.web.rate))
	return apiResult{}, false
}
