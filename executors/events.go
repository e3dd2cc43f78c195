package executors

import (
	"context"
	"fmt"
	"sort"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/cli-runtime/pkg/printers"
	"k8s.io/cli-runtime/pkg/resource"
	"k8s.io/client-go/kubernetes"
	kubectlevents "k8s.io/kubectl/pkg/cmd/events"
)

// events runs `events` the way kubectl v1.37 does (k8s.io/kubectl/pkg/cmd/
// events EventsOptions.Run), with kubectl's sort order and printer.
func (r *Runner) events(ctx context.Context, c *call) (Result, error) {
	cmd := c.cmd
	namespace := c.ns
	if cmd.AllNamespaces {
		namespace = ""
	}
	opts := metav1.ListOptions{Limit: kubectlChunkSize}
	if cmd.Resource != "" {
		if len(cmd.Names) != 1 {
			return Result{}, Userf("--for must be in resource/name form")
		}
		t, err := r.Resolve(ctx, cmd.Resource)
		if err != nil {
			return Result{}, err
		}
		gvk := t.GVR.GroupVersion().WithKind(t.Kind)
		opts.FieldSelector = fields.AndSelectors(
			fields.OneTermEqualSelector("involvedObject.kind", gvk.Kind),
			fields.OneTermEqualSelector("involvedObject.apiVersion", gvk.GroupVersion().String()),
			fields.OneTermEqualSelector("involvedObject.name", cmd.Names[0])).String()
	}
	cfg, err := c.maskingGetter(ctx).ToRESTConfig()
	if err != nil {
		return Result{}, err
	}
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return Result{}, fmt.Errorf("events client: %w", err)
	}
	client := cs.CoreV1().Events(namespace)
	list := &corev1.EventList{TypeMeta: metav1.TypeMeta{Kind: "EventList", APIVersion: "v1"}}
	err = resource.FollowContinue(&opts, func(o metav1.ListOptions) (runtime.Object, error) {
		page, err := client.List(ctx, o)
		if err != nil {
			return nil, resource.EnhanceListError(err, o, "events")
		}
		list.Items = append(list.Items, page.Items...)
		return page, nil
	})
	if err != nil {
		return Result{}, err
	}
	for i := range list.Items {
		if list.Items[i].GetObjectKind().GroupVersionKind().Empty() {
			list.Items[i].SetGroupVersionKind(schema.GroupVersionKind{Version: "v1", Kind: "Event"})
		}
	}
	buf := newCappedBuffer(r.opts.MaxOutputBytes)
	if len(list.Items) == 0 {
		if cmd.AllNamespaces {
			fmt.Fprintln(buf, "No events found.")
		} else {
			fmt.Fprintf(buf, "No events found in %s namespace.\n", c.ns)
		}
		return buf.result(), nil
	}
	w := printers.GetNewTabWriter(buf)
	sort.Sort(kubectlevents.SortableEvents(list.Items))
	if err := kubectlevents.NewEventPrinter(false, cmd.AllNamespaces).PrintObj(list, w); err != nil {
		return Result{}, err
	}
	if err := w.Flush(); err != nil {
		return Result{}, err
	}
	return buf.result(), nil
}
