package kubelettest

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// clientCA issues client certificates as the API server's client CA would.
type clientCA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
}

func newClientCA(t *testing.T) *clientCA {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl, err := template(pkix.Name{CommonName: "client-ca"})
	require.NoError(t, err)
	tmpl.IsCA, tmpl.BasicConstraintsValid, tmpl.KeyUsage = true, true, x509.KeyUsageCertSign
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	require.NoError(t, err)
	cert, err := x509.ParseCertificate(der)
	require.NoError(t, err)
	return &clientCA{cert: cert, key: key}
}

func (ca *clientCA) pool() *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(ca.cert)
	return p
}

func (ca *clientCA) issue(t *testing.T, user string, groups ...string) tls.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl, err := template(pkix.Name{CommonName: user, Organization: groups})
	require.NoError(t, err)
	tmpl.KeyUsage, tmpl.ExtKeyUsage = x509.KeyUsageDigitalSignature, []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, key.Public(), ca.key)
	require.NoError(t, err)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

// client trusts k's CA and presents certs, if any.
func client(t *testing.T, k *Kubelet, certs ...tls.Certificate) *http.Client {
	t.Helper()
	roots := x509.NewCertPool()
	require.True(t, roots.AppendCertsFromPEM(k.CAPEM()))
	tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots, Certificates: certs}, ForceAttemptHTTP2: true}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr}
}

func get(t *testing.T, c *http.Client, k *Kubelet, path, token string) (int, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "https://"+k.Addr()+path, nil)
	require.NoError(t, err)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := c.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(body)
}

type decision struct {
	user                        string
	groups                      []string
	verb, resource, subresource string
}

type authz struct {
	mu   sync.Mutex
	seen []decision
	deny bool
}

func (a *authz) authorize(_ context.Context, user string, groups []string, verb, resource, subresource string) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.seen = append(a.seen, decision{user, groups, verb, resource, subresource})
	if a.deny {
		return errors.New("denied")
	}
	return nil
}

func (a *authz) last() decision {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.seen[len(a.seen)-1]
}

func TestSummaryWireFormat(t *testing.T) {
	k := NewTest(t, Options{NodeName: "node-w"})
	k.SetVolume("prod", "db-0", "data-db-0", 70, 100, 7, 1000)
	k.SetVolume("prod", "db-0", "wal-db-0", 1, 10, 0, 0) // no inodes, like a block volume
	k.SetVolume("prod", "db-0", "data-db-0", 75, 100, 8, 1000)

	status, body := get(t, client(t, k), k, "/stats/summary", "")
	require.Equal(t, http.StatusOK, status)

	var s map[string]any
	require.NoError(t, json.Unmarshal([]byte(body), &s))
	require.Equal(t, "node-w", s["node"].(map[string]any)["nodeName"])
	pods := s["pods"].([]any)
	require.Len(t, pods, 1)
	pod := pods[0].(map[string]any)
	require.Equal(t, map[string]any{"name": "db-0", "namespace": "prod", "uid": podUID("prod", "db-0")}, pod["podRef"])
	require.Contains(t, pod, "containers")
	require.Contains(t, pod, "ephemeral-storage")

	vols := pod["volume"].([]any)
	require.Len(t, vols, 3)
	token := vols[0].(map[string]any)
	require.True(t, strings.HasPrefix(token["name"].(string), "kube-api-access-"))
	require.NotContains(t, token, "pvcRef")

	// FsStats is embedded in the kubelet's VolumeStats, so its fields sit
	// beside name and pvcRef.
	data := vols[1].(map[string]any)
	require.Equal(t, map[string]any{"name": "data-db-0", "namespace": "prod"}, data["pvcRef"])
	require.Equal(t, "vol-data-db-0", data["name"])
	for key, want := range map[string]float64{"usedBytes": 75, "capacityBytes": 100, "availableBytes": 25, "inodesUsed": 8, "inodes": 1000, "inodesFree": 992} {
		require.Equal(t, want, data[key], key)
	}
	_, err := time.Parse(time.RFC3339, data["time"].(string))
	require.NoError(t, err)

	wal := vols[2].(map[string]any)
	require.NotContains(t, wal, "inodes")
	require.NotContains(t, wal, "inodesUsed")

	k.RemoveVolume("prod", "data-db-0")
	k.RemoveVolume("prod", "wal-db-0")
	_, body = get(t, client(t, k), k, "/stats/summary", "")
	require.NoError(t, json.Unmarshal([]byte(body), &s))
	require.Empty(t, s["pods"])
	require.Equal(t, 2, k.Requests())
}

func TestAuthentication(t *testing.T) {
	ca := newClientCA(t)
	a := &authz{}
	k := NewTest(t, Options{
		ClientCAs: ca.pool(),
		AuthenticateToken: func(_ context.Context, token string) (string, []string, error) {
			if token != "good" {
				return "", nil, errors.New("unknown token")
			}
			return "token-user", []string{"token-group"}, nil
		},
		Authorize: a.authorize,
	})

	t.Run("client certificate", func(t *testing.T) {
		status, _ := get(t, client(t, k, ca.issue(t, "watchkeeper", "g1", "g2")), k, "/stats/summary", "")
		require.Equal(t, http.StatusOK, status)
		require.Equal(t, decision{"watchkeeper", []string{"g1", "g2"}, "get", "nodes", "stats"}, a.last())
	})
	t.Run("certificate wins over token", func(t *testing.T) {
		status, _ := get(t, client(t, k, ca.issue(t, "cert-user")), k, "/stats/summary", "good")
		require.Equal(t, http.StatusOK, status)
		require.Equal(t, "cert-user", a.last().user)
	})
	t.Run("certificate from another CA", func(t *testing.T) {
		status, body := get(t, client(t, k, newClientCA(t).issue(t, "mallory")), k, "/stats/summary", "")
		require.Equal(t, http.StatusUnauthorized, status)
		require.Equal(t, "Unauthorized\n", body)
	})
	t.Run("token", func(t *testing.T) {
		status, _ := get(t, client(t, k), k, "/stats/summary", "good")
		require.Equal(t, http.StatusOK, status)
		require.Equal(t, decision{"token-user", []string{"token-group"}, "get", "nodes", "stats"}, a.last())
	})
	t.Run("bad token", func(t *testing.T) {
		status, _ := get(t, client(t, k), k, "/stats/summary", "bad")
		require.Equal(t, http.StatusUnauthorized, status)
	})
	t.Run("anonymous", func(t *testing.T) {
		status, _ := get(t, client(t, k), k, "/stats/summary", "")
		require.Equal(t, http.StatusOK, status)
		require.Equal(t, decision{"system:anonymous", []string{"system:unauthenticated"}, "get", "nodes", "stats"}, a.last())
	})
	t.Run("other paths are authorized as the kubelet does, then 404", func(t *testing.T) {
		for path, sub := range map[string]string{"/metrics/cadvisor": "metrics", "/logs/": "log", "/exec/ns/pod/c": "proxy", "/stats": "stats"} {
			status, _ := get(t, client(t, k), k, path, "")
			require.Equal(t, http.StatusNotFound, status, path)
			require.Equal(t, sub, a.last().subresource, path)
		}
	})
}

func TestAuthorizationDenied(t *testing.T) {
	a := &authz{deny: true}
	k := NewTest(t, Options{Authorize: a.authorize})
	status, body := get(t, client(t, k), k, "/stats/summary", "")
	require.Equal(t, http.StatusForbidden, status)
	require.Equal(t, "Forbidden (user=system:anonymous, verb=get, resource=nodes, subresource(s)=[stats])\n", body)
}

func TestUnverifiedCertificateWithoutClientCAs(t *testing.T) {
	a := &authz{}
	k := NewTest(t, Options{Authorize: a.authorize})
	status, _ := get(t, client(t, k, newClientCA(t).issue(t, "anyone", "team")), k, "/stats/summary", "")
	require.Equal(t, http.StatusOK, status)
	require.Equal(t, decision{"anyone", []string{"team"}, "get", "nodes", "stats"}, a.last())
}

func TestHang(t *testing.T) {
	k := NewTest(t, Options{})
	k.SetHang(true)
	c := client(t, k)

	type result struct {
		status int
		err    error
	}
	do := func() <-chan result {
		out := make(chan result, 1)
		go func() {
			req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, "https://"+k.Addr()+"/stats/summary", nil)
			if err != nil {
				out <- result{err: err}
				return
			}
			resp, err := c.Do(req)
			if err != nil {
				out <- result{err: err}
				return
			}
			resp.Body.Close()
			out <- result{status: resp.StatusCode}
		}()
		return out
	}

	first := do()
	require.Eventually(t, func() bool { return k.Requests() == 1 }, 10*time.Second, 5*time.Millisecond)
	select {
	case r := <-first:
		t.Fatalf("hanging kubelet answered: %+v", r)
	default:
	}
	k.SetHang(false)
	select {
	case r := <-first:
		require.NoError(t, r.err)
		require.Equal(t, http.StatusOK, r.status)
	case <-time.After(10 * time.Second):
		t.Fatal("request still hanging after SetHang(false)")
	}

	// A client that gives up frees its handler; Close frees the rest.
	k.SetHang(true)
	ctx, cancel := context.WithCancel(t.Context())
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "https://"+k.Addr()+"/stats/summary", nil)
	require.NoError(t, err)
	gaveUp := make(chan error, 1)
	go func() {
		_, err := c.Do(req)
		gaveUp <- err
	}()
	require.Eventually(t, func() bool { return k.Requests() == 2 }, 10*time.Second, 5*time.Millisecond)
	cancel()
	require.ErrorIs(t, <-gaveUp, context.Canceled)

	second := do()
	require.Eventually(t, func() bool { return k.Requests() == 3 }, 10*time.Second, 5*time.Millisecond)
	k.Close() // returns only once the hanging handler has
	r := <-second
	require.Error(t, r.err)
}

func TestLifecycle(t *testing.T) {
	k, err := New(Options{})
	require.NoError(t, err)
	require.Zero(t, k.Port())
	require.NoError(t, k.Start())
	require.NotZero(t, k.Port())
	require.ErrorContains(t, k.Start(), "already started")
	k.Close()
	k.Close()
	require.ErrorContains(t, k.Start(), "closed")

	unstarted, err := New(Options{})
	require.NoError(t, err)
	unstarted.Close()
}

func TestServingCertificate(t *testing.T) {
	k, err := New(Options{NodeName: "node-c"})
	require.NoError(t, err)
	roots := x509.NewCertPool()
	require.True(t, roots.AppendCertsFromPEM(k.CAPEM()))
	leaf, err := x509.ParseCertificate(k.serving.Certificate[0])
	require.NoError(t, err)
	_, err = leaf.Verify(x509.VerifyOptions{Roots: roots, DNSName: "127.0.0.1", KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}})
	require.NoError(t, err)
	require.Equal(t, "system:node:node-c", leaf.Subject.CommonName)

	other, err := New(Options{})
	require.NoError(t, err)
	require.NotEqual(t, k.CAPEM(), other.CAPEM(), "every fake has its own CA")
}
