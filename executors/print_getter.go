package executors

import (
	"context"
	"net/http"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// maskingGetter is the call's impersonated RESTClientGetter (call.getter),
// made into the full genericclioptions.RESTClientGetter that kubectl's
// describers want. Its clients see every API response with secret env values
// masked, and their requests are bound to the command's context: kubectl's
// builder and describers take none and use context.TODO.
type maskingGetter struct {
	g    *clientGetter
	ctx  context.Context
	ns   string
	mask envMasker
}

func (c *call) maskingGetter(ctx context.Context) *maskingGetter {
	return &maskingGetter{g: c.getter(), ctx: ctx, ns: c.ns, mask: c.r.envMasker()}
}

// ToRESTConfig forces JSON, the only encoding the masking transport reads.
func (m *maskingGetter) ToRESTConfig() (*rest.Config, error) {
	cfg, err := m.g.ToRESTConfig()
	if err != nil {
		return nil, err
	}
	cfg.ContentType = runtime.ContentTypeJSON
	cfg.AcceptContentTypes = runtime.ContentTypeJSON
	cfg.Wrap(func(rt http.RoundTripper) http.RoundTripper {
		return &ctxTransport{ctx: m.ctx, next: &maskTransport{next: rt, mask: m.mask}}
	})
	return cfg, nil
}

// ctxTransport gives requests made without a context (context.TODO, whose
// Done is nil) the command's context, so its deadline ends them.
type ctxTransport struct {
	ctx  context.Context
	next http.RoundTripper
}

func (t *ctxTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Context().Done() == nil && t.ctx != nil {
		req = req.WithContext(t.ctx)
	}
	return t.next.RoundTrip(req)
}

func (m *maskingGetter) ToDiscoveryClient() (discovery.CachedDiscoveryInterface, error) {
	return m.g.ToDiscoveryClient()
}

func (m *maskingGetter) ToRESTMapper() (meta.RESTMapper, error) { return m.g.ToRESTMapper() }

// ToRawKubeConfigLoader answers only the namespace; there is no kubeconfig.
func (m *maskingGetter) ToRawKubeConfigLoader() clientcmd.ClientConfig {
	return namespaceOnly{getter: m}
}

type namespaceOnly struct{ getter *maskingGetter }

func (n namespaceOnly) RawConfig() (clientcmdapi.Config, error) { return clientcmdapi.Config{}, nil }
func (n namespaceOnly) ClientConfig() (*rest.Config, error)     { return n.getter.ToRESTConfig() }
func (n namespaceOnly) Namespace() (string, bool, error)        { return n.getter.ns, false, nil }
func (n namespaceOnly) ConfigAccess() clientcmd.ConfigAccess    { return nil }
