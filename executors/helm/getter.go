package helm

import (
	"context"
	"errors"
	"net/http"

	"k8s.io/apimachinery/pkg/api/meta"
	utilnet "k8s.io/apimachinery/pkg/util/net"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// clientGetter is the RESTClientGetter helm's action.Configuration and kube
// client are built from, for one call: the impersonated rest config, the
// Runner's shared discovery cache and RESTMapper, and a ClientConfig that
// only reports the namespace. It replaces helm's cli.EnvSettings, which
// would read HELM_* variables and a kubeconfig.
type clientGetter struct {
	config    *rest.Config // already impersonated and bound to the call's ctx
	discovery discovery.CachedDiscoveryInterface
	mapper    meta.RESTMapper
	namespace string
}

func (g *clientGetter) ToRESTConfig() (*rest.Config, error) { return rest.CopyConfig(g.config), nil }

func (g *clientGetter) ToDiscoveryClient() (discovery.CachedDiscoveryInterface, error) {
	return g.discovery, nil
}

func (g *clientGetter) ToRESTMapper() (meta.RESTMapper, error) { return g.mapper, nil }

func (g *clientGetter) ToRawKubeConfigLoader() clientcmd.ClientConfig { return &clientConfig{g: g} }

// clientConfig is the in-memory clientcmd.ClientConfig of a clientGetter.
// helm's kube client asks it for the namespace of the objects it builds.
type clientConfig struct{ g *clientGetter }

const contextName = "watchkeeper"

func (c *clientConfig) RawConfig() (clientcmdapi.Config, error) {
	cfg := clientcmdapi.NewConfig()
	cfg.Contexts[contextName] = &clientcmdapi.Context{Namespace: c.g.namespace}
	cfg.CurrentContext = contextName
	return *cfg, nil
}

func (c *clientConfig) ClientConfig() (*rest.Config, error) { return c.g.ToRESTConfig() }

// Namespace reports the call's namespace as explicitly set, as `-n` would.
func (c *clientConfig) Namespace() (string, bool, error) { return c.g.namespace, true, nil }

func (c *clientConfig) ConfigAccess() clientcmd.ConfigAccess { return noConfigAccess{} }

// noConfigAccess is the ConfigAccess of a config that has no file: neither
// helm's actions nor kubectl's factory call it, and if anything did, it must
// not fall back to reading $KUBECONFIG.
type noConfigAccess struct{}

var errNoKubeconfig = errors.New("helm: no kubeconfig: the config is built in memory")

func (noConfigAccess) GetLoadingPrecedence() []string { return nil }
func (noConfigAccess) GetStartingConfig() (*clientcmdapi.Config, error) {
	return nil, errNoKubeconfig
}
func (noConfigAccess) GetDefaultFilename() string { return "" }
func (noConfigAccess) IsExplicitFile() bool       { return false }
func (noConfigAccess) GetExplicitFile() string    { return "" }

// ctxTransport ties every request of a call to the call's context. Most helm
// v3 actions take no context, so without this a timed-out action would go on
// talking to the API server in its abandoned goroutine; with it, its next or
// in-flight request fails at once and the goroutine unwinds.
type ctxTransport struct {
	ctx context.Context
	rt  http.RoundTripper
}

func (t ctxTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if err := t.ctx.Err(); err != nil {
		return nil, err
	}
	return t.rt.RoundTrip(req.WithContext(mergeContexts(req.Context(), t.ctx)))
}

// WrappedRoundTripper lets client-go see through the wrapper (to cancel a
// request on its own timeout, for one).
func (t ctxTransport) WrappedRoundTripper() http.RoundTripper { return t.rt }

// mergeContexts returns a context that ends when either ends and carries
// req's values. Requests made with a real context (helm's own Background or
// TODO in practice) keep their deadline too.
func mergeContexts(req, call context.Context) context.Context {
	if req.Done() == nil {
		return call
	}
	// The call's context always ends (Run cancels it on return), which
	// releases this one too.
	ctx, cancel := context.WithCancel(req)
	context.AfterFunc(call, cancel)
	return ctx
}

// Interface guards.
var (
	_ genericclioptions.RESTClientGetter = (*clientGetter)(nil)
	_ clientcmd.ClientConfig             = (*clientConfig)(nil)
	_ clientcmd.ConfigAccess             = noConfigAccess{}
	_ utilnet.RoundTripperWrapper        = ctxTransport{}
)
