package slacktest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// Options configures a Server. The zero value is usable: every field documents
// its default.
type Options struct {
	// TeamID is the workspace ID. Default "T0001".
	TeamID string
	// TeamName is the workspace name returned by auth.test. Default "Watchkeeper Test".
	TeamName string
	// BotUserID is the bot's user ID. Default "U0BOT".
	BotUserID string
	// BotName is the bot's user name returned by auth.test. Default "watchkeeper".
	BotName string
	// BotID is the bot ID (B...) stamped on the bot's messages. Default "B0BOT".
	BotID string
	// AppID is the Slack app ID sent in hello and in every payload. Default "A0APP".
	AppID string

	// BotToken, when set, is the only token accepted by Web API methods; a
	// request with another token gets ok:false invalid_auth, one without a
	// token ok:false not_authed. Empty accepts any token.
	BotToken string
	// AppToken, when set, is the only token accepted by apps.connections.open,
	// with the same errors as BotToken. Empty accepts any token.
	AppToken string

	// PingInterval is how often each Socket Mode connection gets a WebSocket
	// PING frame. slack-go drops a connection that sees no PING within its
	// own interval (30s by default). Default 5s; negative disables pings,
	// which lets a test provoke slack-go's ping timeout.
	PingInterval time.Duration

	// Users is the users.info directory, keyed by user ID. The bot user is
	// added automatically unless present.
	Users map[string]User
	// UserGroups is the usergroups.users.list directory: group ID to member
	// user IDs.
	UserGroups map[string][]string

	// Now is the clock for recorded times, ack latency and the channel rate
	// limit. Default time.Now.
	Now func() time.Time
}

// User is one users.info entry.
type User struct {
	ID       string
	TeamID   string // default Options.TeamID
	Name     string
	RealName string
	IsBot    bool
	Deleted  bool
}

// withDefaults returns o with every empty field set to its documented default.
func (o Options) withDefaults() Options {
	def := func(s *string, v string) {
		if *s == "" {
			*s = v
		}
	}
	def(&o.TeamID, "T0001")
	def(&o.TeamName, "Watchkeeper Test")
	def(&o.BotUserID, "U0BOT")
	def(&o.BotName, "watchkeeper")
	def(&o.BotID, "B0BOT")
	def(&o.AppID, "A0APP")
	if o.PingInterval == 0 {
		o.PingInterval = 5 * time.Second
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	users := make(map[string]User, len(o.Users)+1)
	for id, u := range o.Users {
		if u.ID == "" {
			u.ID = id
		}
		if u.TeamID == "" {
			u.TeamID = o.TeamID
		}
		users[id] = u
	}
	if _, ok := users[o.BotUserID]; !ok {
		users[o.BotUserID] = User{ID: o.BotUserID, TeamID: o.TeamID, Name: o.BotName, RealName: o.BotName, IsBot: true}
	}
	o.Users = users
	groups := make(map[string][]string, len(o.UserGroups))
	for id, members := range o.UserGroups {
		groups[id] = append([]string(nil), members...)
	}
	o.UserGroups = groups
	return o
}

// Sentinel errors returned by Server methods.
var (
	// ErrNotStarted is returned by methods that need a listening server.
	ErrNotStarted = errors.New("slacktest: server not started")
	// ErrClosed is returned once Close has been called.
	ErrClosed = errors.New("slacktest: server closed")
)

// Server is a fake Slack: Web API, Socket Mode and response URLs on one
// 127.0.0.1 listener. Create it with NewServer, then Start it; all methods are
// safe for concurrent use.
type Server struct {
	opts     Options
	upgrader *websocket.Upgrader

	// wg tracks every goroutine the server starts, so Close can wait for them.
	wg sync.WaitGroup

	mu      sync.Mutex
	changed chan struct{} // closed and replaced on every state change; see notify
	started bool
	closed  bool
	http    *http.Server
	baseURL string // "http://127.0.0.1:PORT"

	ids idState

	socket socketState
	web    webState
	rec    recordState
}

// NewServer returns an unstarted Server. It has no side effects.
func NewServer(opts Options) *Server {
	return &Server{
		opts:     opts.withDefaults(),
		upgrader: newUpgrader(),
		changed:  make(chan struct{}),
		socket:   newSocketState(),
		web:      newWebState(),
		rec:      newRecordState(),
	}
}

// NewTestServer returns a started Server that is closed when tb's test ends.
// It fails tb if the server cannot listen.
func NewTestServer(tb testing.TB, opts Options) *Server {
	tb.Helper()
	s := NewServer(opts)
	if err := s.Start(); err != nil {
		tb.Fatalf("start fake slack: %v", err)
	}
	tb.Cleanup(s.Close)
	return s
}

// Start listens on 127.0.0.1 on a free port and serves in the background
// until Close.
func (s *Server) Start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.closed:
		return ErrClosed
	case s.started:
		return errors.New("slacktest: server already started")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("slacktest: listen: %w", err)
	}
	s.baseURL = "http://" + ln.Addr().String()
	s.http = &http.Server{Handler: s.routes(), ReadHeaderTimeout: 10 * time.Second}
	s.started = true
	srv := s.http
	s.wg.Go(func() {
		// Serve always returns an error; ErrServerClosed is the normal end.
		_ = srv.Serve(ln)
	})
	return nil
}

// Close stops the listener, hard-closes every Socket Mode connection, wakes
// every waiter with ErrClosed and waits for the server's goroutines to end.
// It is safe to call more than once.
func (s *Server) Close() {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.closed = true
	srv := s.http
	conns := s.socket.all()
	s.notify()
	s.mu.Unlock()

	for _, c := range conns {
		c.close()
	}
	if srv != nil {
		// Shutdown waits for in-flight Web API requests; WebSocket handlers
		// are hijacked, so they are covered by wg instead.
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		if err := srv.Shutdown(ctx); err != nil {
			_ = srv.Close()
		}
		cancel()
	}
	s.wg.Wait()
}

// APIURL is the Web API base URL with its trailing slash, as
// slack.OptionAPIURL expects: "http://127.0.0.1:PORT/api/". It is empty
// before Start.
func (s *Server) APIURL() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.baseURL == "" {
		return ""
	}
	return s.baseURL + "/api/"
}

// ResponseURL is a response_url on the fake whose posts are recorded under
// id (see ResponseURLPosts). A URL handed out by SendSlashCommand or
// SendBlockAction is also bound to the envelope's channel, user and message,
// so its posts show up in Messages.
func (s *Server) ResponseURL(id string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.responseURLLocked(id)
}

func (s *Server) responseURLLocked(id string) string {
	return s.baseURL + responsePath + id
}

// responseIDFromURL returns the response ID of a URL made by ResponseURL.
func (s *Server) responseIDFromURL(u string) (string, bool) {
	prefix := s.baseURL + responsePath
	if s.baseURL == "" || !strings.HasPrefix(u, prefix) {
		return "", false
	}
	return strings.TrimPrefix(u, prefix), true
}

const (
	apiPath      = "/api/"
	linkPath     = "/link/"
	uploadPath   = "/upload/v1/"
	responsePath = "/response/"
)

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc(apiPath, s.handleAPI)
	mux.HandleFunc(linkPath, s.handleLink)
	mux.HandleFunc(uploadPath, s.handleUpload)
	mux.HandleFunc(responsePath, s.handleResponseURL)
	return mux
}

// notify wakes every waiter. The caller holds s.mu.
func (s *Server) notify() {
	close(s.changed)
	s.changed = make(chan struct{})
}

// waitFor blocks until cond, evaluated with s.mu held, reports true, ctx ends
// or the server is closed. It waits on the change channel, never by sleeping.
func (s *Server) waitFor(ctx context.Context, cond func() bool) error {
	for {
		s.mu.Lock()
		if cond() {
			s.mu.Unlock()
			return nil
		}
		if s.closed {
			s.mu.Unlock()
			return ErrClosed
		}
		ch := s.changed
		s.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// idState generates Slack-shaped identifiers. It is guarded by Server.mu.
type idState struct {
	ts, envelope, event, trigger, file, ticket, response, clientMsg uint64
}

// tsBase is the first message timestamp, in microseconds since the epoch.
const tsBase = 1_700_000_000_000_000

// nextTSLocked returns a unique, increasing message timestamp such as
// "1700000000.000100", the format Slack uses for ts and thread_ts.
func (s *Server) nextTSLocked() string {
	s.ids.ts++
	us := tsBase + s.ids.ts*100
	return fmt.Sprintf("%d.%06d", us/1_000_000, us%1_000_000)
}

func (s *Server) nextEnvelopeIDLocked() string {
	s.ids.envelope++
	return fmt.Sprintf("%08x-5a17-4e57-8f4e-%012x", s.ids.envelope, s.ids.envelope)
}

func (s *Server) nextEventIDLocked() string {
	s.ids.event++
	return fmt.Sprintf("Ev%09d", s.ids.event)
}

func (s *Server) nextTriggerIDLocked() string {
	s.ids.trigger++
	return fmt.Sprintf("%d.%d.%032x", 1700000000+s.ids.trigger, 4242, s.ids.trigger)
}

func (s *Server) nextFileIDLocked() string {
	s.ids.file++
	return fmt.Sprintf("F%09d", s.ids.file)
}

func (s *Server) nextTicketLocked() string {
	s.ids.ticket++
	return fmt.Sprintf("%016x-%d", s.ids.ticket*0x9e3779b97f4a7c15, s.ids.ticket)
}

func (s *Server) nextResponseIDLocked() string {
	s.ids.response++
	return fmt.Sprintf("R%09d", s.ids.response)
}

func (s *Server) nextClientMsgIDLocked() string {
	s.ids.clientMsg++
	return fmt.Sprintf("c11e47a0-%04x-4000-8000-%012x", s.ids.clientMsg%0x10000, s.ids.clientMsg)
}
