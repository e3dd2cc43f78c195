// Package helm runs the chat's helm commands (list, status, history, get
// values, rollback, uninstall) in-process with the helm v3 action package,
// as the person who asked: every call impersonates their Kubernetes identity,
// so the cluster's RBAC on release Secrets decides what they may see or
// change.
//
//	bot → executors.Runner (tool "helm") → helm.Runner.Run → action.* → Result
//
// It uses no helm CLI settings, environment or kubeconfig, no repositories,
// plugins or registries, and never installs, upgrades or renders a chart.
// Output is laid out as the helm CLI prints it, minus anything that can carry
// secrets: release notes, manifests and values whose keys look secret.
package helm
