package executors

import (
	"context"
	"fmt"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/cli-runtime/pkg/resource"
	"k8s.io/kubectl/pkg/describe"
)

// describe runs `describe` the way kubectl v1.37 does (k8s.io/kubectl/pkg/cmd/
// describe DescribeOptions.Run) with kubectl's own describers. The describers
// fetch objects themselves, so they get clients whose responses have secret
// env values masked (maskingGetter) rather than having their text edited.
func (r *Runner) describe(ctx context.Context, c *call) (Result, error) {
	cmd := c.cmd
	t, err := r.Resolve(ctx, cmd.Resource)
	if err != nil {
		return Result{}, err
	}
	if err := denySecretOutput(t, cmd); err != nil {
		return Result{}, err
	}
	getter := c.maskingGetter(ctx)
	args := append([]string{qualified(t)}, cmd.Names...)
	res := resource.NewBuilder(getter).
		Unstructured().
		ContinueOnError().
		NamespaceParam(c.ns).DefaultNamespace().AllNamespaces(cmd.AllNamespaces).
		LabelSelectorParam(cmd.Selector).
		ResourceTypeOrNameArgs(true, args...).
		RequestChunksOf(kubectlChunkSize).
		Flatten().
		Do()
	if err := res.Err(); err != nil {
		return Result{}, err
	}
	settings := describe.DescriberSettings{ShowEvents: true, ChunkSize: kubectlChunkSize}
	buf := newCappedBuffer(r.opts.MaxOutputBytes)

	var allErrs []error
	infos, err := res.Infos()
	if err != nil || len(infos) > 1 {
		settings.ShowEvents = false
	}
	if err != nil {
		// kubectl describe TYPE PREFIX describes every object whose name
		// starts with PREFIX when there is none of that exact name.
		if apierrors.IsNotFound(err) && len(args) == 2 {
			return r.describePrefix(ctx, c, getter, args[0], args[1], settings, err)
		}
		allErrs = append(allErrs, err)
	}
	seen := map[string]bool{}
	first := true
	for _, info := range infos {
		if ctx.Err() != nil {
			return buf.result(), ctx.Err()
		}
		s, err := describeOne(getter, info, settings)
		if err != nil {
			if !seen[err.Error()] {
				seen[err.Error()] = true
				allErrs = append(allErrs, err)
			}
			continue
		}
		if first {
			first = false
			fmt.Fprint(buf, s)
		} else {
			fmt.Fprintf(buf, "\n\n%s", s)
		}
	}
	if len(infos) == 0 && len(allErrs) == 0 {
		if cmd.AllNamespaces {
			fmt.Fprintln(buf, "No resources found")
		} else {
			fmt.Fprintf(buf, "No resources found in %s namespace.\n", c.ns)
		}
	}
	return buf.result(), flattenErrs(allErrs)
}

func describeOne(getter *maskingGetter, info *resource.Info, settings describe.DescriberSettings) (string, error) {
	d, err := describe.DescriberFn(getter, info.ResourceMapping())
	if err != nil {
		return "", err
	}
	return d.Describe(info.Namespace, info.Name, settings)
}

// describePrefix is kubectl's DescribeMatchingResources.
func (r *Runner) describePrefix(ctx context.Context, c *call, getter *maskingGetter, typ, prefix string, settings describe.DescriberSettings, notFound error) (Result, error) {
	res := resource.NewBuilder(getter).
		Unstructured().
		NamespaceParam(c.ns).DefaultNamespace().
		ResourceTypeOrNameArgs(true, typ).
		SingleResourceType().
		RequestChunksOf(kubectlChunkSize).
		Flatten().
		Do()
	mapping, err := res.ResourceMapping()
	if err != nil {
		return Result{}, err
	}
	d, err := describe.DescriberFn(getter, mapping)
	if err != nil {
		return Result{}, err
	}
	infos, err := res.Infos()
	if err != nil {
		return Result{}, err
	}
	buf := newCappedBuffer(r.opts.MaxOutputBytes)
	found := false
	for _, info := range infos {
		if !strings.HasPrefix(info.Name, prefix) {
			continue
		}
		if ctx.Err() != nil {
			return buf.result(), ctx.Err()
		}
		found = true
		s, err := d.Describe(info.Namespace, info.Name, settings)
		if err != nil {
			return buf.result(), err
		}
		fmt.Fprintf(buf, "%s\n", s)
	}
	if !found {
		return Result{}, notFound
	}
	return buf.result(), nil
}
