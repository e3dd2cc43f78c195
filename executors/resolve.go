package executors

import (
	"context"
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// Target is a resource type resolved through the API server's discovery.
type Target struct {
	// GVR is the full group/version/resource the API serves.
	GVR schema.GroupVersionResource
	// Kind is the kind ("Pod").
	Kind string
	// Namespaced is false for cluster-scoped types (nodes, namespaces).
	Namespaced bool
}

// Resource is the canonical policy name: the lower-case plural without group
// ("pods", "deployments").
func (t Target) Resource() string { return t.GVR.Resource }

// Resolve canonicalizes a resource as typed ("po", "pod", "deploy",
// "deployments.apps", "Secret") through discovery and the RESTMapper's short
// names, so a policy on "pods" or a hard deny on "secrets" cannot be dodged
// by spelling. An unknown type is a *UserError. A miss refreshes discovery
// once (a CRD may have been installed since the cache was filled).
func (r *Runner) Resolve(ctx context.Context, typed string) (Target, error) {
	if typed == "" {
		return Target{}, Userf("no resource type given")
	}
	t, err := r.resolve(typed)
	if meta.IsNoMatchError(err) {
		r.deferred.Reset()
		t, err = r.resolve(typed)
	}
	if err != nil {
		if meta.IsNoMatchError(err) {
			return Target{}, Userf("the server doesn't have a resource type %q", typed)
		}
		if ctx.Err() != nil {
			return Target{}, ctx.Err()
		}
		return Target{}, fmt.Errorf("resolve resource %q: %w", typed, err)
	}
	return t, nil
}

func (r *Runner) resolve(typed string) (Target, error) {
	gvr, gr := schema.ParseResourceArg(strings.ToLower(typed))
	var gvk schema.GroupVersionKind
	var err error
	if gvr != nil {
		gvk, err = r.mapper.KindFor(*gvr)
	}
	if gvr == nil || err != nil || gvk.Empty() {
		gvk, err = r.mapper.KindFor(gr.WithVersion(""))
	}
	if err != nil {
		return Target{}, err
	}
	m, err := r.mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
	if err != nil {
		return Target{}, err
	}
	return Target{GVR: m.Resource, Kind: m.GroupVersionKind.Kind, Namespaced: m.Scope.Name() == meta.RESTScopeNameNamespace}, nil
}
