package testenv

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/restmapper"
	"sigs.k8s.io/yaml"
)

// fieldManager owns every field the Env applies.
const fieldManager = "watchkeeper-testenv"

// noMatchWait bounds how long Apply waits for a kind to appear in discovery,
// such as a custom resource whose definition the same files create.
const noMatchWait = 10 * time.Second

// Apply server-side-applies, as the admin identity, every object in the YAML
// files (several documents each; v1 List documents are expanded), Namespaces
// and CustomResourceDefinitions first, the rest in file order. Namespaced
// objects without a namespace go to "default". It returns once the RBAC
// authorizer has seen the applied objects (see [Env.SyncRBAC]).
func (e *Env) Apply(ctx context.Context, paths ...string) error {
	if err := e.applyFiles(ctx, paths); err != nil {
		return err
	}
	return e.SyncRBAC(ctx)
}

func (e *Env) applyFiles(ctx context.Context, paths []string) error {
	var objs []*unstructured.Unstructured
	for _, path := range paths {
		fileObjs, err := readManifests(path)
		if err != nil {
			return err
		}
		objs = append(objs, fileObjs...)
	}
	if len(objs) == 0 {
		return nil
	}
	sort.SliceStable(objs, func(i, j int) bool { return applyRank(objs[i]) < applyRank(objs[j]) })

	disco, err := discovery.NewDiscoveryClientForConfig(e.AdminConfig)
	if err != nil {
		return fmt.Errorf("discovery client: %w", err)
	}
	mapper := restmapper.NewDeferredDiscoveryRESTMapper(memory.NewMemCacheClient(disco))
	dyn, err := dynamic.NewForConfig(e.AdminConfig)
	if err != nil {
		return fmt.Errorf("dynamic client: %w", err)
	}
	for _, obj := range objs {
		if err := applyObject(ctx, dyn, mapper, obj); err != nil {
			return err
		}
	}
	return nil
}

func applyRank(obj *unstructured.Unstructured) int {
	switch obj.GroupVersionKind().GroupKind() {
	case schema.GroupKind{Kind: "Namespace"},
		schema.GroupKind{Group: "apiextensions.k8s.io", Kind: "CustomResourceDefinition"}:
		return 0
	}
	return 1
}

func applyObject(ctx context.Context, dyn dynamic.Interface, mapper *restmapper.DeferredDiscoveryRESTMapper, obj *unstructured.Unstructured) error {
	gvk := obj.GroupVersionKind()
	desc := fmt.Sprintf("%s %s", gvk.Kind, obj.GetName())
	mapping, err := restMapping(ctx, mapper, gvk)
	if err != nil {
		return fmt.Errorf("apply %s: %w", desc, err)
	}
	var client dynamic.ResourceInterface = dyn.Resource(mapping.Resource)
	if mapping.Scope.Name() == meta.RESTScopeNameNamespace {
		if obj.GetNamespace() == "" {
			obj.SetNamespace("default")
		}
		client = dyn.Resource(mapping.Resource).Namespace(obj.GetNamespace())
		desc = fmt.Sprintf("%s %s/%s", gvk.Kind, obj.GetNamespace(), obj.GetName())
	} else {
		obj.SetNamespace("")
	}
	if _, err := client.Apply(ctx, obj.GetName(), obj, metav1.ApplyOptions{FieldManager: fieldManager, Force: true}); err != nil {
		return fmt.Errorf("apply %s: %w", desc, err)
	}
	return nil
}

// restMapping resolves gvk, refreshing discovery while the kind is unknown
// for up to noMatchWait.
func restMapping(ctx context.Context, mapper *restmapper.DeferredDiscoveryRESTMapper, gvk schema.GroupVersionKind) (*meta.RESTMapping, error) {
	deadline := time.Now().Add(noMatchWait)
	for {
		mapping, err := mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
		if err == nil || !meta.IsNoMatchError(err) || time.Now().After(deadline) {
			return mapping, err
		}
		mapper.Reset()
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("%w (waiting for kind: %w)", err, ctx.Err())
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// readManifests decodes every object in a multi-document YAML file.
func readManifests(path string) ([]*unstructured.Unstructured, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read manifests: %w", err)
	}
	defer f.Close()
	var objs []*unstructured.Unstructured
	reader := utilyaml.NewYAMLReader(bufio.NewReader(f))
	for doc := 1; ; doc++ {
		raw, err := reader.Read()
		if errors.Is(err, io.EOF) {
			return objs, nil
		}
		if err != nil {
			return nil, fmt.Errorf("read %s document %d: %w", path, doc, err)
		}
		data, err := yaml.YAMLToJSON(raw)
		if err != nil {
			return nil, fmt.Errorf("parse %s document %d: %w", path, doc, err)
		}
		if trimmed := bytes.TrimSpace(data); len(trimmed) == 0 || string(trimmed) == "null" {
			continue // empty document or only comments
		}
		obj := &unstructured.Unstructured{}
		if err := obj.UnmarshalJSON(data); err != nil {
			return nil, fmt.Errorf("decode %s document %d: %w", path, doc, err)
		}
		if !obj.IsList() {
			objs = append(objs, obj)
			continue
		}
		err = obj.EachListItem(func(item runtime.Object) error {
			u, ok := item.(*unstructured.Unstructured)
			if !ok {
				return fmt.Errorf("list item is %T, want *unstructured.Unstructured", item)
			}
			objs = append(objs, u)
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("decode %s document %d: %w", path, doc, err)
		}
	}
}
