package volumestats

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestConfigDefaults(t *testing.T) {
	require.Equal(t, Config{Source: SourceKubelet, Timeout: 10 * time.Second, Concurrency: 4, MaxBodyBytes: 16 << 20}, Config{}.WithDefaults())
}

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		want string
	}{
		{"defaults", Config{}, ""},
		{"proxy", Config{Source: SourceAPIServerProxy}, ""},
		{"kubelet with CA", Config{CAFile: "/ca.pem"}, ""},
		{"unknown source", Config{Source: "Kubelet"}, `watchers.pvc.source: "Kubelet" is not "kubelet" or "apiserverProxy"`},
		{"CA and insecure", Config{CAFile: "/ca.pem", InsecureSkipVerify: true}, "watchers.pvc.caFile and watchers.pvc.insecureSkipVerify: set at most one"},
		{"CA with proxy", Config{Source: SourceAPIServerProxy, CAFile: "/ca.pem"}, `watchers.pvc.caFile: only used with source "kubelet"`},
		{"insecure with proxy", Config{Source: SourceAPIServerProxy, InsecureSkipVerify: true}, `watchers.pvc.insecureSkipVerify: only used with source "kubelet"`},
		{"negative timeout", Config{Timeout: -time.Second}, "watchers.pvc.timeout: -1s is negative"},
		{"negative concurrency", Config{Concurrency: -1}, "watchers.pvc.concurrency: -1 is negative"},
		{"negative body", Config{MaxBodyBytes: -1}, "watchers.pvc.maxBodyBytes: -1 is negative"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.cfg.WithDefaults().Validate()
			if tt.want == "" {
				require.NoError(t, err)
				return
			}
			require.ErrorContains(t, err, tt.want)
		})
	}
}

func TestSummaryURL(t *testing.T) {
	tests := []struct {
		node Node
		want string
	}{
		{Node{Address: "10.0.0.7", Port: 10250}, "https://10.0.0.7:10250/stats/summary"},
		{Node{Address: "10.0.0.7"}, "https://10.0.0.7:10250/stats/summary"},
		{Node{Address: "fd00:10::7", Port: 10255}, "https://[fd00:10::7]:10255/stats/summary"},
		{Node{Address: "ip-10-0-0-7.ec2.internal", Port: 10250}, "https://ip-10-0-0-7.ec2.internal:10250/stats/summary"},
	}
	for _, tt := range tests {
		require.Equal(t, tt.want, tt.node.summaryURL())
	}
}

func TestNodeOf(t *testing.T) {
	obj := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "node-a"}, Status: corev1.NodeStatus{
		Addresses: []corev1.NodeAddress{
			{Type: corev1.NodeHostName, Address: "node-a"},
			{Type: corev1.NodeExternalIP, Address: "203.0.113.7"},
			{Type: corev1.NodeInternalIP, Address: "fd00::7"},
			{Type: corev1.NodeInternalIP, Address: "10.0.0.7"},
		},
		DaemonEndpoints: corev1.NodeDaemonEndpoints{KubeletEndpoint: corev1.DaemonEndpoint{Port: 10250}},
	}}
	require.Equal(t, Node{Name: "node-a", Address: "fd00::7", Port: 10250}, NodeOf(obj))
	require.Equal(t, Node{Name: "bare"}, NodeOf(&corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "bare"}}))
}
