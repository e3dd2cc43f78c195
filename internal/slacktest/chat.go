package slacktest

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// Values of PostedMessage.Via.
const (
	ViaPostMessage    = "chat.postMessage"
	ViaPostEphemeral  = "chat.postEphemeral"
	ViaResponseURL    = "response_url"
	ViaAck            = "ack" // a slash command's ack payload
	ViaCompleteUpload = "files.completeUploadExternal"
)

// MethodResponseURL is the Call.Method recorded for response_url posts, and
// the method name FailNext uses to fail them.
const MethodResponseURL = "response_url"

func (s *Server) postMessageLocked(req *apiRequest) apiResult {
	channel := req.get("channel")
	if channel == "" {
		return errResult("channel_not_found")
	}
	m := &PostedMessage{
		Channel:     channel,
		ThreadTS:    req.get("thread_ts"),
		Text:        req.get("text"),
		Blocks:      req.raw("blocks"),
		Attachments: req.raw("attachments"),
		Via:         ViaPostMessage,
	}
	if m.Text == "" && m.Blocks == nil && m.Attachments == nil {
		return errResult("no_text")
	}
	if res, limited := s.rateLimitLocked(channel); limited {
		return res
	}
	m.TS = s.nextTSLocked()
	s.rec.addMessage(m)
	return okResult(map[string]any{"channel": channel, "ts": m.TS, "message": s.messageJSONLocked(m)})
}

func (s *Server) updateMessageLocked(req *apiRequest) apiResult {
	channel, ts := req.get("channel"), req.get("ts")
	switch {
	case channel == "":
		return errResult("channel_not_found")
	case ts == "":
		return errResult("message_not_found")
	}
	m := s.rec.findMessage(channel, ts)
	if m == nil || m.Ephemeral {
		return errResult("message_not_found")
	}
	text, blocks, attachments := req.get("text"), req.raw("blocks"), req.raw("attachments")
	if text == "" && blocks == nil && attachments == nil {
		return errResult("no_text")
	}
	if res, limited := s.rateLimitLocked(channel); limited {
		return res
	}
	// Slack replaces the text, and keeps blocks and attachments the call omits.
	m.Text = text
	if req.has("blocks") {
		m.Blocks = blocks
	}
	if req.has("attachments") {
		m.Attachments = attachments
	}
	m.Updated++
	s.notify()
	return okResult(map[string]any{"channel": channel, "ts": ts, "text": m.Text, "message": s.messageJSONLocked(m)})
}

func (s *Server) postEphemeralLocked(req *apiRequest) apiResult {
	m := &PostedMessage{
		Channel:   req.get("channel"),
		User:      req.get("user"),
		ThreadTS:  req.get("thread_ts"),
		Text:      req.get("text"),
		Blocks:    req.raw("blocks"),
		Ephemeral: true,
		Via:       ViaPostEphemeral,
	}
	switch {
	case m.Channel == "":
		return errResult("channel_not_found")
	case m.User == "":
		return errResult("user_not_found")
	case m.Text == "" && m.Blocks == nil:
		return errResult("no_text")
	}
	m.TS = s.nextTSLocked()
	s.rec.addMessage(m)
	return okResult(map[string]any{"message_ts": m.TS})
}

// messageJSONLocked renders m as Slack's message object for a bot post.
func (s *Server) messageJSONLocked(m *PostedMessage) map[string]any {
	out := map[string]any{
		"type":   "message",
		"user":   s.opts.BotUserID,
		"bot_id": s.opts.BotID,
		"app_id": s.opts.AppID,
		"team":   s.opts.TeamID,
		"text":   m.Text,
		"ts":     m.TS,
		"bot_profile": map[string]any{
			"id": s.opts.BotID, "app_id": s.opts.AppID, "name": s.opts.BotName,
			"team_id": s.opts.TeamID, "deleted": false,
		},
	}
	if m.ThreadTS != "" {
		out["thread_ts"] = m.ThreadTS
	}
	if m.Blocks != nil {
		out["blocks"] = m.Blocks
	}
	if m.Attachments != nil {
		out["attachments"] = m.Attachments
	}
	if m.Updated > 0 {
		out["edited"] = map[string]any{"user": s.opts.BotUserID, "ts": m.TS}
	}
	return out
}

// responseTarget is what a response_url (or a slash command's ack) acts on.
type responseTarget struct {
	channel, user, messageTS string
}

// bindResponseURLLocked returns u, or a fresh ResponseURL when u is empty,
// and binds the URL to target when it points at this server.
func (s *Server) bindResponseURLLocked(u string, target responseTarget) string {
	if u == "" {
		u = s.responseURLLocked(s.nextResponseIDLocked())
	}
	if id, ok := s.responseIDFromURL(u); ok {
		s.web.targets[id] = target
	}
	return u
}

// responseMessage is the JSON body of a response_url post or an ack payload.
type responseMessage struct {
	Text            string          `json:"text"`
	Blocks          json.RawMessage `json:"blocks"`
	Attachments     json.RawMessage `json:"attachments"`
	ThreadTS        string          `json:"thread_ts"`
	ResponseType    string          `json:"response_type"`
	ReplaceOriginal bool            `json:"replace_original"`
	DeleteOriginal  bool            `json:"delete_original"`
}

// handleResponseURL serves posts to URLs made by ResponseURL.
func (s *Server) handleResponseURL(w http.ResponseWriter, r *http.Request) {
	id := strings.TrimPrefix(r.URL.Path, responsePath)
	if r.Method != http.MethodPost {
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody))
	s.mu.Lock()
	var res apiResult
	if err != nil {
		res = apiResult{status: http.StatusBadRequest, err: "invalid_payload"}
	} else {
		res = s.respondLocked(id, body)
	}
	s.recordCallLocked(Call{Method: MethodResponseURL, Form: url.Values{"id": {id}}, JSON: body}, res)
	s.mu.Unlock()
	writeResult(w, res)
}

// respondLocked applies one response_url post: a new message (ephemeral
// unless response_type is "in_channel"), or with replace_original or
// delete_original a change to the message the URL was bound to.
func (s *Server) respondLocked(id string, body []byte) apiResult {
	if f, ok := s.takeFaultLocked(MethodResponseURL); ok {
		return f.result()
	}
	var msg responseMessage
	if err := json.Unmarshal(body, &msg); err != nil {
		return apiResult{status: http.StatusBadRequest, err: "invalid_payload"}
	}
	s.rec.responsePosts[id] = append(s.rec.responsePosts[id], append(json.RawMessage(nil), body...))
	s.notify()
	target, ok := s.web.targets[id]
	if !ok {
		return okResult(nil)
	}
	if orig := s.rec.findMessage(target.channel, target.messageTS); orig != nil {
		switch {
		case msg.DeleteOriginal:
			s.rec.removeMessage(orig)
			return okResult(nil)
		case msg.ReplaceOriginal:
			orig.Text = msg.Text
			orig.Blocks = compactJSON(msg.Blocks)
			orig.Attachments = compactJSON(msg.Attachments)
			orig.Updated++
			return okResult(nil)
		}
	}
	s.postResponseLocked(target, msg, ViaResponseURL)
	return okResult(nil)
}

func (s *Server) postResponseLocked(target responseTarget, msg responseMessage, via string) {
	m := &PostedMessage{
		Channel:      target.channel,
		ThreadTS:     msg.ThreadTS,
		Text:         msg.Text,
		Blocks:       compactJSON(msg.Blocks),
		Attachments:  compactJSON(msg.Attachments),
		Ephemeral:    msg.ResponseType != "in_channel",
		Via:          via,
		ResponseType: msg.ResponseType,
	}
	if m.Ephemeral {
		m.User = target.user
	}
	m.TS = s.nextTSLocked()
	s.rec.addMessage(m)
}

// postAckPayloadLocked turns a slash command's ack payload into the command's
// response, as Slack does with accepts_response_payload.
func (s *Server) postAckPayloadLocked(target responseTarget, payload json.RawMessage) {
	var msg responseMessage
	if compactJSON(payload) == nil || json.Unmarshal(payload, &msg) != nil {
		return
	}
	if msg.Text == "" && compactJSON(msg.Blocks) == nil {
		return
	}
	s.postResponseLocked(target, msg, ViaAck)
}
