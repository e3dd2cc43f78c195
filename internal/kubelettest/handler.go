package kubelettest

import (
	"crypto/x509"
	"fmt"
	"net/http"
	"strings"
)

// Identities of an unauthenticated request, as the kubelet names them.
const (
	anonymousUser  = "system:anonymous"
	anonymousGroup = "system:unauthenticated"
)

const summaryPath = "/stats/summary"

// serveHTTP runs the kubelet's filter chain in its order: authenticate,
// authorize, route.
func (k *Kubelet) serveHTTP(w http.ResponseWriter, r *http.Request) {
	k.requests.Add(1)
	k.mu.Lock()
	if k.closed {
		k.mu.Unlock()
		http.Error(w, "kubelet shutting down", http.StatusServiceUnavailable)
		return
	}
	k.handlers.Add(1)
	k.mu.Unlock()
	defer k.handlers.Done()

	if !k.waitHang(r) {
		// A dead kubelet never answers: abort the stream rather than let
		// net/http send an empty 200 that a client could mistake for data.
		panic(http.ErrAbortHandler)
	}

	user, groups, ok := k.authenticate(r)
	if !ok {
		http.Error(w, "Unauthorized", http.StatusUnauthorized)
		return
	}
	verb, subresource := attributes(r)
	if k.opts.Authorize != nil {
		if err := k.opts.Authorize(r.Context(), user, groups, verb, "nodes", subresource); err != nil {
			// The kubelet's own message; the reason stays in its log.
			http.Error(w, fmt.Sprintf("Forbidden (user=%s, verb=%s, resource=%s, subresource(s)=[%s])", user, verb, "nodes", subresource), http.StatusForbidden)
			return
		}
	}

	if r.URL.Path != summaryPath && !isSubpath(r.URL.Path, containerLogsPath) {
		http.NotFound(w, r)
		return
	}
	if r.Method != http.MethodGet {
		w.Header().Set("Allow", http.MethodGet)
		http.Error(w, "Method Not Allowed", http.StatusMethodNotAllowed)
		return
	}
	if r.URL.Path != summaryPath {
		k.serveContainerLogs(w, r)
		return
	}
	body, err := k.SummaryJSON()
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(body)
}

// waitHang blocks while the fake is set to hang. It reports whether to go
// on serving: false when the client gave up or the fake is closing.
func (k *Kubelet) waitHang(r *http.Request) bool {
	k.mu.Lock()
	hang := k.hang
	k.mu.Unlock()
	if hang == nil {
		return true
	}
	select {
	case <-hang:
		return true
	case <-r.Context().Done():
		return false
	case <-k.closing:
		return false
	}
}

// authenticate mirrors the kubelet's union authenticator: a client
// certificate first, then a bearer token, else anonymous.
func (k *Kubelet) authenticate(r *http.Request) (user string, groups []string, ok bool) {
	if r.TLS != nil && len(r.TLS.PeerCertificates) > 0 {
		leaf := r.TLS.PeerCertificates[0]
		if k.opts.ClientCAs != nil {
			inter := x509.NewCertPool()
			for _, c := range r.TLS.PeerCertificates[1:] {
				inter.AddCert(c)
			}
			_, err := leaf.Verify(x509.VerifyOptions{
				Roots:         k.opts.ClientCAs,
				Intermediates: inter,
				KeyUsages:     []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
			})
			if err != nil {
				return "", nil, false
			}
		}
		return leaf.Subject.CommonName, leaf.Subject.Organization, true
	}
	if token, found := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); found && k.opts.AuthenticateToken != nil {
		user, groups, err := k.opts.AuthenticateToken(r.Context(), strings.TrimSpace(token))
		if err != nil {
			return "", nil, false
		}
		return user, groups, true
	}
	return anonymousUser, []string{anonymousGroup}, true
}

// attributes maps a request to the verb and nodes subresource the kubelet
// authorizes it as (pkg/kubelet/server/auth.go).
func attributes(r *http.Request) (verb, subresource string) {
	switch r.Method {
	case http.MethodGet:
		verb = "get"
	case http.MethodPost:
		verb = "create"
	case http.MethodPut:
		verb = "update"
	case http.MethodPatch:
		verb = "patch"
	case http.MethodDelete:
		verb = "delete"
	}
	switch p := r.URL.Path; {
	case isSubpath(p, "/stats"):
		subresource = "stats"
	case isSubpath(p, "/metrics"):
		subresource = "metrics"
	case isSubpath(p, "/logs"):
		subresource = "log"
	default:
		subresource = "proxy"
	}
	return verb, subresource
}

func isSubpath(p, prefix string) bool {
	return p == prefix || strings.HasPrefix(p, prefix+"/")
}
