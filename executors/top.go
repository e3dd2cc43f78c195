package executors

import (
	"context"
	"fmt"
	"slices"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/kubectl/pkg/metricsutil"
	metricsapi "k8s.io/metrics/pkg/apis/metrics"
	metricsv1 "k8s.io/metrics/pkg/apis/metrics/v1"
	metricsv1beta1 "k8s.io/metrics/pkg/apis/metrics/v1beta1"
	metricsclientset "k8s.io/metrics/pkg/client/clientset/versioned"
)

// metricsAbsent is the answer when no metrics-server serves metrics.k8s.io.
const metricsAbsent = "Metrics API not available: metrics-server is not installed in this cluster."

// metricsVersions are the metrics.k8s.io versions kubectl top reads, in
// its order of preference.
var metricsVersions = []string{"v1", "v1beta1"}

// top runs `top pods` and `top nodes` against metrics.k8s.io, printed by
// kubectl's own TopCmdPrinter.
func (r *Runner) top(ctx context.Context, c *call) (Result, error) {
	typed := c.cmd.Sub
	if typed == "" {
		typed = c.cmd.Resource
	}
	t, err := r.Resolve(ctx, typed)
	if err != nil {
		return Result{}, err
	}
	isPods := t.GVR.Group == "" && t.GVR.Resource == "pods"
	isNodes := t.GVR.Group == "" && t.GVR.Resource == "nodes"
	if !isPods && !isNodes {
		return Result{}, Userf("top works on pods and nodes, not on %s.", t.Resource())
	}
	if len(c.cmd.Names) > 1 {
		return Result{}, Userf("top takes at most one name.")
	}
	version, err := r.metricsVersion()
	if err != nil {
		return Result{}, err
	}
	mc, err := metricsclientset.NewForConfig(r.RESTConfig(c.id))
	if err != nil {
		return Result{}, fmt.Errorf("metrics client: %w", err)
	}
	if isNodes {
		return r.topNodes(ctx, c, mc, version)
	}
	return r.topPods(ctx, c, mc, version)
}

// metricsVersion is the metrics.k8s.io version the cluster serves, as kubectl
// top finds it. A miss in a discovery cache filled earlier is checked once
// against the server: metrics-server may have been installed since.
func (r *Runner) metricsVersion() (string, error) {
	for attempt := 0; ; attempt++ {
		groups, err := r.discovery.ServerGroups()
		if err != nil {
			return "", fmt.Errorf("discover api groups: %w", err)
		}
		for _, g := range groups.Groups {
			if g.Name != metricsapi.GroupName {
				continue
			}
			for _, v := range g.Versions {
				if slices.Contains(metricsVersions, v.Version) {
					return v.Version, nil
				}
			}
		}
		if attempt > 0 || r.discovery.Fresh() {
			return "", Userf(metricsAbsent)
		}
		r.discovery.Invalidate()
	}
}

func (r *Runner) topPods(ctx context.Context, c *call, mc metricsclientset.Interface, version string) (Result, error) {
	ns := c.ns
	if c.cmd.AllNamespaces {
		ns = metav1.NamespaceAll
	}
	name := ""
	if len(c.cmd.Names) == 1 {
		name = c.cmd.Names[0]
	}
	metrics, err := podMetrics(ctx, mc, version, ns, name, c.cmd.Selector)
	if err != nil {
		return Result{}, err
	}
	buf := newCappedBuffer(r.opts.MaxOutputBytes)
	if len(metrics) == 0 {
		// kubectl says this on stderr; here it is the whole answer.
		if c.cmd.AllNamespaces {
			fmt.Fprintln(buf, "No resources found")
		} else {
			fmt.Fprintf(buf, "No resources found in %s namespace.\n", ns)
		}
		return buf.result(), nil
	}
	if err := printPodMetrics(buf, metrics, c.cmd.AllNamespaces); err != nil {
		return Result{}, err
	}
	return buf.result(), nil
}

func (r *Runner) topNodes(ctx context.Context, c *call, mc metricsclientset.Interface, version string) (Result, error) {
	name := ""
	if len(c.cmd.Names) == 1 {
		name = c.cmd.Names[0]
	}
	metrics, err := nodeMetrics(ctx, mc, version, name, c.cmd.Selector)
	if err != nil {
		return Result{}, err
	}
	if len(metrics) == 0 {
		return Result{}, Userf("metrics not available yet")
	}
	cs, err := r.Clientset(c.id)
	if err != nil {
		return Result{}, err
	}
	var nodes []corev1.Node
	if name != "" {
		n, err := cs.CoreV1().Nodes().Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return Result{}, err
		}
		nodes = append(nodes, *n)
	} else {
		l, err := cs.CoreV1().Nodes().List(ctx, metav1.ListOptions{LabelSelector: c.cmd.Selector})
		if err != nil {
			return Result{}, err
		}
		nodes = l.Items
	}
	buf := newCappedBuffer(r.opts.MaxOutputBytes)
	if err := printNodeMetrics(buf, metrics, nodes); err != nil {
		return Result{}, err
	}
	return buf.result(), nil
}

// printPodMetrics prints as `kubectl top pods` (with -A, a NAMESPACE column).
func printPodMetrics(buf *cappedBuffer, metrics []metricsapi.PodMetrics, allNamespaces bool) error {
	return metricsutil.NewTopCmdPrinter(buf, false).PrintPodMetrics(metrics, false, allNamespaces, false, "", false)
}

// printNodeMetrics prints as `kubectl top nodes`: percentages of allocatable.
func printNodeMetrics(buf *cappedBuffer, metrics []metricsapi.NodeMetrics, nodes []corev1.Node) error {
	p := metricsutil.NewTopCmdPrinter(buf, false)
	available := make(map[string]corev1.ResourceList, len(nodes))
	for _, n := range nodes {
		available[n.Name] = n.Status.Allocatable.DeepCopy()
		if n.Status.NodeInfo.Swap != nil && n.Status.NodeInfo.Swap.Capacity != nil {
			available[n.Name]["swap"] = *resource.NewQuantity(*n.Status.NodeInfo.Swap.Capacity, resource.BinarySI)
		} else {
			p.RegisterMissingResource(n.Name, metricsutil.ResourceSwap)
		}
	}
	return p.PrintNodeMetrics(metrics, available, false, "")
}

// podMetrics reads pod metrics in the served version and converts them to
// the internal types the printer takes.
func podMetrics(ctx context.Context, mc metricsclientset.Interface, version, ns, name, selector string) ([]metricsapi.PodMetrics, error) {
	out := &metricsapi.PodMetricsList{}
	if version == "v1" {
		l := &metricsv1.PodMetricsList{}
		if name != "" {
			m, err := mc.MetricsV1().PodMetricses(ns).Get(ctx, name, metav1.GetOptions{})
			if err != nil {
				return nil, err
			}
			l.Items = []metricsv1.PodMetrics{*m}
		} else {
			var err error
			if l, err = mc.MetricsV1().PodMetricses(ns).List(ctx, metav1.ListOptions{LabelSelector: selector}); err != nil {
				return nil, err
			}
		}
		if err := metricsv1.Convert_v1_PodMetricsList_To_metrics_PodMetricsList(l, out, nil); err != nil {
			return nil, fmt.Errorf("convert pod metrics: %w", err)
		}
		return out.Items, nil
	}
	l := &metricsv1beta1.PodMetricsList{}
	if name != "" {
		m, err := mc.MetricsV1beta1().PodMetricses(ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return nil, err
		}
		l.Items = []metricsv1beta1.PodMetrics{*m}
	} else {
		var err error
		if l, err = mc.MetricsV1beta1().PodMetricses(ns).List(ctx, metav1.ListOptions{LabelSelector: selector}); err != nil {
			return nil, err
		}
	}
	if err := metricsv1beta1.Convert_v1beta1_PodMetricsList_To_metrics_PodMetricsList(l, out, nil); err != nil {
		return nil, fmt.Errorf("convert pod metrics: %w", err)
	}
	return out.Items, nil
}

// nodeMetrics is podMetrics for nodes.
func nodeMetrics(ctx context.Context, mc metricsclientset.Interface, version, name, selector string) ([]metricsapi.NodeMetrics, error) {
	out := &metricsapi.NodeMetricsList{}
	if version == "v1" {
		l := &metricsv1.NodeMetricsList{}
		if name != "" {
			m, err := mc.MetricsV1().NodeMetricses().Get(ctx, name, metav1.GetOptions{})
			if err != nil {
				return nil, err
			}
			l.Items = []metricsv1.NodeMetrics{*m}
		} else {
			var err error
			if l, err = mc.MetricsV1().NodeMetricses().List(ctx, metav1.ListOptions{LabelSelector: selector}); err != nil {
				return nil, err
			}
		}
		if err := metricsv1.Convert_v1_NodeMetricsList_To_metrics_NodeMetricsList(l, out, nil); err != nil {
			return nil, fmt.Errorf("convert node metrics: %w", err)
		}
		return out.Items, nil
	}
	l := &metricsv1beta1.NodeMetricsList{}
	if name != "" {
		m, err := mc.MetricsV1beta1().NodeMetricses().Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return nil, err
		}
		l.Items = []metricsv1beta1.NodeMetrics{*m}
	} else {
		var err error
		if l, err = mc.MetricsV1beta1().NodeMetricses().List(ctx, metav1.ListOptions{LabelSelector: selector}); err != nil {
			return nil, err
		}
	}
	if err := metricsv1beta1.Convert_v1beta1_NodeMetricsList_To_metrics_NodeMetricsList(l, out, nil); err != nil {
		return nil, fmt.Errorf("convert node metrics: %w", err)
	}
	return out.Items, nil
}
