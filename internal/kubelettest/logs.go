package kubelettest

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

const containerLogsPath = "/containerLogs"

// LogLine is one line of a container's log and when it was written.
type LogLine struct {
	Time time.Time
	Text string
}

type logKey struct {
	namespace, pod, container string
	previous                  bool
}

// SetLogs sets the log of container in pod, all lines written now; previous
// sets the log of the container's previous (terminated) instance, what
// `kubectl logs -p` reads.
func (k *Kubelet) SetLogs(namespace, podName, container string, lines []string, previous bool) {
	now := time.Now()
	stamped := make([]LogLine, len(lines))
	for i, l := range lines {
		stamped[i] = LogLine{Time: now, Text: l}
	}
	k.SetLogLines(namespace, podName, container, stamped, previous)
}

// SetLogLines is SetLogs with a time per line, for sinceSeconds.
func (k *Kubelet) SetLogLines(namespace, podName, container string, lines []LogLine, previous bool) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.logs[logKey{namespace, podName, container, previous}] = append([]LogLine(nil), lines...)
}

// serveContainerLogs answers GET /containerLogs/{namespace}/{pod}/{container}
// as the kubelet does, with the query parameters the API server forwards
// for pods/log: tailLines, sinceSeconds, previous, timestamps and
// limitBytes, applied in the kubelet's order (tail and since choose lines,
// limitBytes cuts the result). follow is accepted and ignored: the stream
// ends after the stored lines.
func (k *Kubelet) serveContainerLogs(w http.ResponseWriter, r *http.Request) {
	parts := strings.Split(strings.TrimPrefix(r.URL.Path, containerLogsPath+"/"), "/")
	if len(parts) != 3 || parts[0] == "" || parts[1] == "" || parts[2] == "" {
		http.Error(w, `{"message": "Missing podID."}`, http.StatusBadRequest)
		return
	}
	ns, podName, container := parts[0], parts[1], parts[2]
	q := r.URL.Query()
	previous, _ := strconv.ParseBool(q.Get("previous"))
	timestamps, _ := strconv.ParseBool(q.Get("timestamps"))
	tail, err := optionalInt(q.Get("tailLines"))
	if err != nil {
		http.Error(w, "invalid tailLines: "+err.Error(), http.StatusBadRequest)
		return
	}
	since, err := optionalInt(q.Get("sinceSeconds"))
	if err != nil {
		http.Error(w, "invalid sinceSeconds: "+err.Error(), http.StatusBadRequest)
		return
	}
	limit, err := optionalInt(q.Get("limitBytes"))
	if err != nil {
		http.Error(w, "invalid limitBytes: "+err.Error(), http.StatusBadRequest)
		return
	}

	k.mu.Lock()
	lines, ok := k.logs[logKey{ns, podName, container, previous}]
	lines = append([]LogLine(nil), lines...)
	k.mu.Unlock()
	if !ok {
		// The kubelet's messages for a container it has no log of.
		if previous {
			http.Error(w, fmt.Sprintf("previous terminated container %q in pod %q not found", container, podName), http.StatusBadRequest)
			return
		}
		http.Error(w, fmt.Sprintf("container %q in pod %q is waiting to start: ContainerCreating", container, podName), http.StatusBadRequest)
		return
	}
	if since != nil {
		cutoff := time.Now().Add(-time.Duration(*since) * time.Second)
		kept := lines[:0]
		for _, l := range lines {
			if !l.Time.Before(cutoff) {
				kept = append(kept, l)
			}
		}
		lines = kept
	}
	if tail != nil && *tail >= 0 && int(*tail) < len(lines) {
		lines = lines[len(lines)-int(*tail):]
	}
	var b strings.Builder
	for _, l := range lines {
		if timestamps {
			b.WriteString(l.Time.UTC().Format(time.RFC3339Nano))
			b.WriteByte(' ')
		}
		b.WriteString(l.Text)
		b.WriteByte('\n')
	}
	out := b.String()
	if limit != nil && *limit >= 0 && int(*limit) < len(out) {
		out = out[:*limit]
	}
	w.Header().Set("Content-Type", "text/plain")
	_, _ = w.Write([]byte(out))
}

func optionalInt(s string) (*int64, error) {
	if s == "" {
		return nil, nil
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return nil, err
	}
	return &v, nil
}
