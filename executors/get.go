package executors

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	metav1beta1 "k8s.io/apimachinery/pkg/apis/meta/v1beta1"
	"k8s.io/apimachinery/pkg/runtime"
	utilerrors "k8s.io/apimachinery/pkg/util/errors"
	"k8s.io/cli-runtime/pkg/printers"
	"k8s.io/cli-runtime/pkg/resource"
	"k8s.io/client-go/rest"
	kubectlget "k8s.io/kubectl/pkg/cmd/get"
	"k8s.io/kubectl/pkg/scheme"
)

// kubectlChunkSize is kubectl's default --chunk-size: lists are read in pages.
const kubectlChunkSize = 500

// get runs `get` the way kubectl v1.37 does (k8s.io/kubectl/pkg/cmd/get
// GetOptions.Run), reusing its printers: server-side tables for the default
// and wide output, kubectl's name, YAML and JSON printers otherwise. Env
// values with secret-looking names are masked in YAML and JSON.
func (r *Runner) get(ctx context.Context, c *call) (Result, error) {
	cmd := c.cmd
	t, err := r.Resolve(ctx, cmd.Resource)
	if err != nil {
		return Result{}, err
	}
	if err := denySecretOutput(t, cmd); err != nil {
		return Result{}, err
	}
	human := cmd.Output == "" || cmd.Output == "wide"
	// The masking getter too: env values are masked on the wire as well as in
	// the objects printed below.
	b := resource.NewBuilder(c.maskingGetter(ctx)).
		Unstructured().
		NamespaceParam(c.ns).DefaultNamespace().AllNamespaces(cmd.AllNamespaces).
		LabelSelectorParam(cmd.Selector).
		RequestChunksOf(kubectlChunkSize).
		// The resolved type, not the typed spelling, so what is fetched is
		// exactly what denySecretOutput checked.
		ResourceTypeOrNameArgs(true, append([]string{qualified(t)}, cmd.Names...)...).
		ContinueOnError().
		Latest().
		Flatten()
	if human {
		b = b.TransformRequests(asTable)
	}
	res := b.Do()
	if err := res.Err(); err != nil {
		return Result{}, err
	}
	buf := newCappedBuffer(r.opts.MaxOutputBytes)
	if human {
		err = r.printTables(ctx, c, res, buf)
	} else {
		err = r.printGeneric(ctx, res, cmd.Output, buf)
	}
	return buf.result(), err
}

// denySecretOutput refuses any Secret output but a name listing, whatever
// spelling reached the resolver (hardDeny only knows the usual ones).
func denySecretOutput(t Target, cmd Command) error {
	if t.GVR.Group != "" || t.Resource() != "secrets" {
		return nil
	}
	switch cmd.Output {
	case "", "wide", "name":
		if cmd.Verb == "get" {
			return nil
		}
	}
	return Userf("Secrets are never shown from chat.")
}

// qualified spells t as RESOURCE.VERSION.GROUP, which the builder maps
// without guessing ("pods.v1." for the core group).
func qualified(t Target) string {
	return t.GVR.Resource + "." + t.GVR.Version + "." + t.GVR.Group
}

// asTable asks for server-side tables, exactly as kubectl get does.
func asTable(req *rest.Request) {
	req.SetHeader("Accept", strings.Join([]string{
		fmt.Sprintf("application/json;as=Table;v=%s;g=%s", metav1.SchemeGroupVersion.Version, metav1.GroupName),
		fmt.Sprintf("application/json;as=Table;v=%s;g=%s", metav1beta1.SchemeGroupVersion.Version, metav1beta1.GroupName),
		"application/json",
	}, ","))
}

// tablePrinter is kubectl get's ToPrinter for human-readable output.
func tablePrinter(output string, mapping *meta.RESTMapping, withNamespace, withKind bool) (printers.ResourcePrinter, error) {
	flags := kubectlget.NewGetPrintFlags()
	*flags.OutputFormat = output
	if mapping != nil {
		flags.SetKind(mapping.GroupVersionKind.GroupKind())
	}
	if withNamespace {
		if err := flags.EnsureWithNamespace(); err != nil {
			return nil, err
		}
	}
	if withKind {
		if err := flags.EnsureWithKind(); err != nil {
			return nil, err
		}
	}
	p, err := flags.ToPrinter()
	if err != nil {
		return nil, err
	}
	p, err = printers.NewTypeSetter(scheme.Scheme).WrapToPrinter(p, nil)
	if err != nil {
		return nil, err
	}
	return &kubectlget.TablePrinter{Delegate: p}, nil
}

// printTables is the human-readable half of kubectl's GetOptions.Run.
func (r *Runner) printTables(ctx context.Context, c *call, res *resource.Result, out io.Writer) error {
	var allErrs []error
	seen := map[string]bool{}
	infos, err := res.Infos()
	if err != nil {
		allErrs = append(allErrs, err)
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	withKind := multipleGVKs(infos)
	tracking := &trackingWriter{w: out}
	sep := &separatorWriter{w: tracking}
	w := printers.GetNewTabWriter(sep)
	allNamespaced := !c.cmd.AllNamespaces
	var (
		printer     printers.ResourcePrinter
		lastMapping *meta.RESTMapping
	)
	for _, info := range infos {
		mapping := info.Mapping
		allNamespaced = allNamespaced && info.Namespaced()
		withNamespace := c.cmd.AllNamespaces
		if mapping != nil && mapping.Scope.Name() == meta.RESTScopeNameRoot {
			withNamespace = false
		}
		if printer == nil || lastMapping == nil || mapping == nil || mapping.Resource != lastMapping.Resource {
			_ = w.Flush()
			w.SetRememberedWidths(nil)
			if lastMapping != nil && tracking.n > 0 {
				sep.ready = true
			}
			printer, err = tablePrinter(c.cmd.Output, mapping, withNamespace, withKind)
			if err != nil {
				if !seen[err.Error()] {
					seen[err.Error()] = true
					allErrs = append(allErrs, err)
				}
				continue
			}
			lastMapping = mapping
		}
		_ = printer.PrintObj(info.Object, w) // kubectl ignores print errors here too
	}
	_ = w.Flush()
	if tracking.n == 0 && len(allErrs) == 0 {
		if allNamespaced {
			fmt.Fprintf(out, "No resources found in %s namespace.\n", c.ns)
		} else {
			fmt.Fprintln(out, "No resources found")
		}
	}
	return flattenErrs(allErrs)
}

// printGeneric is kubectl's printGeneric for -o name|yaml|json: one object
// when one was named, otherwise a List.
func (r *Runner) printGeneric(ctx context.Context, res *resource.Result, output string, out io.Writer) error {
	var errs []error
	single := false
	infos, err := res.IntoSingleItemImplied(&single).Infos()
	if err != nil {
		if single {
			return err
		}
		errs = append(errs, err)
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	flags := kubectlget.NewGetPrintFlags()
	*flags.OutputFormat = output
	p, err := flags.ToPrinter()
	if err != nil {
		return err
	}
	p, err = printers.NewTypeSetter(scheme.Scheme).WrapToPrinter(p, nil)
	if err != nil {
		return err
	}
	mask := r.envMasker()
	for _, info := range infos {
		if u, ok := info.Object.(*unstructured.Unstructured); ok {
			mask.object(u.Object)
		} else if output != "name" {
			// Everything from an Unstructured builder is unstructured; refuse
			// to print what could not be masked.
			return fmt.Errorf("get: unexpected object type %T", info.Object)
		}
	}

	var obj runtime.Object
	if !single || len(infos) != 1 {
		list := corev1.List{TypeMeta: metav1.TypeMeta{Kind: "List", APIVersion: "v1"}}
		for _, info := range infos {
			list.Items = append(list.Items, runtime.RawExtension{Object: info.Object})
		}
		data, err := json.Marshal(list)
		if err != nil {
			return err
		}
		if obj, err = runtime.Decode(unstructured.UnstructuredJSONScheme, data); err != nil {
			return err
		}
	} else {
		obj = infos[0].Object
	}
	if meta.IsListType(obj) {
		items, err := meta.ExtractList(obj)
		if err != nil {
			return err
		}
		list := &unstructured.UnstructuredList{Object: map[string]any{
			"kind": "List", "apiVersion": "v1", "metadata": map[string]any{},
		}}
		if lm, err := meta.ListAccessor(obj); err == nil {
			list.Object["metadata"] = map[string]any{"resourceVersion": lm.GetResourceVersion()}
		}
		for _, item := range items {
			u, ok := item.(*unstructured.Unstructured)
			if !ok {
				return fmt.Errorf("get: unexpected list item type %T", item)
			}
			list.Items = append(list.Items, *u)
		}
		obj = list
	}
	if err := p.PrintObj(obj, out); err != nil {
		errs = append(errs, err)
	}
	return flattenErrs(errs)
}

func multipleGVKs(infos []*resource.Info) bool {
	if len(infos) < 2 {
		return false
	}
	gvk := infos[0].Mapping.GroupVersionKind
	for _, info := range infos {
		if info.Mapping.GroupVersionKind != gvk {
			return true
		}
	}
	return false
}

// flattenErrs flattens kubectl's aggregates so Friendly can still find an API
// status in them (an Aggregate hides it from errors.As).
func flattenErrs(errs []error) error {
	var flat []error
	for _, err := range errs {
		var agg utilerrors.Aggregate
		if errors.As(err, &agg) {
			flat = append(flat, utilerrors.Flatten(agg).Errors()...)
			continue
		}
		flat = append(flat, err)
	}
	if len(flat) == 1 {
		return flat[0]
	}
	return errors.Join(flat...)
}

// trackingWriter counts what was written, to know whether anything was.
type trackingWriter struct {
	w io.Writer
	n int
}

func (t *trackingWriter) Write(p []byte) (int, error) {
	t.n += len(p)
	return t.w.Write(p)
}

// separatorWriter puts a blank line between the tables of two types.
type separatorWriter struct {
	w     io.Writer
	ready bool
}

func (s *separatorWriter) Write(p []byte) (int, error) {
	if len(p) != 0 && s.ready {
		if _, err := io.WriteString(s.w, "\n"); err != nil {
			return 0, err
		}
		s.ready = false
	}
	return s.w.Write(p)
}
