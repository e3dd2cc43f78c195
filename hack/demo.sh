#!/usr/bin/env bash
# make demo: a local cluster with problems, and Watchkeeper watching it.
#
# Starts the local control plane (etcd + kube-apiserver built from Go
# modules; no Docker) with a fake kubelet for node demo-node, creates the
# demo namespace (hack/demo/resources.yaml, brought to life by
# hack/demo/seed), and runs Watchkeeper against it with the console
# adapter under the demo policy (hack/demo/policy.csv). Once Watchkeeper is
# ready, the api Deployment starts crash-looping and the worker cannot pull
# its image; the db's volume is already 92% full. Type commands at the
# prompt; Ctrl-C stops everything and removes the state.
#
#   DEMO_INPUT=FILE   read commands from FILE, sent once Watchkeeper is ready
#                     (stdin is used the same way when it is not a terminal)
#   DEMO_TIMEOUT=90s  stop by itself after this long
#   DEMO_LOG=FILE     keep a copy of Watchkeeper's log (the state dir is removed)
#
# stdout is Watchkeeper's console (replies and alerts); everything the
# script says, and Watchkeeper's warnings, go to stderr.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"

say() { echo "demo: $*" >&2; }

input="${DEMO_INPUT:-}"
if [[ -z "$input" && ! -t 0 ]]; then
	input=-
fi
if [[ -n "$input" && "$input" != - && ! -r "$input" ]]; then
	say "DEMO_INPUT=$input: not a readable file"
	exit 2
fi

bin_dir="$(bash hack/build-controlplane.sh)"
state="$(mktemp -d "${TMPDIR:-/tmp}/watchkeeper-demo.XXXXXX")"
export WATCHKEEPER_DEMO_DIR="$state" # config.yaml's paths
kubectl=("$bin_dir/kubectl" --kubeconfig "$state/admin.kubeconfig")
cluster_pid="" wk_pid=""

# stop PID NAME: SIGTERM, then wait for it (both handle it gracefully).
# shellcheck disable=SC2317 # called from the EXIT trap
stop() {
	if [[ -n "$1" ]] && kill -0 "$1" 2>/dev/null; then
		say "stopping $2"
		kill -TERM "$1" 2>/dev/null || true
		wait "$1" 2>/dev/null || true
	fi
}
# shellcheck disable=SC2317 # the EXIT trap
cleanup() {
	trap - INT TERM
	stop "$wk_pid" Watchkeeper
	stop "$cluster_pid" "the local control plane"
	if [[ -n "${DEMO_LOG:-}" && -f "$state/watchkeeper.log" ]]; then
		cp "$state/watchkeeper.log" "$DEMO_LOG" || true
	fi
	rm -rf "$state"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

say "Ctrl-C stops the demo at any time and removes everything it started"
say "building the local cluster's helpers (hack/devcluster, hack/demo/seed)"
go build -o "$state/bin/" ./hack/devcluster ./hack/demo/seed

say "starting etcd, kube-apiserver and a fake kubelet for node demo-node (state in $state)"
WATCHKEEPER_CONTROLPLANE_BIN="$bin_dir" "$state/bin/devcluster" \
	-kubeconfig-out "$state/admin.kubeconfig" \
	-watchkeeper-kubeconfig-out "$state/watchkeeper.kubeconfig" \
	-rbac hack/demo/namespace.yaml -rbac deploy/rbac.yaml -bind-cluster-role watchkeeper \
	-rbac deploy/rbac-commands.yaml -rbac hack/demo/impersonation.yaml \
	-node demo-node -kubelet-ca-out "$state/kubelet-ca.pem" -kubelet-data hack/demo/kubelet.yaml \
	</dev/null >"$state/devcluster.out" 2>"$state/devcluster.log" &
cluster_pid=$!
for _ in $(seq 1 600); do
	grep -q '^ready ' "$state/devcluster.out" 2>/dev/null && break
	if ! kill -0 "$cluster_pid" 2>/dev/null; then
		say "the control plane failed to start:"
		tail -20 "$state/devcluster.log" >&2
		exit 1
	fi
	sleep 0.2
done
grep -q '^ready ' "$state/devcluster.out" || { say "control plane not ready after 120s"; exit 1; }
say "control plane ready: export KUBECONFIG=$state/admin.kubeconfig"
say "  (kubectl: $bin_dir/kubectl)"

say "creating the demo workloads (hack/demo/resources.yaml) and playing their controllers and kubelet"
"${kubectl[@]}" apply -f hack/demo/resources.yaml >&2
"$state/bin/seed" -kubeconfig "$state/admin.kubeconfig" world >&2

# Watchkeeper's full log goes to a file; the terminal shows its warnings
# and errors. The filter ignores Ctrl-C so it outlives Watchkeeper's last
# words instead of breaking its stderr.
log="$state/watchkeeper.log"
args=(run --config hack/demo/config.yaml --kubeconfig "$state/watchkeeper.kubeconfig")
if [[ -n "${DEMO_TIMEOUT:-}" ]]; then
	args=(timeout --foreground -s TERM "$DEMO_TIMEOUT" bin/watchkeeper "${args[@]}")
else
	args=(bin/watchkeeper "${args[@]}")
fi
say "starting Watchkeeper with the console adapter (no Slack needed); full log: $log"
if [[ -n "$input" ]]; then
	# Scripted: commands go in through a FIFO once Watchkeeper is ready.
	mkfifo "$state/input"
	exec 3<>"$state/input"
	"${args[@]}" <"$state/input" 3>&- 2> >(trap '' INT TERM; tee -a "$log" | grep --line-buffered -E ' (WRN|ERR|FTL|PNC) ' >&2) &
else
	"${args[@]}" <&0 2> >(trap '' INT TERM; tee -a "$log" | grep --line-buffered -E ' (WRN|ERR|FTL|PNC) ' >&2) &
fi
wk_pid=$!

# Ready means /readyz answers 200: informer caches synced, console up. The
# port is free-chosen (server.listen 127.0.0.1:0); the log names it.
readyz() {
	local reply
	reply="$(
		exec 2>/dev/null 5<>"/dev/tcp/$1/$2" || exit 1
		printf 'GET /readyz HTTP/1.0\r\nHost: %s\r\n\r\n' "$1:$2" >&5
		IFS= read -r -t 2 status_line <&5 && printf '%s' "$status_line"
	)" || return 1
	[[ "$reply" == HTTP/1.?" 200"* ]]
}
addr=""
for _ in $(seq 1 300); do
	kill -0 "$wk_pid" 2>/dev/null || { say "Watchkeeper exited during start-up:"; tail -20 "$log" >&2; exit 1; }
	if [[ -z "$addr" ]]; then
		# (the log file appears with Watchkeeper's first line)
		addr="$(sed -n 's/.*serving \/healthz.* addr=\([0-9.]*:[0-9]*\).*/\1/p' "$log" 2>/dev/null | head -1 || true)"
	fi
	if [[ -n "$addr" ]] && readyz "${addr%:*}" "${addr##*:}"; then
		break
	fi
	sleep 0.2
done
if [[ -z "$addr" ]] || ! readyz "${addr%:*}" "${addr##*:}"; then
	say "Watchkeeper not ready after 60s"
	tail -20 "$log" >&2
	exit 1
fi
say "Watchkeeper is ready (http://$addr/readyz, /metrics)"

"$state/bin/seed" -kubeconfig "$state/admin.kubeconfig" incidents >&2
crashing="$("${kubectl[@]}" -n demo get pods -l app=api -o jsonpath='{.items[0].metadata.name}')"
cat >&2 <<MSG
demo: alerts for these (and for the db's filling PVC) print below within seconds.
demo: you are the console user ULOCAL in channel CONSOLE; the demo policy lets you read
demo: the demo namespace and restart or scale its Deployments. Try:
demo:   get pods -n demo
demo:   describe pod $crashing -n demo
demo:   logs $crashing -n demo --tail 20
demo:   events -n demo
demo:   get pvc -n demo
demo:   rollout restart deploy/api -n demo
demo:   whoami
demo:   can-i delete pod x -n demo
demo:   help
demo: Ctrl-C stops the demo and removes its state.
MSG

if [[ -n "$input" ]]; then
	say "sending the commands from ${input/#-/stdin}"
	while IFS= read -r line || [[ -n "$line" ]]; do
		[[ "$line" =~ ^[[:space:]]*(#|$) ]] && continue
		printf '%s\n' "$line" >&3
	done < <(if [[ "$input" == - ]]; then cat; else cat -- "$input"; fi)
	exec 3>&-
fi

# wait returns early when a trapped signal arrives; the trap then exits.
status=0
wait "$wk_pid" || status=$?
wk_pid=""
if [[ $status -eq 124 ]]; then
	say "DEMO_TIMEOUT ($DEMO_TIMEOUT) reached"
	status=0
fi
exit "$status"
