//go:build tools

// Package controlplane pins the Kubernetes binaries the test harness builds.
package controlplane

import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kubectl"
)
