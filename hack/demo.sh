#!/usr/bin/env bash
# make demo: start the local control plane (etcd + kube-apiserver built from
# Go modules; no Docker, no kubelet), create a demo namespace, and run
# Watchkeeper against it with the console adapter. Type commands at the
# prompt; Ctrl-C stops everything.
#
#   DEMO_TIMEOUT=30s   stop by itself after this long (scripted, non-interactive runs)
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"

bin_dir="$(bash hack/build-controlplane.sh)"
state="$(mktemp -d "${TMPDIR:-/tmp}/watchkeeper-demo.XXXXXX")"
cluster_pid=""
cleanup() {
	if [[ -n "$cluster_pid" ]] && kill -0 "$cluster_pid" 2>/dev/null; then
		echo "demo: stopping the local control plane" >&2
		kill -TERM "$cluster_pid" 2>/dev/null || true
		wait "$cluster_pid" 2>/dev/null || true
	fi
	rm -rf "$state"
}
trap cleanup EXIT

echo "demo: starting etcd and kube-apiserver (state in $state)" >&2
go build -o "$state/devcluster" ./hack/devcluster
WATCHKEEPER_CONTROLPLANE_BIN="$bin_dir" "$state/devcluster" \
	-kubeconfig-out "$state/admin.kubeconfig" \
	-watchkeeper-kubeconfig-out "$state/watchkeeper.kubeconfig" \
	-rbac hack/demo/namespace.yaml -rbac deploy/rbac.yaml -bind-cluster-role watchkeeper \
	>"$state/devcluster.out" 2>"$state/devcluster.log" &
cluster_pid=$!

for _ in $(seq 1 600); do
	grep -q '^ready ' "$state/devcluster.out" 2>/dev/null && break
	if ! kill -0 "$cluster_pid" 2>/dev/null; then
		echo "demo: the control plane failed to start:" >&2
		tail -20 "$state/devcluster.log" >&2
		exit 1
	fi
	sleep 0.2
done
grep -q '^ready ' "$state/devcluster.out" || { echo "demo: control plane not ready after 120s" >&2; exit 1; }
echo "demo: control plane ready; admin kubeconfig: $state/admin.kubeconfig" >&2

"$bin_dir/kubectl" --kubeconfig "$state/admin.kubeconfig" apply -f hack/demo/resources.yaml >&2
# Act as the kubelet: report api-0 as OOM-killed and crash-looping, a few
# seconds after Watchkeeper has started, so it shows up as a live alert.
(
	sleep 8
	now="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
	sed "s/FINISHED/$now/" hack/demo/crashloop-status.json >"$state/status.json"
	"$bin_dir/kubectl" --kubeconfig "$state/admin.kubeconfig" -n demo patch pod api-0 \
		--subresource=status --type=merge --patch-file "$state/status.json" >/dev/null &&
		echo "demo: (as the kubelet) api-0 is now OOM-killed and crash-looping" >&2
) &

cat >&2 <<'MSG'
demo: starting Watchkeeper with the console adapter (no Slack needed).
demo: try: help | whoami | version      Ctrl-C stops the demo.
MSG
args=(run --config hack/demo/config.yaml --kubeconfig "$state/watchkeeper.kubeconfig")
if [[ -n "${DEMO_TIMEOUT:-}" ]]; then
	timeout -s INT "$DEMO_TIMEOUT" bin/watchkeeper "${args[@]}" || [[ $? -eq 124 ]]
else
	bin/watchkeeper "${args[@]}"
fi
