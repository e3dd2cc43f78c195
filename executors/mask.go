package executors

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"regexp"
	"strings"
)

// maskedValue replaces the value of a masked env var.
const maskedValue = "***"

// envMasker masks the values of environment variables whose names match
// Options.SecretEnvNames, wherever a container list appears in an object
// (pod specs, pod templates of workloads, CRDs that embed either).
type envMasker struct{ re *regexp.Regexp }

// envMasker compiles Options.SecretEnvNames: case-insensitive globs where *
// is any run of characters and ? one character.
func (r *Runner) envMasker() envMasker {
	var alts []string
	for _, p := range r.opts.SecretEnvNames {
		var sb strings.Builder
		for _, ch := range p {
			switch ch {
			case '*':
				sb.WriteString(".*")
			case '?':
				sb.WriteString(".")
			default:
				sb.WriteString(regexp.QuoteMeta(string(ch)))
			}
		}
		alts = append(alts, sb.String())
	}
	if len(alts) == 0 {
		return envMasker{}
	}
	return envMasker{re: regexp.MustCompile(`(?is)^(?:` + strings.Join(alts, "|") + `)$`)}
}

// secret reports whether the env var name is masked.
func (m envMasker) secret(name string) bool { return m.re != nil && m.re.MatchString(name) }

// containerLists are the keys under which a pod spec holds containers.
var containerLists = map[string]bool{"containers": true, "initContainers": true, "ephemeralContainers": true}

// object masks env values in a decoded JSON object in place.
func (m envMasker) object(v any) {
	if m.re == nil {
		return
	}
	switch t := v.(type) {
	case map[string]any:
		for k, child := range t {
			if containerLists[k] {
				if list, ok := child.([]any); ok {
					for _, c := range list {
						if cm, ok := c.(map[string]any); ok {
							m.env(cm["env"])
						}
					}
				}
			}
			m.object(child)
		}
	case []any:
		for _, child := range t {
			m.object(child)
		}
	}
}

func (m envMasker) env(v any) {
	list, ok := v.([]any)
	if !ok {
		return
	}
	for _, e := range list {
		em, ok := e.(map[string]any)
		if !ok {
			continue
		}
		name, _ := em["name"].(string)
		if _, has := em["value"]; has && m.secret(name) {
			em["value"] = maskedValue
		}
	}
}

// maskJSON masks env values in a JSON document; documents that cannot hold
// env vars are returned unchanged.
func (m envMasker) maskJSON(data []byte) ([]byte, error) {
	if m.re == nil || !bytes.Contains(data, []byte(`"env"`)) {
		return data, nil
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("mask env: %w", err)
	}
	m.object(v)
	return json.Marshal(v)
}

// maskTransport masks env values in every API response, so code that fetches
// objects itself (kubectl's describers) never sees a secret env value. It
// fails closed on bodies it cannot read: only JSON is accepted.
type maskTransport struct {
	next http.RoundTripper
	mask envMasker
}

func (t *maskTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.next.RoundTrip(req)
	if err != nil || resp.Body == nil {
		return resp, err
	}
	ct := resp.Header.Get("Content-Type")
	if mt, _, perr := mime.ParseMediaType(ct); ct != "" && (perr != nil || mt != "application/json") {
		_ = resp.Body.Close()
		return nil, fmt.Errorf("mask env: unexpected content type %q", ct)
	}
	data, err := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if err != nil {
		return nil, fmt.Errorf("mask env: read response: %w", err)
	}
	if resp.StatusCode < 300 {
		if data, err = t.mask.maskJSON(data); err != nil {
			return nil, err
		}
	}
	resp.Body = io.NopCloser(bytes.NewReader(data))
	resp.ContentLength = int64(len(data))
	resp.Header.Del("Content-Length")
	return resp, nil
}
