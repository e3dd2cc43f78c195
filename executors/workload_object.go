package executors

import (
	"context"
	"fmt"
	"strings"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/kubectl/pkg/scheme"
)

// workload is one named object of a resolved type, as the workload verbs
// (logs, rollout, scale) address it.
type workload struct {
	Target
	Namespace string
	Name      string
}

// GroupKind is the workload's group and kind.
func (w workload) GroupKind() schema.GroupKind {
	return schema.GroupKind{Group: w.GVR.Group, Kind: w.Kind}
}

// Ref is kubectl's name for the object in its output: "deployment.apps/api",
// "pod/x" (cli-runtime's NamePrinter).
func (w workload) Ref() string { return objectRef(w.GroupKind(), w.Name) }

func objectRef(gk schema.GroupKind, name string) string {
	kind := strings.ToLower(gk.Kind)
	if gk.Group == "" {
		return kind + "/" + name
	}
	return kind + "." + gk.Group + "/" + name
}

// resolveWorkload resolves the typed resource of c, requires exactly one name
// and, when allowed is not empty, one of the allowed group/resources.
// verb names the command in refusals.
func (r *Runner) resolveWorkload(ctx context.Context, c *call, verb string, allowed ...schema.GroupResource) (workload, error) {
	if len(c.cmd.Names) != 1 || c.cmd.Selector != "" || c.cmd.AllNamespaces {
		return workload{}, Userf("%s works on exactly one named object (TYPE/NAME), not on selectors or lists.", verb)
	}
	t, err := r.Resolve(ctx, c.cmd.Resource)
	if err != nil {
		return workload{}, err
	}
	if len(allowed) > 0 && !containsGR(allowed, t.GVR.GroupResource()) {
		names := make([]string, 0, len(allowed))
		for _, gr := range allowed {
			names = append(names, gr.Resource)
		}
		return workload{}, Userf("%s is not supported for %s; it works on %s.", verb, t.Resource(), strings.Join(names, ", "))
	}
	w := workload{Target: t, Name: c.cmd.Names[0]}
	if t.Namespaced {
		w.Namespace = c.ns
	}
	return w, nil
}

func containsGR(list []schema.GroupResource, gr schema.GroupResource) bool {
	for _, x := range list {
		if x == gr {
			return true
		}
	}
	return false
}

// getWorkload reads the object as the caller, so a missing object or a
// refusal is the API server's own error, and returns it both unstructured
// and as its typed Go object (kubectl's helpers want either).
func (r *Runner) getWorkload(ctx context.Context, c *call, w workload) (*unstructured.Unstructured, runtime.Object, error) {
	dc, err := dynamic.NewForConfig(r.RESTConfig(c.id))
	if err != nil {
		return nil, nil, fmt.Errorf("dynamic client: %w", err)
	}
	u, err := dc.Resource(w.GVR).Namespace(w.Namespace).Get(ctx, w.Name, metav1.GetOptions{})
	if err != nil {
		return nil, nil, err
	}
	gvk := w.GVR.GroupVersion().WithKind(w.Kind)
	obj, err := scheme.Scheme.New(gvk)
	if err != nil {
		return nil, nil, fmt.Errorf("typed object for %s: %w", gvk, err)
	}
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, obj); err != nil {
		return nil, nil, fmt.Errorf("convert %s: %w", w.Ref(), err)
	}
	obj.GetObjectKind().SetGroupVersionKind(gvk)
	return u, obj, nil
}

// boundedClientset is a typed client for c whose every request is bounded by
// ctx's deadline: some kubectl helpers (history, rollback) call the API with
// context.TODO().
func (r *Runner) boundedClientset(ctx context.Context, c *call) (kubernetes.Interface, error) {
	cfg := boundedConfig(ctx, r.RESTConfig(c.id))
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("client for %s: %w", c.id.User, err)
	}
	return cs, nil
}

func boundedConfig(ctx context.Context, cfg *rest.Config) *rest.Config {
	if d, ok := ctx.Deadline(); ok {
		left := time.Until(d)
		if left <= 0 {
			left = time.Millisecond
		}
		if cfg.Timeout == 0 || left < cfg.Timeout {
			cfg.Timeout = left
		}
	}
	return cfg
}
