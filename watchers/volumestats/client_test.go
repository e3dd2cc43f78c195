package volumestats

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"sync"
	"testing"
	"testing/iotest"
	"time"

	"github.com/rs/zerolog"
	"github.com/stretchr/testify/require"
	"k8s.io/client-go/rest"

	"github.com/watchkeeper/watchkeeper/internal/kubelettest"
)

// seen records the identities and attributes a fake kubelet authorized.
type seen struct {
	mu    sync.Mutex
	calls []authzCall
	deny  error
}

type authzCall struct {
	user                        string
	groups                      []string
	verb, resource, subresource string
}

func (s *seen) authorize(_ context.Context, user string, groups []string, verb, resource, subresource string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = append(s.calls, authzCall{user, groups, verb, resource, subresource})
	return s.deny
}

func (s *seen) all() []authzCall {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]authzCall(nil), s.calls...)
}

func nodeOf(k *kubelettest.Kubelet) Node {
	return Node{Name: k.NodeName(), Address: "127.0.0.1", Port: k.Port()}
}

func newClient(t *testing.T, cfg Config, restCfg *rest.Config) *Client {
	t.Helper()
	c, err := NewClient(cfg, restCfg, zerolog.New(zerolog.NewTestWriter(t)))
	require.NoError(t, err)
	return c
}

func ctx(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestKubeletClientCertificateAndCAFile(t *testing.T) {
	ca := newTestCA(t, "apiserver-client-ca")
	authz := &seen{}
	k := kubelettest.NewTest(t, kubelettest.Options{NodeName: "node-a", ClientCAs: ca.pool(), Authorize: authz.authorize})
	k.SetVolume("prod", "db-0", "data-db-0", 90, 100, 10, 1000)

	c := newClient(t, Config{CAFile: writeFile(t, "kubelet-ca.pem", k.CAPEM())}, ca.restConfig(t, "watchkeeper", "watchkeeper-group"))
	stats, err := c.Summary(ctx(t), nodeOf(k))
	require.NoError(t, err)
	require.Len(t, stats, 1)
	stats[0].At = time.Time{}
	require.Equal(t, VolumeStats{Node: "node-a", Namespace: "prod", PVC: "data-db-0", Pod: "db-0",
		UsedBytes: 90, CapacityBytes: 100, AvailableBytes: 10, InodesUsed: 10, Inodes: 1000}, stats[0])

	// The kubelet saw the rest.Config's client certificate and authorized
	// the request as get nodes/stats, nothing broader.
	require.Equal(t, []authzCall{{"watchkeeper", []string{"watchkeeper-group"}, "get", "nodes", "stats"}}, authz.all())
}

func TestKubeletDefaultsToRestConfigCA(t *testing.T) {
	k := kubelettest.NewTest(t, kubelettest.Options{})
	k.SetVolume("ns", "p", "c", 1, 10, 0, 0)
	restCfg := newTestCA(t, "client-ca").restConfig(t, "watchkeeper")
	restCfg.CAData = k.CAPEM()
	// The API server's TLS name must not be carried over to node IPs.
	restCfg.ServerName = "kubernetes.default.svc"

	stats, err := newClient(t, Config{}, restCfg).Summary(ctx(t), nodeOf(k))
	require.NoError(t, err)
	require.Len(t, stats, 1)
}

func TestKubeletWrongCAFails(t *testing.T) {
	k := kubelettest.NewTest(t, kubelettest.Options{})
	other := newTestCA(t, "some-other-ca")
	restCfg := newTestCA(t, "client-ca").restConfig(t, "watchkeeper")

	t.Run("caFile", func(t *testing.T) {
		c := newClient(t, Config{CAFile: writeFile(t, "ca.pem", other.pem)}, restCfg)
		_, err := c.Summary(ctx(t), nodeOf(k))
		require.ErrorContains(t, err, "x509: certificate signed by unknown authority")
		require.ErrorContains(t, err, "volume stats of node kubelettest (kubelet)")
	})
	t.Run("rest config CA", func(t *testing.T) {
		cfg := rest.CopyConfig(restCfg)
		cfg.CAData = other.pem
		_, err := newClient(t, Config{}, cfg).Summary(ctx(t), nodeOf(k))
		require.ErrorContains(t, err, "x509: certificate signed by unknown authority")
	})
	require.Zero(t, k.Requests(), "no request may pass an unverified handshake")
}

func TestKubeletInsecureSkipVerify(t *testing.T) {
	k := kubelettest.NewTest(t, kubelettest.Options{})
	k.SetVolume("ns", "p", "c", 1, 10, 0, 0)
	restCfg := newTestCA(t, "client-ca").restConfig(t, "watchkeeper")
	// A CA in the rest.Config plus Insecure is an error in client-go's
	// transport; NewClient must drop the CA.
	restCfg.CAData = newTestCA(t, "apiserver-ca").pem

	var logs bytes.Buffer
	c, err := NewClient(Config{InsecureSkipVerify: true}, restCfg, zerolog.New(&logs))
	require.NoError(t, err)
	_, err = c.Summary(ctx(t), nodeOf(k))
	require.NoError(t, err)

	var entry map[string]any
	require.NoError(t, json.Unmarshal(logs.Bytes(), &entry), "exactly one log line: %s", logs.String())
	require.Equal(t, "warn", entry["level"])
	require.Equal(t, "watchers.pvc.insecureSkipVerify", entry["key"])
	require.Equal(t, "volumestats", entry["component"])
	require.Contains(t, entry["message"], "not verified")
}

func TestKubeletBearerToken(t *testing.T) {
	const token = "sa-token-do-not-log"
	authz := &seen{}
	k := kubelettest.NewTest(t, kubelettest.Options{
		AuthenticateToken: func(_ context.Context, tok string) (string, []string, error) {
			if tok != token {
				return "", nil, errors.New("invalid token")
			}
			return "system:serviceaccount:watchkeeper:watchkeeper", []string{"system:serviceaccounts"}, nil
		},
		Authorize: authz.authorize,
	})
	k.SetVolume("ns", "p", "c", 1, 10, 0, 0)
	restCfg := &rest.Config{Host: "https://10.0.0.1:443", BearerToken: token, TLSClientConfig: rest.TLSClientConfig{CAData: k.CAPEM()}}

	var logs bytes.Buffer
	c, err := NewClient(Config{}, restCfg, zerolog.New(&logs).Level(zerolog.DebugLevel))
	require.NoError(t, err)
	_, err = c.Summary(ctx(t), nodeOf(k))
	require.NoError(t, err)
	require.Equal(t, []authzCall{{"system:serviceaccount:watchkeeper:watchkeeper", []string{"system:serviceaccounts"}, "get", "nodes", "stats"}}, authz.all())

	t.Run("rejected token", func(t *testing.T) {
		bad := rest.CopyConfig(restCfg)
		bad.BearerToken = token + "-revoked"
		c, err := NewClient(Config{}, bad, zerolog.New(&logs).Level(zerolog.DebugLevel))
		require.NoError(t, err)
		var reports []error
		c.Sweep(ctx(t), []Node{nodeOf(k)}, func(_ string, _ []VolumeStats, err error) { reports = append(reports, err) })
		require.Len(t, reports, 1)
		require.ErrorIs(t, reports[0], ErrUnauthorized)
		require.NotContains(t, reports[0].Error(), token)
	})
	require.NotContains(t, logs.String(), token)
}

func TestKubeletForbidden(t *testing.T) {
	authz := &seen{deny: errors.New("RBAC: no rule allows get nodes/stats")}
	k := kubelettest.NewTest(t, kubelettest.Options{NodeName: "node-f", Authorize: authz.authorize})
	restCfg := newTestCA(t, "client-ca").restConfig(t, "watchkeeper")

	_, err := newClient(t, Config{CAFile: writeFile(t, "ca.pem", k.CAPEM())}, restCfg).Summary(ctx(t), nodeOf(k))
	require.ErrorIs(t, err, ErrForbidden)
	require.ErrorContains(t, err, "volume stats of node node-f (kubelet)")
	require.ErrorContains(t, err, "requires get on nodes/stats")
	require.ErrorContains(t, err, "Forbidden (user=watchkeeper, verb=get, resource=nodes, subresource(s)=[stats])")
}

func TestKubeletUnknownClientCertificate(t *testing.T) {
	k := kubelettest.NewTest(t, kubelettest.Options{ClientCAs: newTestCA(t, "apiserver-client-ca").pool()})
	restCfg := newTestCA(t, "rogue-ca").restConfig(t, "watchkeeper")

	_, err := newClient(t, Config{CAFile: writeFile(t, "ca.pem", k.CAPEM())}, restCfg).Summary(ctx(t), nodeOf(k))
	require.ErrorIs(t, err, ErrUnauthorized)
}

func TestKubeletTimeout(t *testing.T) {
	k := kubelettest.NewTest(t, kubelettest.Options{})
	k.SetHang(true)
	restCfg := &rest.Config{TLSClientConfig: rest.TLSClientConfig{CAData: k.CAPEM()}}

	_, err := newClient(t, Config{Timeout: 200 * time.Millisecond}, restCfg).Summary(ctx(t), nodeOf(k))
	require.ErrorIs(t, err, context.DeadlineExceeded)
	require.ErrorContains(t, err, "volume stats of node kubelettest (kubelet): timed out after 200ms")
	require.Equal(t, 1, k.Requests())
}

func TestKubeletBodyTooLarge(t *testing.T) {
	k := kubelettest.NewTest(t, kubelettest.Options{})
	k.SetVolume("ns", "p", "c", 1, 10, 0, 0)
	restCfg := &rest.Config{TLSClientConfig: rest.TLSClientConfig{CAData: k.CAPEM()}}

	_, err := newClient(t, Config{MaxBodyBytes: 1024}, restCfg).Summary(ctx(t), nodeOf(k))
	require.ErrorIs(t, err, ErrBodyTooLarge)
	require.ErrorContains(t, err, "more than 1024 bytes (watchers.pvc.maxBodyBytes)")
}

func TestKubeletNodeWithoutAddress(t *testing.T) {
	c := newClient(t, Config{}, &rest.Config{})
	_, err := c.Summary(ctx(t), Node{Name: "node-x"})
	require.EqualError(t, err, "volume stats of node node-x (kubelet): no InternalIP address")
	_, err = c.Summary(ctx(t), Node{Address: "10.0.0.1"})
	require.EqualError(t, err, "volume stats (kubelet): node has no name")
}

func TestNewClientErrors(t *testing.T) {
	notPEM := writeFile(t, "ca.pem", []byte("not a certificate"))
	tests := []struct {
		name    string
		cfg     Config
		restCfg *rest.Config
		want    string
	}{
		{"missing caFile", Config{CAFile: "/nonexistent/ca.pem"}, &rest.Config{}, "watchers.pvc.caFile: read: open /nonexistent/ca.pem"},
		{"caFile without PEM", Config{CAFile: notPEM}, &rest.Config{}, "watchers.pvc.caFile: " + notPEM + " holds no PEM certificate"},
		{"invalid config", Config{Source: "ssh"}, &rest.Config{}, `watchers.pvc.source: "ssh" is not`},
		{"no rest config", Config{}, nil, "rest config is required"},
		{"custom transport with a CA", Config{CAFile: writeFile(t, "ok.pem", newTestCA(t, "ca").pem)},
			&rest.Config{Transport: roundTripFunc(nil)}, "kubelet transport: using a custom transport with TLS certificate options"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewClient(tt.cfg, tt.restCfg, zerolog.Nop())
			require.ErrorContains(t, err, tt.want)
		})
	}
}

func TestLimitedReader(t *testing.T) {
	body := strings.Repeat("x", 100)
	for _, tt := range []struct {
		max     int64
		wantErr error
	}{{100, nil}, {101, nil}, {99, ErrBodyTooLarge}} {
		r := &limitedReader{r: iotest.OneByteReader(strings.NewReader(body)), left: tt.max, max: tt.max}
		got, err := io.ReadAll(r)
		if tt.wantErr != nil {
			require.ErrorIs(t, err, tt.wantErr)
			continue
		}
		require.NoError(t, err)
		require.Equal(t, body, string(got))
	}
}

func TestInsecureInheritedFromKubeconfigIsWarned(t *testing.T) {
	var logs bytes.Buffer
	_, err := NewClient(Config{}, &rest.Config{TLSClientConfig: rest.TLSClientConfig{Insecure: true}}, zerolog.New(&logs))
	require.NoError(t, err)
	require.Contains(t, logs.String(), `"level":"warn"`)
	require.Contains(t, logs.String(), `"key":"kubeconfig insecure-skip-tls-verify"`)

	logs.Reset()
	_, err = NewClient(Config{}, &rest.Config{}, zerolog.New(&logs))
	require.NoError(t, err)
	require.Empty(t, logs.String(), "a verified setup logs nothing at construction")
}
