package volumestats

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/rs/zerolog"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
)

// Errors a Summary can be checked for with errors.Is.
var (
	// ErrUnauthorized means the kubelet or API server did not accept
	// Watchkeeper's credentials.
	ErrUnauthorized = errors.New("unauthorized")
	// ErrForbidden means Watchkeeper's identity lacks the permission the
	// source needs: get on nodes/stats (kubelet) or nodes/proxy
	// (apiserverProxy).
	ErrForbidden = errors.New("forbidden")
	// ErrBodyTooLarge means a summary exceeded Config.MaxBodyBytes.
	ErrBodyTooLarge = errors.New("summary too large")
)

// Client fetches kubelet stats summaries. It is safe for concurrent use.
type Client struct {
	cfg   Config
	fetch fetcher
	log   zerolog.Logger
}

// fetcher returns the body of one node's summary; the caller closes it.
type fetcher interface {
	fetch(ctx context.Context, n Node) (io.ReadCloser, error)
}

// NewClient validates cfg and builds the HTTP machinery for its source
// from restCfg, which it does not modify. It makes no network calls.
//
// In kubelet mode the requests carry restCfg's credentials (token, client
// certificate or exec plugin) but not its server name or impersonation,
// which belong to the API server; the CA is cfg.CAFile's if set. In
// apiserverProxy mode restCfg is used as is.
func NewClient(cfg Config, restCfg *rest.Config, log zerolog.Logger) (*Client, error) {
	cfg = cfg.WithDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("volume stats client: %w", err)
	}
	if restCfg == nil {
		return nil, errors.New("volume stats client: rest config is required")
	}
	log = log.With().Str("component", "volumestats").Str("source", string(cfg.Source)).Logger()

	var f fetcher
	var err error
	switch cfg.Source {
	case SourceKubelet:
		f, err = newKubeletFetcher(cfg, restCfg, log)
	case SourceAPIServerProxy:
		f, err = newProxyFetcher(restCfg)
	}
	if err != nil {
		return nil, fmt.Errorf("volume stats client: %w", err)
	}
	return &Client{cfg: cfg, fetch: f, log: log}, nil
}

// Summary fetches and parses one node's summary, bounded by Config.Timeout
// and Config.MaxBodyBytes. Errors name the node and the source.
func (c *Client) Summary(ctx context.Context, n Node) ([]VolumeStats, error) {
	if n.Name == "" {
		return nil, fmt.Errorf("volume stats (%s): node has no name", c.cfg.Source)
	}
	reqCtx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	stats, err := c.summary(reqCtx, n)
	if err != nil {
		// Say which limit ended the request: ours, or the caller's.
		if ctx.Err() == nil && errors.Is(reqCtx.Err(), context.DeadlineExceeded) {
			err = fmt.Errorf("timed out after %s: %w", c.cfg.Timeout, err)
		}
		return nil, fmt.Errorf("volume stats of node %s (%s): %w", n.Name, c.cfg.Source, err)
	}
	return stats, nil
}

func (c *Client) summary(ctx context.Context, n Node) ([]VolumeStats, error) {
	body, err := c.fetch.fetch(ctx, n)
	if err != nil {
		return nil, err
	}
	defer func() {
		// Reading the little the decoder left lets the connection be reused.
		_, _ = io.CopyN(io.Discard, body, 4<<10)
		_ = body.Close()
	}()
	return parseSummary(&limitedReader{r: body, left: c.cfg.MaxBodyBytes, max: c.cfg.MaxBodyBytes}, n.Name)
}

// Sweep polls nodes, at most Config.Concurrency at once, and calls report
// once per polled node as soon as that node is done, so one slow or dead
// kubelet delays no other node's report. Calls to report are serialized,
// so it need not be safe for concurrent use, but it should return quickly:
// while it runs, other finished nodes wait to be reported (not to be
// polled).
//
// Sweep returns when every node is reported, or, once ctx ends, when the
// requests in flight have ended and been reported (with ctx's error); nodes
// not yet started then are not reported.
func (c *Client) Sweep(ctx context.Context, nodes []Node, report func(node string, stats []VolumeStats, err error)) {
	sem := make(chan struct{}, c.cfg.Concurrency)
	var (
		wg               sync.WaitGroup
		mu               sync.Mutex
		reported, failed int
	)
	start := time.Now()
	defer func() {
		wg.Wait()
		c.log.Debug().Int("nodes", len(nodes)).Int("reported", reported).Int("failed", failed).Dur("took", time.Since(start)).Msg("volume stats sweep done")
	}()
	for _, n := range nodes {
		if ctx.Err() != nil {
			return
		}
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			return
		}
		wg.Go(func() {
			stats, err := c.Summary(ctx, n)
			<-sem // free the slot before reporting: a slow report must not stall polling
			mu.Lock()
			defer mu.Unlock()
			reported++
			if err != nil {
				failed++
			}
			report(n.Name, stats, err)
		})
	}
}

// limitedReader fails with ErrBodyTooLarge once more than max bytes arrive,
// where io.LimitReader would silently truncate into a confusing parse error.
type limitedReader struct {
	r         io.Reader
	left, max int64
}

func (l *limitedReader) Read(p []byte) (int, error) {
	if l.left <= 0 {
		// A body of exactly max bytes is fine; probe for one more.
		var one [1]byte
		if n, err := l.r.Read(one[:]); n == 0 {
			return 0, err
		}
		return 0, fmt.Errorf("%w: more than %d bytes (watchers.pvc.maxBodyBytes)", ErrBodyTooLarge, l.max)
	}
	if int64(len(p)) > l.left {
		p = p[:l.left]
	}
	n, err := l.r.Read(p)
	l.left -= int64(n)
	return n, err
}

// kubeletFetcher talks to kubelets directly.
type kubeletFetcher struct {
	client *http.Client
}

func newKubeletFetcher(cfg Config, restCfg *rest.Config, log zerolog.Logger) (*kubeletFetcher, error) {
	kc := rest.CopyConfig(restCfg)
	// The API server's TLS name would never match a node's certificate, and
	// kubelets ignore impersonation headers, so neither may leak across.
	kc.ServerName = ""
	kc.Impersonate = rest.ImpersonationConfig{}
	switch {
	case cfg.InsecureSkipVerify:
		// transport.New rejects a CA together with Insecure.
		kc.Insecure, kc.CAFile, kc.CAData = true, "", nil
	case cfg.CAFile != "":
		data, err := os.ReadFile(cfg.CAFile)
		if err != nil {
			return nil, fmt.Errorf("watchers.pvc.caFile: read: %w", err)
		}
		if !x509.NewCertPool().AppendCertsFromPEM(data) {
			return nil, fmt.Errorf("watchers.pvc.caFile: %s holds no PEM certificate", cfg.CAFile)
		}
		kc.Insecure, kc.CAFile, kc.CAData = false, "", data
	}
	if kc.Insecure {
		// Also when inherited from a kubeconfig's insecure-skip-tls-verify,
		// which the operator may not know now applies to every node too.
		key := "watchers.pvc.insecureSkipVerify"
		if !cfg.InsecureSkipVerify {
			key = "kubeconfig insecure-skip-tls-verify"
		}
		log.Warn().Str("key", key).
			Msg("kubelet serving certificates are not verified: anyone who can intercept traffic to a node can read Watchkeeper's credentials and forge volume stats")
	}
	rt, err := rest.TransportFor(kc)
	if err != nil {
		return nil, fmt.Errorf("kubelet transport: %w", err)
	}
	return &kubeletFetcher{client: &http.Client{
		Transport: rt,
		// A kubelet never redirects /stats/summary; following one would
		// hand Watchkeeper's token, which the transport adds to every
		// request, to wherever it points.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}, nil
}

func (f *kubeletFetcher) fetch(ctx context.Context, n Node) (io.ReadCloser, error) {
	if n.Address == "" {
		return nil, errors.New("no InternalIP address")
	}
	u := n.summaryURL()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, fmt.Errorf("build request for %s: %w", u, err)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := f.client.Do(req)
	if err != nil {
		return nil, err // *url.Error names the method and URL
	}
	if resp.StatusCode == http.StatusOK {
		return resp.Body, nil
	}
	defer resp.Body.Close()
	detail := snippet(resp.Body)
	switch resp.StatusCode {
	case http.StatusUnauthorized:
		return nil, fmt.Errorf("GET %s: %w: the kubelet did not accept the credentials: %s", u, ErrUnauthorized, detail)
	case http.StatusForbidden:
		return nil, fmt.Errorf("GET %s: %w: the kubelet requires get on nodes/stats: %s", u, ErrForbidden, detail)
	default:
		return nil, fmt.Errorf("GET %s: %s: %s", u, resp.Status, detail)
	}
}

// snippet is the start of an error body, enough for the kubelet's one-line
// messages, kept printable for logs.
func snippet(r io.Reader) string {
	b, _ := io.ReadAll(io.LimitReader(r, 512))
	s := strings.TrimSpace(strings.ToValidUTF8(string(b), "?"))
	if s == "" {
		return "empty body"
	}
	return s
}

// proxyFetcher goes through the API server's node proxy.
type proxyFetcher struct {
	rest rest.Interface
}

func newProxyFetcher(restCfg *rest.Config) (*proxyFetcher, error) {
	cs, err := kubernetes.NewForConfig(restCfg)
	if err != nil {
		return nil, fmt.Errorf("kubernetes client: %w", err)
	}
	return &proxyFetcher{rest: cs.CoreV1().RESTClient()}, nil
}

func (f *proxyFetcher) fetch(ctx context.Context, n Node) (io.ReadCloser, error) {
	// AbsPath keeps any path prefix in the rest.Config's host (as behind
	// Rancher's or other multi-cluster proxies).
	body, err := f.rest.Get().AbsPath("/api/v1/nodes", n.Name, "proxy", "stats", "summary").Stream(ctx)
	switch {
	case err == nil:
		return body, nil
	case apierrors.IsForbidden(err):
		return nil, fmt.Errorf("%w: the API server requires get on nodes/proxy: %w", ErrForbidden, err)
	case apierrors.IsUnauthorized(err):
		return nil, fmt.Errorf("%w: the API server did not accept the credentials: %w", ErrUnauthorized, err)
	default:
		return nil, fmt.Errorf("GET /api/v1/nodes/%s/proxy/stats/summary: %w", n.Name, err)
	}
}

// Interface guards.
var (
	_ fetcher = (*kubeletFetcher)(nil)
	_ fetcher = (*proxyFetcher)(nil)
)
