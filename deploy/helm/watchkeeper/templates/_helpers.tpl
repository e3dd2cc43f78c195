{{/* Chart name, truncated to a DNS label. */}}
{{- define "watchkeeper.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Full name: the release name, prefixed with the chart name unless it
contains it. */}}
{{- define "watchkeeper.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "watchkeeper.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels on every object. */}}
{{- define "watchkeeper.labels" -}}
helm.sh/chart: {{ include "watchkeeper.chart" . }}
{{ include "watchkeeper.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{/* Selector labels: stable across upgrades. */}}
{{- define "watchkeeper.selectorLabels" -}}
app.kubernetes.io/name: {{ include "watchkeeper.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "watchkeeper.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "watchkeeper.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* The Secret holding botToken and appToken. */}}
{{- define "watchkeeper.secretName" -}}
{{- default (printf "%s-slack" (include "watchkeeper.fullname" .)) .Values.slack.existingSecret }}
{{- end }}

{{/* Whether the chart renders the token Secret. */}}
{{- define "watchkeeper.createSecret" -}}
{{- if and (not .Values.slack.existingSecret) (or .Values.slack.botToken .Values.slack.appToken) }}true{{ end }}
{{- end }}

{{/* Names the Role grants by resourceNames; the same values render the
config, so the two cannot disagree. */}}
{{- define "watchkeeper.stateConfigMap" -}}
{{- dig "notifier" "stateConfigMap" "" .Values.config | default "watchkeeper-state" }}
{{- end }}

{{- define "watchkeeper.leaseName" -}}
{{- dig "leaderElection" "leaseName" "" .Values.config | default "watchkeeper" }}
{{- end }}

{{/* Feature switches read from the config value (nil means on, as in
internal/config). */}}
{{- define "watchkeeper.pvcEnabled" -}}
{{- if ne (toString (dig "watchers" "pvc" "enabled" true .Values.config)) "false" }}true{{ end }}
{{- end }}

{{- define "watchkeeper.nodesEnabled" -}}
{{- if ne (toString (dig "watchers" "nodes" "enabled" true .Values.config)) "false" }}true{{ end }}
{{- end }}

{{- define "watchkeeper.pvcSource" -}}
{{- dig "watchers" "pvc" "source" "" .Values.config | default "kubelet" }}
{{- end }}

{{- define "watchkeeper.impersonationEnabled" -}}
{{- if ne (toString (dig "rbac" "impersonation" "enabled" true .Values.config)) "false" }}true{{ end }}
{{- end }}

{{/* JSON list of the Kubernetes users Watchkeeper may impersonate. */}}
{{- define "watchkeeper.impersonationUsers" -}}
{{- $users := list }}
{{- range .Values.commands.impersonation.users }}
{{- if not (regexMatch "^[UW][A-Z0-9]{2,}$" (toString .)) }}
{{- fail (printf "commands.impersonation.users: %q is not a Slack user ID (U... or W...)" (toString .)) }}
{{- end }}
{{- $users = append $users (printf "watchkeeper:slack:%s" .) }}
{{- end }}
{{- $users | uniq | sortAlpha | toJson }}
{{- end }}

{{/* JSON list of every group rbac.impersonation.roleGroups maps to. */}}
{{- define "watchkeeper.impersonationGroups" -}}
{{- $groups := list }}
{{- range $role, $gs := (dig "rbac" "impersonation" "roleGroups" (dict) .Values.config) }}
{{- range $gs }}
{{- if hasPrefix "system:" (toString .) }}
{{- fail (printf "config.rbac.impersonation.roleGroups.%s: impersonating the system group %q would bypass cluster RBAC" $role .) }}
{{- end }}
{{- if . }}
{{- $groups = append $groups (toString .) }}
{{- end }}
{{- end }}
{{- end }}
{{- $groups | uniq | sortAlpha | toJson }}
{{- end }}

{{/* GOMEMLIMIT in bytes: goMemLimitPercent of resources.limits.memory,
computed here from the quantity string. (The downward API's
resourceFieldRef can only divide the limit by a unit, not take a
percentage, and Go has no relative GOMEMLIMIT.) Empty without a limit. */}}
{{- define "watchkeeper.goMemLimit" -}}
{{- $limit := dig "limits" "memory" "" (.Values.resources | default dict) }}
{{- if $limit }}
{{- $q := toString $limit }}
{{- if not (regexMatch "^[1-9][0-9]*(Ki|Mi|Gi|Ti|k|M|G|T)?$" $q) }}
{{- fail (printf "resources.limits.memory: %q must be a whole number with an optional unit Ki, Mi, Gi, Ti, k, M, G or T (quote it), e.g. \"256Mi\"" $q) }}
{{- end }}
{{- $num := regexFind "^[0-9]+" $q }}
{{- $unit := trimPrefix $num $q }}
{{- $mult := get (dict "" 1 "k" 1000 "M" 1000000 "G" 1000000000 "T" 1000000000000 "Ki" 1024 "Mi" 1048576 "Gi" 1073741824 "Ti" 1099511627776) $unit }}
{{- $pct := int64 .Values.goMemLimitPercent }}
{{- if or (lt $pct 10) (gt $pct 100) }}
{{- fail "goMemLimitPercent must be between 10 and 100" }}
{{- end }}
{{- div (mul (int64 $num) (int64 $mult) $pct) 100 }}
{{- end }}
{{- end }}

{{/* config.yaml: the config value with the chart-owned keys on top. */}}
{{- define "watchkeeper.config" -}}
{{- $owned := dict
  "slack" (dict "botToken" "${SLACK_BOT_TOKEN}" "appToken" "${SLACK_APP_TOKEN}")
  "server" (dict "listen" (printf ":%d" 8080))
  "rbac" (dict "policyFile" "/etc/watchkeeper/policy/policy.csv")
  "commands" (dict "cacheDir" "/tmp/watchkeeper-cache")
  "notifier" (dict "stateConfigMap" (include "watchkeeper.stateConfigMap" .))
  "leaderElection" (dict "enabled" true "leaseName" (include "watchkeeper.leaseName" .))
}}
{{- mergeOverwrite (deepCopy (.Values.config | default dict)) $owned | toYaml }}
{{- end }}
