package executors

import (
	"net/http"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// maskingGetter is the call's impersonated RESTClientGetter, made into the
// full genericclioptions.RESTClientGetter that kubectl's describers want,
// whose clients see every API response with secret env values masked.
type maskingGetter struct {
	g    *clientGetter
	ns   string
	mask envMasker
}

func (c *call) maskingGetter() *maskingGetter {
	return &maskingGetter{g: c.getter(), ns: c.ns, mask: c.r.envMasker()}
}

// ToRESTConfig forces JSON, the only encoding the masking transport reads.
func (m *maskingGetter) ToRESTConfig() (*rest.Config, error) {
	cfg, err := m.g.ToRESTConfig()
	if err != nil {
		return nil, err
	}
	cfg.ContentType = runtime.ContentTypeJSON
	cfg.AcceptContentTypes = runtime.ContentTypeJSON
	cfg.Wrap(func(rt http.RoundTripper) http.RoundTripper { return &maskTransport{next: rt, mask: m.mask} })
	return cfg, nil
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
