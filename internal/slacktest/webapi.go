package slacktest

import (
	"bytes"
	"encoding/json"
	"io"
	"maps"
	"mime"
	"net/http"
	"net/url"
	"strings"
)

// maxBody bounds request bodies read by the fake.
const maxBody = 64 << 20

// apiRequest is one Web API call, decoded from whichever encoding the client
// chose: slack-go posts most methods form-encoded with the token in the form,
// and apps.connections.open as JSON with an Authorization: Bearer header.
type apiRequest struct {
	method string
	token  string
	form   url.Values                 // query and form fields
	body   json.RawMessage            // the raw JSON body, if JSON
	fields map[string]json.RawMessage // the JSON body's top-level fields
}

func parseAPIRequest(r *http.Request, method string) (*apiRequest, error) {
	req := &apiRequest{method: method, form: url.Values{}}
	ctype, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch ctype {
	case "application/json":
		body, err := io.ReadAll(io.LimitReader(r.Body, maxBody))
		if err != nil {
			return req, err
		}
		req.form = r.URL.Query()
		if len(bytes.TrimSpace(body)) > 0 {
			req.body = body
			if err := json.Unmarshal(body, &req.fields); err != nil {
				return req, err
			}
		}
	case "multipart/form-data":
		if err := r.ParseMultipartForm(maxBody); err != nil {
			return req, err
		}
		req.form = r.Form
	default:
		// ParseForm caps url-encoded bodies at 10MB.
		if err := r.ParseForm(); err != nil {
			return req, err
		}
		req.form = r.Form
	}
	if tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok && tok != "" {
		req.token = tok
	} else {
		req.token = req.get("token")
	}
	return req, nil
}

// has reports whether the request carries the field at all.
func (r *apiRequest) has(key string) bool {
	_, inForm := r.form[key]
	_, inJSON := r.fields[key]
	return inForm || inJSON
}

// get returns a field as a string: form values as sent, JSON strings
// unquoted, other JSON values as their literal text.
func (r *apiRequest) get(key string) string {
	if v, ok := r.form[key]; ok && len(v) > 0 {
		return v[0]
	}
	raw, ok := r.fields[key]
	if !ok {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	return string(raw)
}

// raw returns a JSON-valued field such as blocks or attachments. Slack
// accepts these JSON-encoded inside a form field or a JSON string, or as
// plain JSON in a JSON body. Empty, null and invalid values give nil.
func (r *apiRequest) raw(key string) json.RawMessage {
	var data []byte
	if v, ok := r.form[key]; ok && len(v) > 0 {
		data = []byte(v[0])
	} else if f, ok := r.fields[key]; ok {
		var s string
		if json.Unmarshal(f, &s) == nil {
			data = []byte(s)
		} else {
			data = f
		}
	}
	return compactJSON(data)
}

// compactJSON returns data compacted, or nil when it is empty, null or
// not JSON.
func compactJSON(data []byte) json.RawMessage {
	var buf bytes.Buffer
	if json.Compact(&buf, data) != nil || buf.Len() == 0 || buf.String() == "null" {
		return nil
	}
	return buf.Bytes()
}

// apiResult is a handler's answer, written as Slack's response envelope.
type apiResult struct {
	status int    // HTTP status; 0 means 200
	err    string // non-empty makes the answer ok:false
	body   map[string]any
	header http.Header
}

func okResult(body map[string]any) apiResult { return apiResult{body: body} }

func errResult(slackErr string) apiResult { return apiResult{err: slackErr} }

func (res apiResult) httpStatus() int {
	if res.status == 0 {
		return http.StatusOK
	}
	return res.status
}

func writeResult(w http.ResponseWriter, res apiResult) {
	out := make(map[string]any, len(res.body)+2)
	maps.Copy(out, res.body)
	out["ok"] = res.err == ""
	if res.err != "" {
		out["error"] = res.err
	}
	maps.Copy(w.Header(), res.header)
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(res.httpStatus())
	_ = json.NewEncoder(w).Encode(out)
}

// handleAPI serves /api/{method}.
func (s *Server) handleAPI(w http.ResponseWriter, r *http.Request) {
	method := strings.TrimPrefix(r.URL.Path, apiPath)
	req, parseErr := parseAPIRequest(r, method)
	s.mu.Lock()
	var res apiResult
	if parseErr != nil {
		res = errResult("invalid_form_data")
	} else {
		res = s.dispatchLocked(req)
	}
	s.recordCallLocked(Call{Method: method, Token: req.token, Form: req.form, JSON: req.body}, res)
	s.mu.Unlock()
	writeResult(w, res)
}

type apiHandler func(s *Server, req *apiRequest) apiResult

// handlerFor maps a Web API method to its handler, or nil.
func handlerFor(method string) apiHandler {
	switch method {
	case "auth.test":
		return (*Server).authTestLocked
	case "apps.connections.open":
		return (*Server).connectionsOpenLocked
	case "chat.postMessage":
		return (*Server).postMessageLocked
	case "chat.update":
		return (*Server).updateMessageLocked
	case "chat.postEphemeral":
		return (*Server).postEphemeralLocked
	case "reactions.add":
		return (*Server).addReactionLocked
	case "users.info":
		return (*Server).usersInfoLocked
	case "usergroups.users.list":
		return (*Server).userGroupUsersLocked
	case "files.getUploadURLExternal":
		return (*Server).getUploadURLLocked
	case "files.completeUploadExternal":
		return (*Server).completeUploadLocked
	}
	return nil
}

// dispatchLocked applies, in order: an injected fault, unknown_method, the
// token check, then the method itself.
func (s *Server) dispatchLocked(req *apiRequest) apiResult {
	if f, ok := s.takeFaultLocked(req.method); ok {
		return f.result()
	}
	h := handlerFor(req.method)
	if h == nil {
		return apiResult{err: "unknown_method", body: map[string]any{"req_method": req.method}}
	}
	want := s.opts.BotToken
	if req.method == "apps.connections.open" {
		want = s.opts.AppToken
	}
	switch {
	case req.token == "":
		return errResult("not_authed")
	case want != "" && req.token != want:
		return errResult("invalid_auth")
	}
	return h(s, req)
}

func (s *Server) authTestLocked(*apiRequest) apiResult {
	return okResult(map[string]any{
		"url":                   "https://" + s.teamDomain() + ".slack.com/",
		"team":                  s.opts.TeamName,
		"user":                  s.opts.BotName,
		"team_id":               s.opts.TeamID,
		"user_id":               s.opts.BotUserID,
		"bot_id":                s.opts.BotID,
		"is_enterprise_install": false,
	})
}

// connectionsOpenLocked hands out a single-use Socket Mode URL.
func (s *Server) connectionsOpenLocked(*apiRequest) apiResult {
	ticket := s.nextTicketLocked()
	s.socket.tickets[ticket] = struct{}{}
	wsURL := "ws://" + strings.TrimPrefix(s.baseURL, "http://") + linkPath +
		"?" + url.Values{"ticket": {ticket}, "app_id": {s.opts.AppID}}.Encode()
	return okResult(map[string]any{"url": wsURL})
}

func (s *Server) usersInfoLocked(req *apiRequest) apiResult {
	if ids := req.get("users"); ids != "" {
		var users []map[string]any
		for id := range strings.SplitSeq(ids, ",") {
			u, ok := s.opts.Users[strings.TrimSpace(id)]
			if !ok {
				return errResult("user_not_found")
			}
			users = append(users, userJSON(u))
		}
		return okResult(map[string]any{"users": users})
	}
	u, ok := s.opts.Users[req.get("user")]
	if !ok {
		return errResult("user_not_found")
	}
	return okResult(map[string]any{"user": userJSON(u)})
}

func userJSON(u User) map[string]any {
	return map[string]any{
		"id":        u.ID,
		"team_id":   u.TeamID,
		"name":      u.Name,
		"deleted":   u.Deleted,
		"real_name": u.RealName,
		"is_bot":    u.IsBot,
		"profile": map[string]any{
			"real_name":    u.RealName,
			"display_name": u.Name,
			"team":         u.TeamID,
		},
	}
}

func (s *Server) userGroupUsersLocked(req *apiRequest) apiResult {
	members, ok := s.opts.UserGroups[req.get("usergroup")]
	if !ok {
		return errResult("no_such_subteam")
	}
	return okResult(map[string]any{"users": append([]string{}, members...)})
}

func (s *Server) addReactionLocked(req *apiRequest) apiResult {
	name := strings.Trim(req.get("name"), ":")
	channel, ts := req.get("channel"), req.get("timestamp")
	switch {
	case channel == "" || ts == "":
		return errResult("no_item_specified")
	case name == "":
		return errResult("invalid_name")
	}
	key := reactionKey(channel, ts)
	for _, have := range s.rec.reactions[key] {
		if have == name {
			return errResult("already_reacted")
		}
	}
	s.rec.reactions[key] = append(s.rec.reactions[key], name)
	return okResult(nil)
}
