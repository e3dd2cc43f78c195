package main

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"sigs.k8s.io/yaml"

	"github.com/watchkeeper/watchkeeper/internal/kubelettest"
	"github.com/watchkeeper/watchkeeper/internal/testenv"
)

// kubeletData is what the fake kubelet serves, from the -kubelet-data file:
//
//	volumes:
//	  - {namespace: demo, pod: db-0, pvc: data-db-0, capacity: 10Gi, used: 9.2Gi, growPerMinute: 50Mi}
//	logs:
//	  - namespace: demo
//	    pod: api-7c9f6d8b45-x2x9k
//	    container: api
//	    previous: true   # what `kubectl logs -p` reads
//	    text: |
//	      line one
type kubeletData struct {
	Volumes []volumeData `json:"volumes"`
	Logs    []logData    `json:"logs"`
}

type volumeData struct {
	Namespace string `json:"namespace"`
	Pod       string `json:"pod"`
	PVC       string `json:"pvc"`
	// Capacity and Used are byte quantities (10Gi).
	Capacity resource.Quantity `json:"capacity"`
	Used     resource.Quantity `json:"used"`
	// GrowPerMinute adds to Used over time, up to 99% of Capacity: a
	// volume filling up while the developer watches.
	GrowPerMinute resource.Quantity `json:"growPerMinute"`
	// Inodes and InodesUsed: 0 leaves the inode fields out.
	Inodes     uint64 `json:"inodes"`
	InodesUsed uint64 `json:"inodesUsed"`
}

type logData struct {
	Namespace string `json:"namespace"`
	Pod       string `json:"pod"`
	Container string `json:"container"`
	Previous  bool   `json:"previous"`
	Text      string `json:"text"`
}

func loadKubeletData(path string) (*kubeletData, error) {
	var d kubeletData
	if path == "" {
		return &d, nil
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("kubelet data: %w", err)
	}
	if err := yaml.UnmarshalStrict(raw, &d); err != nil {
		return nil, fmt.Errorf("kubelet data %s: %w", path, err)
	}
	for i, v := range d.Volumes {
		if v.Namespace == "" || v.Pod == "" || v.PVC == "" {
			return nil, fmt.Errorf("kubelet data %s: volumes[%d]: namespace, pod and pvc are required", path, i)
		}
		if v.Capacity.Value() <= 0 || v.Used.Value() < 0 || v.Used.Cmp(v.Capacity) > 0 || v.GrowPerMinute.Value() < 0 {
			return nil, fmt.Errorf("kubelet data %s: volumes[%d]: want 0 <= used <= capacity, capacity > 0 and growPerMinute >= 0", path, i)
		}
	}
	for i, l := range d.Logs {
		if l.Namespace == "" || l.Pod == "" || l.Container == "" {
			return nil, fmt.Errorf("kubelet data %s: logs[%d]: namespace, pod and container are required", path, i)
		}
	}
	return &d, nil
}

// fakeNode is a Node whose kubelet is a kubelettest server on 127.0.0.1.
// It authenticates and authorizes as a kubelet in webhook mode: client
// certificates from the API server's client CA (Watchkeeper's identity
// here) or from kube-apiserver's kubelet client CA (pods/log), bearer
// tokens (a ServiceAccount's) with a TokenReview, and a
// SubjectAccessReview for every request, so RBAC decides as in a cluster.
type fakeNode struct {
	name    string
	kubelet *kubelettest.Kubelet
	clients *x509.CertPool
	pki     *kubeletClientPKI
	data    *kubeletData
	// authenticate and authorize are set once the API server is up; the
	// kubelet does not serve before that.
	authenticate kubelettest.AuthenticateTokenFunc
	authorize    kubelettest.AuthorizeFunc
}

// newFakeNode prepares the kubelet and the files kube-apiserver needs to
// reach it; dir must outlive the control plane.
func newFakeNode(name, dir string, data *kubeletData) (*fakeNode, error) {
	pki, err := newKubeletClientPKI(dir)
	if err != nil {
		return nil, err
	}
	n := &fakeNode{name: name, clients: x509.NewCertPool(), pki: pki, data: data}
	if !n.clients.AppendCertsFromPEM(pki.caPEM) {
		return nil, errors.New("kubelet client CA: no certificate")
	}
	n.kubelet, err = kubelettest.New(kubelettest.Options{
		NodeName:  name,
		ClientCAs: n.clients,
		AuthenticateToken: func(ctx context.Context, token string) (string, []string, error) {
			return n.authenticate(ctx, token)
		},
		Authorize: func(ctx context.Context, user string, groups []string, verb, res, sub string) error {
			return n.authorize(ctx, user, groups, verb, res, sub)
		},
	})
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(n.caFile(dir), n.kubelet.CAPEM(), 0o600); err != nil {
		return nil, fmt.Errorf("write kubelet CA: %w", err)
	}
	return n, nil
}

func (n *fakeNode) caFile(dir string) string { return filepath.Join(dir, "kubelet-ca.crt") }

// apiserverFlags make kube-apiserver present its kubelet client
// certificate and verify the kubelet's serving certificate, as kubeadm
// configures it.
func (n *fakeNode) apiserverFlags(dir string) []string {
	return []string{
		"--kubelet-client-certificate=" + n.pki.certFile,
		"--kubelet-client-key=" + n.pki.keyFile,
		"--kubelet-certificate-authority=" + n.caFile(dir),
		"--kubelet-preferred-address-types=InternalIP",
	}
}

// start trusts the API server's client CA, starts serving, registers the
// Node and loads the data. The volume growth runs until ctx ends.
func (n *fakeNode) start(ctx context.Context, env *testenv.Env) error {
	if !n.clients.AppendCertsFromPEM(env.AdminConfig.TLSClientConfig.CAData) {
		return errors.New("API server client CA: no certificate")
	}
	admin, err := kubernetes.NewForConfig(env.AdminConfig)
	if err != nil {
		return fmt.Errorf("admin client: %w", err)
	}
	n.authenticate = kubelettest.TokenReviewAuthenticator(admin)
	n.authorize = kubelettest.SARAuthorizer(admin, n.name)
	for _, l := range n.data.Logs {
		n.kubelet.SetLogs(l.Namespace, l.Pod, l.Container, strings.Split(strings.TrimRight(l.Text, "\n"), "\n"), l.Previous)
	}
	n.setVolumes(0)
	if err := n.kubelet.Start(); err != nil {
		return err
	}
	if err := n.register(ctx, admin); err != nil {
		return err
	}
	go n.grow(ctx)
	return nil
}

// register creates the Node with the status a kubelet posts: Ready, its
// addresses and the kubelet's port, through which the API server proxies
// pods/log and Watchkeeper reads /stats/summary.
func (n *fakeNode) register(ctx context.Context, c kubernetes.Interface) error {
	node, err := c.CoreV1().Nodes().Create(ctx, &corev1.Node{ObjectMeta: metav1.ObjectMeta{
		Name: n.name,
		Labels: map[string]string{
			"kubernetes.io/hostname": n.name, "kubernetes.io/os": "linux", "kubernetes.io/arch": "amd64",
			"node-role.kubernetes.io/worker": "",
		},
	}}, metav1.CreateOptions{})
	if err != nil {
		return fmt.Errorf("register node %s: %w", n.name, err)
	}
	now := metav1.Now()
	resources := corev1.ResourceList{
		corev1.ResourceCPU: resource.MustParse("4"), corev1.ResourceMemory: resource.MustParse("16Gi"),
		corev1.ResourceEphemeralStorage: resource.MustParse("100Gi"), corev1.ResourcePods: resource.MustParse("110"),
	}
	condition := func(t corev1.NodeConditionType, s corev1.ConditionStatus, reason, msg string) corev1.NodeCondition {
		return corev1.NodeCondition{Type: t, Status: s, Reason: reason, Message: msg, LastHeartbeatTime: now, LastTransitionTime: now}
	}
	node.Status = corev1.NodeStatus{
		Capacity: resources, Allocatable: resources,
		Addresses: []corev1.NodeAddress{
			{Type: corev1.NodeInternalIP, Address: "127.0.0.1"},
			{Type: corev1.NodeHostName, Address: n.name},
		},
		DaemonEndpoints: corev1.NodeDaemonEndpoints{KubeletEndpoint: corev1.DaemonEndpoint{Port: n.kubelet.Port()}},
		Conditions: []corev1.NodeCondition{
			condition(corev1.NodeMemoryPressure, corev1.ConditionFalse, "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
			condition(corev1.NodeDiskPressure, corev1.ConditionFalse, "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
			condition(corev1.NodePIDPressure, corev1.ConditionFalse, "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
			condition(corev1.NodeReady, corev1.ConditionTrue, "KubeletReady", "kubelet is posting ready status (devcluster fake kubelet)"),
		},
		NodeInfo: corev1.NodeSystemInfo{
			KubeletVersion: "v1.37.2", OperatingSystem: "linux", Architecture: "amd64",
			OSImage: "devcluster (fake kubelet)", ContainerRuntimeVersion: "fake://0",
		},
	}
	if _, err := c.CoreV1().Nodes().UpdateStatus(ctx, node, metav1.UpdateOptions{}); err != nil {
		return fmt.Errorf("node %s status: %w", n.name, err)
	}
	return nil
}

// growInterval is how often growing volumes are updated.
const growInterval = 2 * time.Second

func (n *fakeNode) grow(ctx context.Context) {
	growing := false
	for _, v := range n.data.Volumes {
		growing = growing || v.GrowPerMinute.Value() > 0
	}
	if !growing {
		return
	}
	begin := time.Now()
	t := time.NewTicker(growInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			n.setVolumes(time.Since(begin))
		}
	}
}

// setVolumes sets each volume's usage after elapsed of growth.
func (n *fakeNode) setVolumes(elapsed time.Duration) {
	for _, v := range n.data.Volumes {
		capacity := uint64(v.Capacity.Value())
		used := float64(v.Used.Value()) + float64(v.GrowPerMinute.Value())*elapsed.Minutes()
		used = min(used, max(float64(v.Used.Value()), 0.99*float64(capacity)))
		n.kubelet.SetVolume(v.Namespace, v.Pod, v.PVC, uint64(used), capacity, v.InodesUsed, v.Inodes)
	}
}

// writeCA writes the kubelet's serving CA, for watchers.pvc.caFile.
func (n *fakeNode) writeCA(path string) error {
	if err := os.WriteFile(path, n.kubelet.CAPEM(), 0o644); err != nil {
		return fmt.Errorf("write kubelet CA: %w", err)
	}
	return nil
}
