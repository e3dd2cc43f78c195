package volumestats

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"k8s.io/client-go/rest"

	"github.com/watchkeeper/watchkeeper/internal/kubelettest"
)

// fakeAPIServer stands in for the API server's node proxy: it records the
// request and answers with the fake kubelet's body, or with status and body.
type fakeAPIServer struct {
	*httptest.Server
	requests chan *http.Request
}

func newFakeAPIServer(t *testing.T, handler http.HandlerFunc) *fakeAPIServer {
	t.Helper()
	f := &fakeAPIServer{requests: make(chan *http.Request, 10)}
	f.Server = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.requests <- r.Clone(r.Context())
		handler(w, r)
	}))
	t.Cleanup(f.Close)
	return f
}

func (f *fakeAPIServer) restConfig(path string) *rest.Config {
	return &rest.Config{
		Host:            f.URL + path,
		BearerToken:     "proxy-token",
		TLSClientConfig: rest.TLSClientConfig{CAData: pemOf(f.Certificate().Raw)},
	}
}

func TestAPIServerProxy(t *testing.T) {
	k, err := kubelettest.New(kubelettest.Options{NodeName: "node-p"})
	require.NoError(t, err)
	k.SetVolume("prod", "db-0", "data-db-0", 50, 100, 0, 0)
	body, err := k.SummaryJSON()
	require.NoError(t, err)
	api := newFakeAPIServer(t, func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body)
	})

	for _, prefix := range []string{"", "/k8s/clusters/c-42"} {
		t.Run("host path "+prefix, func(t *testing.T) {
			c := newClient(t, Config{Source: SourceAPIServerProxy}, api.restConfig(prefix))
			// Address and port are the API server's business in this mode.
			stats, err := c.Summary(ctx(t), Node{Name: "node-p"})
			require.NoError(t, err)
			require.Len(t, stats, 1)
			require.Equal(t, "data-db-0", stats[0].PVC)
			require.Equal(t, "node-p", stats[0].Node)

			r := <-api.requests
			require.Equal(t, http.MethodGet, r.Method)
			require.Equal(t, prefix+"/api/v1/nodes/node-p/proxy/stats/summary", r.URL.Path)
			require.Equal(t, "Bearer proxy-token", r.Header.Get("Authorization"))
		})
	}
}

func TestAPIServerProxyForbidden(t *testing.T) {
	api := newFakeAPIServer(t, func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusForbidden)
		_, _ = w.Write([]byte(`{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",` +
			`"message":"nodes \"node-p\" is forbidden: User \"watchkeeper\" cannot get resource \"nodes/proxy\" in API group \"\" at the cluster scope",` +
			`"reason":"Forbidden","details":{"name":"node-p","kind":"nodes"},"code":403}`))
	})
	c := newClient(t, Config{Source: SourceAPIServerProxy}, api.restConfig(""))
	_, err := c.Summary(ctx(t), Node{Name: "node-p"})
	require.ErrorIs(t, err, ErrForbidden)
	require.ErrorContains(t, err, "volume stats of node node-p (apiserverProxy)")
	require.ErrorContains(t, err, "requires get on nodes/proxy")
	require.NotContains(t, err.Error(), "proxy-token")
}

func TestAPIServerProxyTimeout(t *testing.T) {
	api := newFakeAPIServer(t, func(_ http.ResponseWriter, r *http.Request) {
		<-r.Context().Done() // an API server stuck dialling a dead kubelet
	})
	c := newClient(t, Config{Source: SourceAPIServerProxy, Timeout: 200 * time.Millisecond}, api.restConfig(""))
	_, err := c.Summary(ctx(t), Node{Name: "node-p"})
	require.ErrorContains(t, err, "volume stats of node node-p (apiserverProxy): timed out after 200ms")
}

func TestAPIServerProxyBadGateway(t *testing.T) {
	api := newFakeAPIServer(t, func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "Error trying to reach service: dial tcp 10.0.0.9:10250: connect: connection refused", http.StatusBadGateway)
	})
	c := newClient(t, Config{Source: SourceAPIServerProxy}, api.restConfig(""))
	_, err := c.Summary(ctx(t), Node{Name: "node-p"})
	require.ErrorContains(t, err, "volume stats of node node-p (apiserverProxy): GET /api/v1/nodes/node-p/proxy/stats/summary")
	require.ErrorContains(t, err, "connection refused")
}
