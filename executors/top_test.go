package executors

import (
	"testing"

	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	metricsapi "k8s.io/metrics/pkg/apis/metrics"
	metricsv1beta1 "k8s.io/metrics/pkg/apis/metrics/v1beta1"
)

func TestTopMetricsAbsent(t *testing.T) {
	ns := wlNamespace(t)
	r := newRunner(t, nil)
	for _, typed := range []string{"pods", "po", "nodes", "no"} {
		t.Run(typed, func(t *testing.T) {
			cmd := Command{Tool: ToolKubectl, Verb: "top", Action: "top", Sub: typed, Resource: typed, Namespace: ns}
			_, err := r.Run(t.Context(), viewer, cmd)
			require.Equal(t, "Metrics API not available: metrics-server is not installed in this cluster.", wlUserError(t, err))
		})
	}
	_, err := r.Run(t.Context(), viewer, Command{Tool: ToolKubectl, Verb: "top", Sub: "deploy", Resource: "deploy"})
	require.Equal(t, "top works on pods and nodes, not on deployments.", wlUserError(t, err))
}

func usage(cpu, mem string) corev1.ResourceList {
	return corev1.ResourceList{corev1.ResourceCPU: resource.MustParse(cpu), corev1.ResourceMemory: resource.MustParse(mem)}
}

func TestTopPrintPods(t *testing.T) {
	in := &metricsv1beta1.PodMetricsList{Items: []metricsv1beta1.PodMetrics{
		{ObjectMeta: metav1.ObjectMeta{Name: "web-1", Namespace: "shop"}, Containers: []metricsv1beta1.ContainerMetrics{
			{Name: "app", Usage: usage("100m", "64Mi")}, {Name: "sidecar", Usage: usage("5m", "16Mi")}}},
		{ObjectMeta: metav1.ObjectMeta{Name: "api-0", Namespace: "billing"}, Containers: []metricsv1beta1.ContainerMetrics{
			{Name: "app", Usage: usage("1500m", "1Gi")}}},
	}}
	var pods metricsapi.PodMetricsList
	require.NoError(t, metricsv1beta1.Convert_v1beta1_PodMetricsList_To_metrics_PodMetricsList(in, &pods, nil))

	buf := newCappedBuffer(1 << 20)
	require.NoError(t, printPodMetrics(buf, pods.Items, false))
	require.Equal(t, ""+
		"NAME    CPU(cores)   MEMORY(bytes)   \n"+
		"api-0   1500m        1024Mi          \n"+
		"web-1   105m         80Mi            \n", buf.buf.String())

	buf = newCappedBuffer(1 << 20)
	require.NoError(t, printPodMetrics(buf, pods.Items, true))
	require.Equal(t, ""+
		"NAMESPACE   NAME    CPU(cores)   MEMORY(bytes)   \n"+
		"billing     api-0   1500m        1024Mi          \n"+
		"shop        web-1   105m         80Mi            \n", buf.buf.String())
}

func TestTopPrintNodes(t *testing.T) {
	in := &metricsv1beta1.NodeMetricsList{Items: []metricsv1beta1.NodeMetrics{
		{ObjectMeta: metav1.ObjectMeta{Name: "node-a"}, Usage: usage("500m", "1Gi")},
	}}
	var metrics metricsapi.NodeMetricsList
	require.NoError(t, metricsv1beta1.Convert_v1beta1_NodeMetricsList_To_metrics_NodeMetricsList(in, &metrics, nil))
	nodes := []corev1.Node{{ObjectMeta: metav1.ObjectMeta{Name: "node-a"},
		Status: corev1.NodeStatus{Allocatable: usage("2", "4Gi")}}}

	buf := newCappedBuffer(1 << 20)
	require.NoError(t, printNodeMetrics(buf, metrics.Items, nodes))
	require.Equal(t, ""+
		"NAME     CPU(cores)   CPU(%)   MEMORY(bytes)   MEMORY(%)   \n"+
		"node-a   500m         25%      1024Mi          25%         \n", buf.buf.String())
}
