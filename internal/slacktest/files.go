package slacktest

import (
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// MethodFileUpload is the Call.Method recorded for posts to an upload URL
// from files.getUploadURLExternal, and the method name FailNext uses to fail
// them.
const MethodFileUpload = "file_upload"

// File is one file uploaded through the external upload flow.
type File struct {
	ID             string
	Name           string // filename given to files.getUploadURLExternal
	Title          string // from files.completeUploadExternal; default Name
	Length         int    // length declared to files.getUploadURLExternal
	Content        []byte // bytes posted to the upload URL
	Uploaded       bool
	Completed      bool
	Channels       []string // channel_id and channels from files.completeUploadExternal
	ThreadTS       string
	InitialComment string
}

func (s *Server) getUploadURLLocked(req *apiRequest) apiResult {
	name := req.get("filename")
	length, err := strconv.Atoi(req.get("length"))
	if name == "" || err != nil || length <= 0 {
		return errResult("invalid_arguments")
	}
	f := &File{ID: s.nextFileIDLocked(), Name: name, Length: length}
	s.rec.files[f.ID] = f
	s.rec.fileOrder = append(s.rec.fileOrder, f.ID)
	return okResult(map[string]any{
		"upload_url": s.baseURL + uploadPath + f.ID,
		"file_id":    f.ID,
	})
}

// handleUpload receives the file bytes, as a multipart "file" part (what
// slack-go sends) or as the raw body. Like Slack it answers "OK - <size>".
func (s *Server) handleUpload(w http.ResponseWriter, r *http.Request) {
	id := strings.TrimPrefix(r.URL.Path, uploadPath)
	if r.Method != http.MethodPost {
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	content, filename, readErr := readUpload(r)

	s.mu.Lock()
	res := apiResult{}
	if f, ok := s.takeFaultLocked(MethodFileUpload); ok {
		res = f.result()
	} else if file := s.rec.files[id]; file == nil {
		res = apiResult{status: http.StatusNotFound, err: "file_not_found"}
	} else if readErr != nil {
		res = apiResult{status: http.StatusBadRequest, err: "invalid_payload"}
	} else {
		file.Content = content
		file.Uploaded = true
	}
	s.recordCallLocked(Call{Method: MethodFileUpload, Form: url.Values{"file_id": {id}, "filename": {filename}}}, res)
	s.mu.Unlock()

	if res.err != "" {
		writeResult(w, res)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = fmt.Fprintf(w, "OK - %d", len(content))
}

func readUpload(r *http.Request) (content []byte, filename string, err error) {
	body := io.LimitReader(r.Body, maxBody)
	ctype, params, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ctype != "multipart/form-data" {
		content, err = io.ReadAll(body)
		return content, "", err
	}
	mr := multipart.NewReader(body, params["boundary"])
	for {
		part, err := mr.NextPart()
		if err != nil {
			return nil, "", fmt.Errorf("read multipart upload: %w", err)
		}
		if part.FormName() != "file" {
			continue
		}
		content, err = io.ReadAll(part)
		return content, part.FileName(), err
	}
}

func (s *Server) completeUploadLocked(req *apiRequest) apiResult {
	var summaries []struct {
		ID    string `json:"id"`
		Title string `json:"title"`
	}
	if err := json.Unmarshal(req.raw("files"), &summaries); err != nil || len(summaries) == 0 {
		return errResult("invalid_arguments")
	}
	var channels []string
	if c := req.get("channel_id"); c != "" {
		channels = append(channels, c)
	}
	for c := range strings.SplitSeq(req.get("channels"), ",") {
		if c = strings.TrimSpace(c); c != "" && !slices.Contains(channels, c) {
			channels = append(channels, c)
		}
	}
	files := make([]*File, 0, len(summaries))
	for _, sum := range summaries {
		f := s.rec.files[sum.ID]
		if f == nil || !f.Uploaded {
			return errResult("file_not_found")
		}
		f.Title = sum.Title
		if f.Title == "" {
			f.Title = f.Name
		}
		files = append(files, f)
	}
	out := make([]map[string]any, 0, len(files))
	ids := make([]string, 0, len(files))
	for _, f := range files {
		f.Completed = true
		f.Channels = channels
		f.ThreadTS = req.get("thread_ts")
		f.InitialComment = req.get("initial_comment")
		out = append(out, map[string]any{"id": f.ID, "title": f.Title})
		ids = append(ids, f.ID)
	}
	// Sharing a file posts a message carrying it, with the initial comment
	// as its text.
	for _, c := range channels {
		s.rec.addMessage(&PostedMessage{
			Channel:  c,
			TS:       s.nextTSLocked(),
			ThreadTS: req.get("thread_ts"),
			Text:     req.get("initial_comment"),
			Blocks:   req.raw("blocks"),
			FileIDs:  slices.Clone(ids),
			Via:      ViaCompleteUpload,
		})
	}
	return okResult(map[string]any{"files": out})
}
