package kubelettest

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"log"
	"net"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// AuthenticateTokenFunc maps a bearer token to the user name and groups it
// authenticates as, or fails.
type AuthenticateTokenFunc func(ctx context.Context, token string) (user string, groups []string, err error)

// AuthorizeFunc allows a request by returning nil. verb, resource and
// subresource are what the kubelet derives from the request: get, nodes,
// stats for GET /stats/summary.
type AuthorizeFunc func(ctx context.Context, user string, groups []string, verb, resource, subresource string) error

// Options configures a Kubelet. The zero value is usable: every field
// documents its default.
type Options struct {
	// NodeName is the node the fake runs on: node.nodeName in the summary,
	// and part of its serving certificate's subject. Default "kubelettest".
	NodeName string
	// ClientCAs verifies client certificates, as the kubelet's
	// --client-ca-file does; pass the API server's client CA. A certificate
	// that does not verify is 401. Nil accepts any certificate unverified
	// and takes the user from it anyway, so tests without a CA can still
	// see who connected.
	ClientCAs *x509.CertPool
	// AuthenticateToken resolves a bearer token when no client certificate
	// was presented, as the kubelet's webhook authentication does with a
	// TokenReview; an error is 401. Nil ignores tokens, so such requests are
	// system:anonymous.
	AuthenticateToken AuthenticateTokenFunc
	// Authorize decides every authenticated request; an error is 403. Nil
	// allows everything.
	Authorize AuthorizeFunc
}

func (o Options) withDefaults() Options {
	if o.NodeName == "" {
		o.NodeName = "kubelettest"
	}
	return o
}

// Kubelet is the fake. Create it with [New] or [NewTest]; its methods are
// safe for concurrent use.
type Kubelet struct {
	opts    Options
	caPEM   []byte
	serving tls.Certificate

	requests atomic.Int64
	closing  chan struct{}  // closed by Close; releases hanging requests
	handlers sync.WaitGroup // running handlers; Add only under mu while !closed

	mu        sync.Mutex
	pods      map[podKey]*pod
	logs      map[logKey][]LogLine
	hang      chan struct{} // non-nil while hanging; closed by SetHang(false)
	started   bool
	closed    bool
	srv       *http.Server
	port      int32
	serveDone chan struct{}
}

type podKey struct{ namespace, name string }

type pod struct {
	uid     string
	volumes map[string]volume // by PVC name
}

type volume struct {
	used, capacity, inodesUsed, inodes uint64
}

// New creates a Kubelet with fresh serving certificates. It does not listen
// until [Kubelet.Start].
func New(opts Options) (*Kubelet, error) {
	opts = opts.withDefaults()
	caPEM, serving, err := newServingPKI(opts.NodeName)
	if err != nil {
		return nil, fmt.Errorf("kubelettest: %w", err)
	}
	return &Kubelet{
		opts:    opts,
		caPEM:   caPEM,
		serving: serving,
		closing: make(chan struct{}),
		pods:    map[podKey]*pod{},
		logs:    map[logKey][]LogLine{},
	}, nil
}

// NewTest creates and starts a Kubelet and closes it when the test ends.
func NewTest(tb testing.TB, opts Options) *Kubelet {
	tb.Helper()
	k, err := New(opts)
	if err != nil {
		tb.Fatalf("new fake kubelet: %v", err)
	}
	if err := k.Start(); err != nil {
		tb.Fatalf("start fake kubelet: %v", err)
	}
	tb.Cleanup(k.Close)
	return k
}

// Start listens on 127.0.0.1 on a free port and serves HTTPS in the
// background until Close.
func (k *Kubelet) Start() error {
	k.mu.Lock()
	defer k.mu.Unlock()
	switch {
	case k.closed:
		return errors.New("kubelettest: start: closed")
	case k.started:
		return errors.New("kubelettest: start: already started")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("kubelettest: listen: %w", err)
	}
	k.srv = &http.Server{
		Handler: http.HandlerFunc(k.serveHTTP),
		TLSConfig: &tls.Config{
			Certificates: []tls.Certificate{k.serving},
			// Verification happens per request, as in the kubelet, so a bad
			// certificate is a 401 the client can report rather than a
			// handshake failure.
			ClientAuth: tls.RequestClientCert,
			MinVersion: tls.VersionTLS12,
		},
		ReadHeaderTimeout: 10 * time.Second,
		// Handshake failures are expected in tests of the client's CA
		// checks; they are the client's error to report, not noise here.
		ErrorLog: log.New(io.Discard, "", 0),
	}
	k.port = int32(ln.Addr().(*net.TCPAddr).Port)
	k.serveDone = make(chan struct{})
	k.started = true
	srv, done := k.srv, k.serveDone
	go func() {
		defer close(done)
		_ = srv.ServeTLS(ln, "", "") // ErrServerClosed after Close
	}()
	return nil
}

// Close releases hanging requests, stops the server and waits for it. It is
// safe to call more than once, and before Start.
func (k *Kubelet) Close() {
	k.mu.Lock()
	if k.closed {
		k.mu.Unlock()
		return
	}
	k.closed = true
	close(k.closing)
	srv, done := k.srv, k.serveDone
	k.mu.Unlock()
	if srv == nil {
		return
	}
	// Close rather than Shutdown: a graceful HTTP/2 shutdown waits a second
	// for clients to act on GOAWAY, in every test. Closing the connections
	// cancels the handlers' contexts, and closing released hanging ones.
	_ = srv.Close()
	<-done
	k.handlers.Wait()
}

// Port is the listening port, 0 before Start.
func (k *Kubelet) Port() int32 {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.port
}

// NodeName is Options.NodeName after defaults.
func (k *Kubelet) NodeName() string { return k.opts.NodeName }

// Addr is 127.0.0.1:Port, for logs and error messages in tests.
func (k *Kubelet) Addr() string {
	return net.JoinHostPort("127.0.0.1", strconv.Itoa(int(k.Port())))
}

// CAPEM is the PEM certificate of the CA that signed the serving
// certificate, to write into watchers.pvc.caFile.
func (k *Kubelet) CAPEM() []byte { return append([]byte(nil), k.caPEM...) }

// CABundle concatenates the CAs of several fakes into one PEM bundle, the
// watchers.pvc.caFile of a test with several nodes: unlike a real cluster's
// kubelets, every fake has a CA of its own.
func CABundle(ks ...*Kubelet) []byte {
	var b []byte
	for _, k := range ks {
		b = append(b, k.caPEM...)
	}
	return b
}

// SetVolume sets the usage of PVC pvc as mounted by pod in namespace,
// adding the pod and the volume if needed. inodes 0 leaves the inode fields
// out, as the kubelet does for block-mode and some CSI volumes.
func (k *Kubelet) SetVolume(namespace, podName, pvc string, used, capacity, inodesUsed, inodes uint64) {
	k.mu.Lock()
	defer k.mu.Unlock()
	key := podKey{namespace, podName}
	p := k.pods[key]
	if p == nil {
		p = &pod{uid: podUID(namespace, podName), volumes: map[string]volume{}}
		k.pods[key] = p
	}
	p.volumes[pvc] = volume{used: used, capacity: capacity, inodesUsed: inodesUsed, inodes: inodes}
}

// RemoveVolume removes PVC pvc in namespace from every pod that mounts it,
// and the pods left with no PVC.
func (k *Kubelet) RemoveVolume(namespace, pvc string) {
	k.mu.Lock()
	defer k.mu.Unlock()
	for key, p := range k.pods {
		if key.namespace != namespace {
			continue
		}
		delete(p.volumes, pvc)
		if len(p.volumes) == 0 {
			delete(k.pods, key)
		}
	}
}

// SetHang makes requests block, before authentication, until the client
// gives up, SetHang(false) or Close: a kubelet that accepts connections but
// never answers.
func (k *Kubelet) SetHang(hang bool) {
	k.mu.Lock()
	defer k.mu.Unlock()
	switch {
	case hang && k.hang == nil:
		k.hang = make(chan struct{})
	case !hang && k.hang != nil:
		close(k.hang)
		k.hang = nil
	}
}

// Requests is how many HTTP requests arrived, whatever their outcome.
func (k *Kubelet) Requests() int { return int(k.requests.Load()) }

// podUID is stable per pod so repeated summaries agree, as a kubelet's do.
func podUID(namespace, name string) string {
	f := fnv.New64a()
	_, _ = f.Write([]byte(namespace + "/" + name))
	h := f.Sum64()
	return fmt.Sprintf("%08x-%04x-%04x-%04x-%012x", uint32(h>>32), uint16(h>>16), uint16(h), uint16(h>>48), h&0xffffffffffff)
}
