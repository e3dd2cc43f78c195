package slacktest

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// socketState is the Socket Mode side of the server. It is guarded by
// Server.mu.
type socketState struct {
	conns   map[*wsConn]struct{}
	seq     int                     // connection counter; the newest gets envelopes
	hellos  int                     // hellos sent since Start
	tickets map[string]struct{}     // unused apps.connections.open tickets
	sent    map[string]sentEnvelope // by envelope ID
}

func newSocketState() socketState {
	return socketState{
		conns:   make(map[*wsConn]struct{}),
		tickets: make(map[string]struct{}),
		sent:    make(map[string]sentEnvelope),
	}
}

// all returns every active connection.
func (st *socketState) all() []*wsConn {
	out := make([]*wsConn, 0, len(st.conns))
	for c := range st.conns {
		out = append(out, c)
	}
	return out
}

// newest returns the most recently opened active connection, or nil. Like
// Slack, the fake delivers each envelope to one connection only.
func (st *socketState) newest() *wsConn {
	var best *wsConn
	for c := range st.conns {
		if best == nil || c.id > best.id {
			best = c
		}
	}
	return best
}

// sentEnvelope remembers a delivered envelope for ack latency, Redeliver and
// turning a slash command's ack payload into a message.
type sentEnvelope struct {
	at     time.Time
	raw    []byte
	target *responseTarget // slash commands only
}

// wsConn is one Socket Mode WebSocket. Writes of data frames are serialised
// by writeMu; gorilla/websocket allows WriteControl and Close concurrently.
type wsConn struct {
	id      int
	ws      *websocket.Conn
	writeMu sync.Mutex
	done    chan struct{}
	once    sync.Once
}

// writeTimeout bounds every write when ctx carries no earlier deadline.
const writeTimeout = 5 * time.Second

func (c *wsConn) writeText(ctx context.Context, data []byte) error {
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	deadline := time.Now().Add(writeTimeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	if err := c.ws.SetWriteDeadline(deadline); err != nil {
		return fmt.Errorf("set write deadline: %w", err)
	}
	if err := c.ws.WriteMessage(websocket.TextMessage, data); err != nil {
		return fmt.Errorf("write frame: %w", err)
	}
	return nil
}

// close hard-closes the socket without a close frame and stops its pinger.
func (c *wsConn) close() {
	c.once.Do(func() {
		close(c.done)
		_ = c.ws.Close()
	})
}

func newUpgrader() *websocket.Upgrader {
	return &websocket.Upgrader{
		// slack-go sends "Origin: https://api.slack.com", which never matches
		// the fake's host.
		CheckOrigin: func(*http.Request) bool { return true },
	}
}

// handleLink upgrades a ws:// URL handed out by apps.connections.open. Each
// ticket is single-use, as with Slack.
func (s *Server) handleLink(w http.ResponseWriter, r *http.Request) {
	ticket := r.URL.Query().Get("ticket")
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		http.Error(w, "server closed", http.StatusServiceUnavailable)
		return
	}
	if _, ok := s.socket.tickets[ticket]; !ok {
		s.mu.Unlock()
		http.Error(w, "invalid or used ticket", http.StatusUnauthorized)
		return
	}
	delete(s.socket.tickets, ticket)
	// Hijacked connections outlive http.Server.Shutdown, so Close waits on
	// wg instead. Adding under mu while not closed orders this before Wait.
	s.wg.Add(1)
	s.mu.Unlock()
	defer s.wg.Done()

	ws, err := s.upgrader.Upgrade(w, r, nil)
	if err != nil {
		return // Upgrade has already answered the request.
	}
	s.serveConn(&wsConn{ws: ws, done: make(chan struct{})})
}

type debugInfo struct {
	Host                      string `json:"host"`
	BuildNumber               int    `json:"build_number,omitempty"`
	ApproximateConnectionTime int    `json:"approximate_connection_time,omitempty"`
}

type helloMessage struct {
	Type           string    `json:"type"`
	NumConnections int       `json:"num_connections"`
	DebugInfo      debugInfo `json:"debug_info"`
	ConnectionInfo struct {
		AppID string `json:"app_id"`
	} `json:"connection_info"`
}

type disconnectMessage struct {
	Type      string    `json:"type"`
	Reason    string    `json:"reason"`
	DebugInfo debugInfo `json:"debug_info"`
}

const fakeHost = "applink-slacktest"

// serveConn sends hello, registers the connection, and reads acks until the
// connection fails or is closed.
func (s *Server) serveConn(c *wsConn) {
	s.mu.Lock()
	hello := helloMessage{
		Type:           "hello",
		NumConnections: len(s.socket.conns) + 1,
		DebugInfo:      debugInfo{Host: fakeHost, BuildNumber: 1, ApproximateConnectionTime: 18060},
	}
	hello.ConnectionInfo.AppID = s.opts.AppID
	s.mu.Unlock()

	data, err := json.Marshal(hello)
	if err != nil || c.writeText(context.Background(), data) != nil {
		c.close()
		return
	}

	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		c.close()
		return
	}
	s.socket.seq++
	c.id = s.socket.seq
	s.socket.conns[c] = struct{}{}
	s.socket.hellos++
	if interval := s.opts.PingInterval; interval > 0 {
		s.wg.Go(func() { pingLoop(c, interval) })
	}
	s.notify()
	s.mu.Unlock()

	s.readLoop(c)

	s.mu.Lock()
	delete(s.socket.conns, c)
	s.notify()
	s.mu.Unlock()
	c.close()
}

// pingLoop sends a WebSocket PING every interval until the connection ends.
// slack-go counts these to decide whether the connection is alive.
func pingLoop(c *wsConn, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for n := 1; ; n++ {
		select {
		case <-c.done:
			return
		case <-t.C:
			payload := fmt.Appendf(nil, "ping-%d", n)
			if err := c.ws.WriteControl(websocket.PingMessage, payload, time.Now().Add(writeTimeout)); err != nil {
				return // the read loop sees the failure and cleans up
			}
		}
	}
}

// readLoop records every response (ack) the client writes back.
func (s *Server) readLoop(c *wsConn) {
	for {
		_, data, err := c.ws.ReadMessage()
		if err != nil {
			return
		}
		s.recordAck(data)
	}
}

// deliver writes one envelope to the newest active connection, waiting for
// one to exist until ctx ends.
func (s *Server) deliver(ctx context.Context, envelopeID string, raw []byte, meta sentEnvelope) error {
	s.mu.Lock()
	started := s.started
	s.mu.Unlock()
	if !started {
		return ErrNotStarted
	}
	var c *wsConn
	if err := s.waitFor(ctx, func() bool { c = s.socket.newest(); return c != nil }); err != nil {
		return fmt.Errorf("slacktest: wait for a socket mode connection: %w", err)
	}
	s.mu.Lock()
	// Recorded before the write: the ack can arrive before the write returns.
	meta.at = s.opts.Now()
	meta.raw = raw
	if envelopeID != "" {
		s.socket.sent[envelopeID] = meta
	}
	s.mu.Unlock()
	if err := c.writeText(ctx, raw); err != nil {
		return fmt.Errorf("slacktest: send envelope %q: %w", envelopeID, err)
	}
	return nil
}

// SendRaw writes envelope verbatim to the newest Socket Mode connection,
// waiting for one until ctx ends. Use it for shapes the typed senders do not
// build, or to deliver the same envelope_id twice. An envelope_id in it, if
// any, is tracked for WaitAck latency.
func (s *Server) SendRaw(ctx context.Context, envelope []byte) error {
	var head struct {
		EnvelopeID string `json:"envelope_id"`
	}
	_ = json.Unmarshal(envelope, &head) // best effort: raw may be deliberately malformed
	s.mu.Lock()
	meta := s.socket.sent[head.EnvelopeID]
	s.mu.Unlock()
	return s.deliver(ctx, head.EnvelopeID, append([]byte(nil), envelope...), meta)
}

// Redeliver sends an envelope already delivered by this server again, with
// the same envelope_id, retry_attempt one higher and retry_reason set to
// reason (Slack uses "timeout" when an envelope went unacknowledged).
func (s *Server) Redeliver(ctx context.Context, envelopeID, reason string) error {
	s.mu.Lock()
	meta, ok := s.socket.sent[envelopeID]
	s.mu.Unlock()
	if !ok {
		return fmt.Errorf("slacktest: redeliver %q: envelope was never sent", envelopeID)
	}
	var env map[string]json.RawMessage
	if err := json.Unmarshal(meta.raw, &env); err != nil {
		return fmt.Errorf("slacktest: redeliver %q: %w", envelopeID, err)
	}
	var attempt int
	_ = json.Unmarshal(env["retry_attempt"], &attempt) // absent means 0
	env["retry_attempt"] = json.RawMessage(fmt.Sprint(attempt + 1))
	reasonJSON, err := json.Marshal(reason)
	if err != nil {
		return fmt.Errorf("slacktest: redeliver %q: %w", envelopeID, err)
	}
	env["retry_reason"] = reasonJSON
	raw, err := json.Marshal(env)
	if err != nil {
		return fmt.Errorf("slacktest: redeliver %q: %w", envelopeID, err)
	}
	return s.deliver(ctx, envelopeID, raw, meta)
}

// SendDisconnect sends {"type":"disconnect","reason":reason} to every active
// connection, as Slack does before it rotates a connection
// ("refresh_requested", "warning", "link_disabled"). slack-go answers by
// closing that connection and opening a new one through
// apps.connections.open; watch for it with WaitConnected. Write errors are
// ignored: a connection that cannot be written to is already going away.
func (s *Server) SendDisconnect(reason string) {
	data, err := json.Marshal(disconnectMessage{Type: "disconnect", Reason: reason, DebugInfo: debugInfo{Host: fakeHost}})
	if err != nil {
		return
	}
	s.mu.Lock()
	conns := s.socket.all()
	s.mu.Unlock()
	for _, c := range conns {
		_ = c.writeText(context.Background(), data)
	}
}

// CloseConnections hard-closes every active socket without a close frame, as
// a network failure would. The connections stop counting as active at once.
func (s *Server) CloseConnections() {
	s.mu.Lock()
	conns := s.socket.all()
	clear(s.socket.conns)
	s.notify()
	s.mu.Unlock()
	for _, c := range conns {
		c.close()
	}
}

// WaitConnected blocks until at least n hellos have been sent since Start,
// that is until the client has completed n Socket Mode connections. Use
// increasing n to observe reconnects.
func (s *Server) WaitConnected(ctx context.Context, n int) error {
	err := s.waitFor(ctx, func() bool { return s.socket.hellos >= n })
	if err != nil {
		return fmt.Errorf("slacktest: wait for %d connections: %w", n, err)
	}
	return nil
}

// ActiveConnections is the number of open Socket Mode connections.
func (s *Server) ActiveConnections() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.socket.conns)
}

// Connections is the number of hellos sent since Start: every successful
// Socket Mode connection, including closed ones.
func (s *Server) Connections() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.socket.hellos
}

// ackMessage is what slack-go writes back: socketmode.Response.
type ackMessage struct {
	EnvelopeID string          `json:"envelope_id"`
	Payload    json.RawMessage `json:"payload"`
}

// recordAck stores one client response. Frames that are not acks are
// ignored, as Slack ignores them.
func (s *Server) recordAck(data []byte) {
	var msg ackMessage
	if err := json.Unmarshal(data, &msg); err != nil || msg.EnvelopeID == "" {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.opts.Now()
	ack := Ack{EnvelopeID: msg.EnvelopeID, Payload: msg.Payload, At: now}
	if meta, ok := s.socket.sent[msg.EnvelopeID]; ok {
		ack.Latency = now.Sub(meta.at)
		if meta.target != nil && len(s.rec.acksFor(msg.EnvelopeID)) == 0 {
			s.postAckPayloadLocked(*meta.target, msg.Payload)
		}
	}
	s.rec.acks = append(s.rec.acks, ack)
	s.notify()
}
