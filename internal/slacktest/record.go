package slacktest

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"time"
)

// Call is one recorded HTTP request to the fake: a Web API method, a
// response_url post (MethodResponseURL) or an upload (MethodFileUpload).
type Call struct {
	Method string
	At     time.Time
	// Token is the token the call carried, from the Authorization header or
	// the token field.
	Token string
	// Form holds query and form fields; for response_url posts "id", for
	// uploads "file_id" and "filename".
	Form url.Values
	// JSON is the raw body of a JSON request, nil otherwise.
	JSON json.RawMessage
	// Status is the HTTP status answered.
	Status int
	// SlackError is the ok:false error answered, empty on success.
	SlackError string
}

// Ack is one response the Socket Mode client wrote back.
type Ack struct {
	EnvelopeID string
	// Payload is the ack's payload, nil when the client sent none.
	Payload json.RawMessage
	// Latency is the time from writing the envelope to reading the ack; zero
	// for an envelope this server did not send.
	Latency time.Duration
	At      time.Time
}

// PostedMessage is a message as the channel would show it now.
type PostedMessage struct {
	Channel     string
	TS          string
	ThreadTS    string
	Text        string
	Blocks      json.RawMessage
	Attachments json.RawMessage
	// User is the recipient of an ephemeral message, empty otherwise.
	User      string
	Ephemeral bool
	// Updated counts the changes made by chat.update or a response_url post
	// with replace_original.
	Updated int
	// Via is how the message was posted: ViaPostMessage, ViaPostEphemeral,
	// ViaResponseURL, ViaAck or ViaCompleteUpload.
	Via string
	// ResponseType is the response_type of a response_url or ack post.
	ResponseType string
	// FileIDs are the files a ViaCompleteUpload message shares.
	FileIDs []string
}

// recordState is everything the fake observed. It is guarded by Server.mu.
type recordState struct {
	calls         []Call
	acks          []Ack
	messages      []*PostedMessage // in post order
	responsePosts map[string][]json.RawMessage
	files         map[string]*File
	fileOrder     []string
	reactions     map[string][]string // by reactionKey
}

func newRecordState() recordState {
	return recordState{
		responsePosts: make(map[string][]json.RawMessage),
		files:         make(map[string]*File),
		reactions:     make(map[string][]string),
	}
}

func reactionKey(channel, ts string) string { return channel + "/" + ts }

func (rs *recordState) addMessage(m *PostedMessage) { rs.messages = append(rs.messages, m) }

func (rs *recordState) findMessage(channel, ts string) *PostedMessage {
	if ts == "" {
		return nil
	}
	for _, m := range rs.messages {
		if m.Channel == channel && m.TS == ts {
			return m
		}
	}
	return nil
}

func (rs *recordState) removeMessage(m *PostedMessage) {
	rs.messages = slices.DeleteFunc(rs.messages, func(have *PostedMessage) bool { return have == m })
}

func (rs *recordState) acksFor(envelopeID string) []Ack {
	var out []Ack
	for _, a := range rs.acks {
		if a.EnvelopeID == envelopeID {
			out = append(out, a)
		}
	}
	return out
}

// recordCallLocked appends c, completed with the answer res, and wakes
// waiters.
func (s *Server) recordCallLocked(c Call, res apiResult) {
	c.At = s.opts.Now()
	c.Form = cloneValues(c.Form)
	c.Status = res.httpStatus()
	c.SlackError = res.err
	s.rec.calls = append(s.rec.calls, c)
	s.notify()
}

func cloneValues(v url.Values) url.Values {
	if v == nil {
		return nil
	}
	out := make(url.Values, len(v))
	for k, vs := range v {
		out[k] = slices.Clone(vs)
	}
	return out
}

func cloneCall(c Call) Call {
	c.Form = cloneValues(c.Form)
	return c
}

// Calls returns every recorded call in arrival order.
func (s *Server) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Call, len(s.rec.calls))
	for i, c := range s.rec.calls {
		out[i] = cloneCall(c)
	}
	return out
}

// WaitForCall returns the first call, recorded at any time since Start, to
// method for which match (nil matches all) reports true, waiting for one
// until ctx ends. match runs with the server locked: keep it a pure check.
func (s *Server) WaitForCall(ctx context.Context, method string, match func(Call) bool) (Call, error) {
	var found Call
	err := s.waitFor(ctx, func() bool {
		for _, c := range s.rec.calls {
			if c.Method == method && (match == nil || match(cloneCall(c))) {
				found = cloneCall(c)
				return true
			}
		}
		return false
	})
	if err != nil {
		return Call{}, fmt.Errorf("slacktest: wait for %s call: %w", method, err)
	}
	return found, nil
}

// Acks returns every ack received, in arrival order.
func (s *Server) Acks() []Ack {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.rec.acks)
}

// WaitAck returns the first ack for envelopeID, waiting for it until ctx ends.
func (s *Server) WaitAck(ctx context.Context, envelopeID string) (Ack, error) {
	var found Ack
	err := s.waitFor(ctx, func() bool {
		acks := s.rec.acksFor(envelopeID)
		if len(acks) == 0 {
			return false
		}
		found = acks[0]
		return true
	})
	if err != nil {
		return Ack{}, fmt.Errorf("slacktest: wait for ack of %q: %w", envelopeID, err)
	}
	return found, nil
}

// Messages returns the messages in channel as they are now (after updates,
// without deleted ones), in post order, thread replies and ephemeral
// messages included.
func (s *Server) Messages(channel string) []PostedMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []PostedMessage
	for _, m := range s.rec.messages {
		if m.Channel == channel {
			c := *m
			c.FileIDs = slices.Clone(m.FileIDs)
			out = append(out, c)
		}
	}
	return out
}

// WaitForMessage returns the first message in channel for which match (nil
// matches all) reports true, waiting for one until ctx ends. match runs with
// the server locked: keep it a pure check.
func (s *Server) WaitForMessage(ctx context.Context, channel string, match func(PostedMessage) bool) (PostedMessage, error) {
	var found PostedMessage
	err := s.waitFor(ctx, func() bool {
		for _, m := range s.rec.messages {
			if m.Channel == channel && (match == nil || match(*m)) {
				found = *m
				found.FileIDs = slices.Clone(m.FileIDs)
				return true
			}
		}
		return false
	})
	if err != nil {
		return PostedMessage{}, fmt.Errorf("slacktest: wait for message in %s: %w", channel, err)
	}
	return found, nil
}

// ResponseURLPosts returns the JSON bodies posted to ResponseURL(id), in
// order. Posts failed by FailNext are not included.
func (s *Server) ResponseURLPosts(id string) []json.RawMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.rec.responsePosts[id])
}

// Reactions returns the reaction names the bot added to the message at
// channel and ts, in order.
func (s *Server) Reactions(channel, ts string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.rec.reactions[reactionKey(channel, ts)])
}

// Files returns every file started with files.getUploadURLExternal, in order.
func (s *Server) Files() []File {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]File, 0, len(s.rec.fileOrder))
	for _, id := range s.rec.fileOrder {
		f := *s.rec.files[id]
		f.Content = slices.Clone(f.Content)
		f.Channels = slices.Clone(f.Channels)
		out = append(out, f)
	}
	return out
}
