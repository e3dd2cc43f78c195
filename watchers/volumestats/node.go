package volumestats

import (
	"net"
	"net/url"
	"strconv"

	corev1 "k8s.io/api/core/v1"
)

// DefaultKubeletPort is the kubelet's secure port when a node does not
// publish one.
const DefaultKubeletPort = 10250

// Node is a kubelet to poll.
type Node struct {
	// Name is the node's name: the result's Node, and the path segment in
	// apiserverProxy mode.
	Name string
	// Address is the node's InternalIP (IPv4 or IPv6), used in kubelet mode.
	Address string
	// Port is the kubelet's secure port. Default DefaultKubeletPort.
	Port int32
}

// NodeOf returns the kubelet coordinates a Node object publishes: its first
// InternalIP, which is the primary address family on dual-stack nodes, and
// status.daemonEndpoints.kubeletEndpoint.Port. Address is empty when the
// node has no InternalIP; Summary then fails in kubelet mode only.
func NodeOf(obj *corev1.Node) Node {
	n := Node{Name: obj.Name, Port: obj.Status.DaemonEndpoints.KubeletEndpoint.Port}
	for _, a := range obj.Status.Addresses {
		if a.Type == corev1.NodeInternalIP && a.Address != "" {
			n.Address = a.Address
			break
		}
	}
	return n
}

// summaryURL is the kubelet's summary endpoint; JoinHostPort brackets IPv6
// addresses.
func (n Node) summaryURL() string {
	port := n.Port
	if port <= 0 {
		port = DefaultKubeletPort
	}
	u := url.URL{Scheme: "https", Host: net.JoinHostPort(n.Address, strconv.Itoa(int(port))), Path: "/stats/summary"}
	return u.String()
}
