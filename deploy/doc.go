// Package deploy is Watchkeeper's Kubernetes packaging: the Helm chart
// (helm/watchkeeper), the kustomize base generated from it (kustomize/),
// the Grafana dashboard (grafana/), the Slack app manifest and the plain
// RBAC files the end-to-end tests bind (rbac*.yaml).
//
// The Go code here renders the chart with the Helm v3 SDK, as `helm
// template` does, for hack/gen-kustomize and for the tests in this
// directory, which check the rendered objects, apply them to a real API
// server and keep the kustomize base in sync with the chart.
package deploy
