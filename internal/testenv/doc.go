// Package testenv runs a real control plane (etcd and kube-apiserver, no
// kubelet, no containers) for integration tests and for the developer
// cluster in hack/devcluster.
//
// It sits underneath every integration test in the repository: a test
// package starts one [Env] in TestMain with [RunMain], its tests call
// [Require] to get it, and Watchkeeper under test talks to it with
// [Env.WatchkeeperConfig], a non-admin identity whose rights come only from
// the RBAC manifests the test applies. [Env.AdminConfig] is for test setup
// (creating pods, patching their status as a kubelet would).
//
// The binaries are built from Go modules by hack/build-controlplane.sh into
// a cache outside the repository; [BinDir] finds them. Set
// WATCHKEEPER_CONTROLPLANE_BIN to use prebuilt binaries instead, and
// WATCHKEEPER_SKIP_CONTROLPLANE=1 to skip (rather than fail) tests that need
// a control plane when none can be built.
//
// Child processes run in their own process group, are stopped by PID with
// SIGTERM then SIGKILL, and on Linux receive SIGKILL if the test binary dies
// first. All state lives in one temporary directory that [Env.Stop] removes;
// directories left behind by a killed test binary are removed by the next
// [Start].
//
// The package supports Linux and other Unix systems only.
package testenv
