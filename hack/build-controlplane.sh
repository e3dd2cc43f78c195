#!/usr/bin/env bash
# Builds the test control plane (kube-apiserver, etcd, kubectl) from Go modules
# into a cache directory outside the repository, and prints that directory.
# Reuses the binaries when they are already present for this pinned version.
#
#   WATCHKEEPER_CACHE   cache root (default: $XDG_CACHE_HOME or ~/.cache, /watchkeeper)
#
# Concurrent runs (go test ./... starts one per test package) wait for a
# single build instead of each building, when flock(1) is available.
#
# The wrapper module in hack/controlplane pins k8s.io/kubernetes and replaces
# every staging module it points at ./staging with the published v0.x module.
set -euo pipefail

K8S_VERSION=v1.37.2
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cache_root="${WATCHKEEPER_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/watchkeeper}"
# The directory name changes whenever the wrapper's pins change, so a stale
# cache is never reused after an upgrade.
pin_hash="$(cat "$here/controlplane/go.mod" "$here/controlplane/go.sum" "$here/controlplane/etcd/main.go" | sha256sum | cut -c1-12)"
bin_dir="$cache_root/controlplane-$K8S_VERSION-$pin_hash/bin"

built() { [[ -x "$bin_dir/kube-apiserver" && -x "$bin_dir/etcd" && -x "$bin_dir/kubectl" ]]; }

if built; then
	echo "$bin_dir"
	exit 0
fi

mkdir -p "$bin_dir"
if command -v flock >/dev/null; then
	exec 9>"$bin_dir/.lock"
	if ! flock -n 9; then
		echo "waiting for another build of the control plane in $bin_dir" >&2
		flock 9
	fi
	if built; then
		echo "$bin_dir"
		exit 0
	fi
fi
minor="${K8S_VERSION#v1.}"
minor="${minor%%.*}"
ldflags="-s -w"
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
	ldflags+=" -X $pkg.gitVersion=$K8S_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor -X $pkg.gitTreeState=clean"
done

start=$(date +%s)
echo "building kube-apiserver, etcd and kubectl $K8S_VERSION into $bin_dir (first time: several minutes)" >&2
(
	cd "$here/controlplane"
	# The caller's GOFLAGS (say -modfile) and go.work are for its own module,
	# not this wrapper.
	export CGO_ENABLED=0 GOFLAGS=-mod=mod GOWORK=off
	tmp="$(mktemp -d "$bin_dir/.build.XXXXXX")"
	trap 'rm -rf "$tmp"' EXIT
	go build -trimpath -ldflags "$ldflags" -o "$tmp/kube-apiserver" k8s.io/kubernetes/cmd/kube-apiserver
	go build -trimpath -ldflags "$ldflags" -o "$tmp/kubectl" k8s.io/kubernetes/cmd/kubectl
	go build -trimpath -ldflags "-s -w" -o "$tmp/etcd" ./etcd
	# Move into place only when all three built, so a half-built cache is never reused.
	mv "$tmp/kube-apiserver" "$tmp/kubectl" "$tmp/etcd" "$bin_dir/"
) >&2
echo "control plane built in $(( $(date +%s) - start ))s" >&2
echo "$bin_dir"
