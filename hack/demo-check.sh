#!/usr/bin/env bash
# The expected replies quote Slack-style `code`, not shell expansions:
# shellcheck disable=SC2016
# make demo-check: run `make demo` non-interactively with the commands in
# hack/demo/script.txt and check what a person would see: the alerts (OOM
# crash loop, image pull, PVC capacity), the replies (get pods table,
# redacted logs, restart, policy refusals), and that no secret or
# token-like string is printed anywhere. It stops the demo as soon as every
# expected line is there, or after DEMO_TIMEOUT (default 120s).
#
#   DEMO_CHECK_VERBOSE=1   print the transcript even when the checks pass
#
# Needs bin/watchkeeper and the control plane binaries: `make demo-check`
# builds both.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"

[[ -x bin/watchkeeper ]] || { echo "demo-check: bin/watchkeeper missing: run make build" >&2; exit 2; }
work="$(mktemp -d "${TMPDIR:-/tmp}/watchkeeper-demo-check.XXXXXX")"
out="$work/stdout" err="$work/stderr" log="$work/watchkeeper.log"
demo_pid=""
cleanup() {
	if [[ -n "$demo_pid" ]] && kill -0 "$demo_pid" 2>/dev/null; then
		kill -TERM "$demo_pid" 2>/dev/null || true
		wait "$demo_pid" 2>/dev/null || true
	fi
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# reply CMD: what the console printed for the command line starting with
# CMD, up to the next command or alert.
reply() {
	awk -v cmd="> $1" 'index($0, "> ") == 1 { on = index($0, cmd) == 1; next } /^── console/ { on = 0 } on' "$out"
}
has() { grep -qE -- "$2" "$1" 2>/dev/null; }
reply_has() { reply "$1" | grep -qF -- "$2"; }

# The checks: name, then what it asserts. Positive checks are what the
# demo waits for; negative ones can only be judged at the end.
declare -A what=(
	[alert_oom]="an OOMKilled crash-loop alert for Deployment demo/api, with the last log lines, redacted"
	[alert_pull]="an ImagePullBackOff alert for demo/worker naming the missing image"
	[alert_pvc]="a PVC capacity alert for data-db-0 (92% used)"
	[whoami]="whoami names the console user and its demo role"
	[get_pods]="get pods -n demo prints the table with the demo pods"
	[logs]="logs --tail 5 shows the last lines with the password redacted"
	[restart]="rollout restart deploy/api succeeds"
	[delete_denied]="delete pod is refused by the policy"
	[secrets_refused]="get secrets -o yaml is refused"
	[no_cluster_refusal]="no allowed command was refused by cluster RBAC (impersonation, deploy/rbac-commands.yaml)"
	[no_password]="the leaked password (hunter2) never appears"
	[no_tokens]="no token-like strings (Slack tokens, JWTs, bearer tokens, private keys) appear"
)
positive=(alert_oom alert_pull alert_pvc whoami get_pods logs restart delete_denied secrets_refused)
negative=(no_cluster_refusal no_password no_tokens)

check_alert_oom() {
	has "$out" '^CRITICAL +OOMKilled in demo/api$' && has "$out" 'cause +OOMKilled \(exit code 137\)' &&
		has "$out" '^ +\| .*password=\[REDACTED\]'
}
check_alert_pull() { has "$out" 'ImagePullBackOff in demo/worker$' && has "$out" 'cause +image not found'; }
check_alert_pvc() { has "$out" '^CRITICAL +PVCUsageHigh in demo/db$' && has "$out" 'pvc +data-db-0' && has "$out" 'cause +9[0-9]% used'; }
check_whoami() { reply_has whoami 'user ID `ULOCAL`' && reply_has whoami 'Roles here: `role:oncall`'; }
check_get_pods() {
	local table
	table="$(reply 'get pods -n demo')"
	grep -qE '^NAME +READY +STATUS +RESTARTS +AGE' <<<"$table" &&
		grep -qE '^api-7c9f6d8b45-x2x9k +0/1 +CrashLoopBackOff' <<<"$table" &&
		grep -qE '^worker-6b8d9c7f5c-p9z4j +0/1 +ImagePullBackOff' <<<"$table" &&
		grep -qE '^web-5d4b8f7c9d-h2v8n +1/1 +Running' <<<"$table" &&
		grep -qE '^db-0 +1/1 +Running' <<<"$table"
}
check_logs() {
	reply_has 'logs api-7c9f6d8b45-x2x9k' 'password=[REDACTED]' &&
		[[ "$(reply 'logs api-7c9f6d8b45-x2x9k' | grep -cv '^<@ULOCAL> ran')" -eq 5 ]]
}
check_restart() { reply_has 'rollout restart deploy/api' 'deployment.apps/api restarted'; }
check_delete_denied() { reply_has 'delete pod' 'You are not allowed to `delete pods` in `demo`'; }
check_secrets_refused() {
	reply_has 'get secrets' 'You are not allowed to' && ! reply 'get secrets' | grep -qE '^(kind: Secret|data:)'
}
check_no_cluster_refusal() { ! grep -q 'The cluster refused' "$out"; }
check_no_password() { ! grep -q hunter2 "$out" "$err" "$log"; }
check_no_tokens() {
	! grep -qE 'xox[abposre]-[A-Za-z0-9-]{6,}|xapp-[0-9]-[A-Za-z0-9]|eyJ[A-Za-z0-9_-]{8,}\.eyJ|-----BEGIN [A-Z ]*PRIVATE KEY|[Bb]earer +[A-Za-z0-9._~+/-]{8,}' \
		"$out" "$err" "$log"
}

positives_pass() {
	local c
	for c in "${positive[@]}"; do "check_$c" || return 1; done
}

echo "demo-check: running the demo with hack/demo/script.txt" >&2
begin=$SECONDS
DEMO_INPUT=hack/demo/script.txt DEMO_TIMEOUT="${DEMO_TIMEOUT:-120s}" DEMO_LOG="$log" \
	bash hack/demo.sh </dev/null >"$out" 2>"$err" &
demo_pid=$!
seen=""
while kill -0 "$demo_pid" 2>/dev/null; do
	if positives_pass; then
		seen=$((SECONDS - begin))
		kill -TERM "$demo_pid" 2>/dev/null || true
		break
	fi
	sleep 0.5
done
wait "$demo_pid" 2>/dev/null || true # 143 when stopped here
demo_pid=""
elapsed=$((SECONDS - begin))
[[ -n "$seen" ]] && echo "demo-check: everything expected was printed after ${seen}s; the demo stopped after ${elapsed}s"

failed=0
for c in "${positive[@]}" "${negative[@]}"; do
	if "check_$c"; then
		echo "demo-check: ok    ${what[$c]}"
	else
		echo "demo-check: FAIL  ${what[$c]}"
		failed=$((failed + 1))
	fi
done
if ((failed > 0)) || [[ -n "${DEMO_CHECK_VERBOSE:-}" ]]; then
	echo "----- demo stdout (the console) -----"
	cat "$out"
	echo "----- demo stderr -----"
	cat "$err"
	if ((failed > 0)) && [[ -f "$log" ]]; then
		echo "----- Watchkeeper log (last 40 lines) -----"
		tail -40 "$log"
	fi
fi
if ((failed > 0)); then
	echo "demo-check: $failed check(s) failed after ${elapsed}s" >&2
	exit 1
fi
echo "demo-check: all $((${#positive[@]} + ${#negative[@]})) checks passed in ${elapsed}s"
