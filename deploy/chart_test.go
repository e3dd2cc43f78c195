package deploy_test

import (
	"encoding/base64"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"sigs.k8s.io/yaml"

	"github.com/watchkeeper/watchkeeper/deploy"
	"github.com/watchkeeper/watchkeeper/internal/config"
	"github.com/watchkeeper/watchkeeper/rbac"
)

// TestChartHardening checks the pod of every scenario against the
// hardening the chart promises.
func TestChartHardening(t *testing.T) {
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			m := renderObjects(t, sc.values)
			d := m.deployment(t)
			pod := d.Spec.Template.Spec

			require.False(t, pod.HostNetwork, "hostNetwork")
			require.False(t, pod.HostPID, "hostPID")
			require.False(t, pod.HostIPC, "hostIPC")
			require.NotNil(t, pod.AutomountServiceAccountToken)
			require.True(t, *pod.AutomountServiceAccountToken, "Watchkeeper needs its token for the API server")
			require.Equal(t, "watchkeeper", pod.ServiceAccountName)
			for _, v := range pod.Volumes {
				require.Nil(t, v.HostPath, "hostPath volume %s", v.Name)
			}
			psc := pod.SecurityContext
			require.NotNil(t, psc)
			require.Equal(t, ptrTrue, psc.RunAsNonRoot)
			require.EqualValues(t, 65532, *psc.RunAsUser)
			require.Equal(t, corev1.SeccompProfileTypeRuntimeDefault, psc.SeccompProfile.Type)

			containers := append(slices.Clone(pod.InitContainers), pod.Containers...)
			require.Len(t, containers, 1)
			for _, c := range containers {
				sc := c.SecurityContext
				require.NotNil(t, sc, c.Name)
				require.Equal(t, ptrTrue, sc.RunAsNonRoot, c.Name)
				require.EqualValues(t, 65532, *sc.RunAsUser, c.Name)
				require.Equal(t, ptrTrue, sc.ReadOnlyRootFilesystem, c.Name)
				require.Equal(t, ptrFalse, sc.AllowPrivilegeEscalation, c.Name)
				require.NotEqual(t, ptrTrue, sc.Privileged, c.Name)
				require.Equal(t, []corev1.Capability{"ALL"}, sc.Capabilities.Drop, c.Name)
				require.Empty(t, sc.Capabilities.Add, c.Name)
				require.Equal(t, corev1.SeccompProfileTypeRuntimeDefault, sc.SeccompProfile.Type, c.Name)
			}

			c := pod.Containers[0]
			require.Equal(t, []string{"run", "--config", "/etc/watchkeeper/config.yaml"}, c.Args)
			require.True(t, strings.HasPrefix(c.Image, "ghcr.io/watchkeeper/watchkeeper:"), c.Image)
			require.Equal(t, "/healthz", c.LivenessProbe.HTTPGet.Path)
			require.Equal(t, "http", c.LivenessProbe.HTTPGet.Port.String())
			require.Equal(t, "/readyz", c.ReadinessProbe.HTTPGet.Path)
			require.Equal(t, "http", c.ReadinessProbe.HTTPGet.Port.String())
			require.Equal(t, []corev1.ContainerPort{{Name: "http", ContainerPort: 8080, Protocol: corev1.ProtocolTCP}}, c.Ports)

			envs := map[string]corev1.EnvVar{}
			for _, e := range c.Env {
				envs[e.Name] = e
			}
			require.Equal(t, "metadata.namespace", envs["POD_NAMESPACE"].ValueFrom.FieldRef.FieldPath)
			require.Equal(t, "metadata.name", envs["POD_NAME"].ValueFrom.FieldRef.FieldPath)
			for _, name := range []string{"SLACK_BOT_TOKEN", "SLACK_APP_TOKEN"} {
				require.NotNil(t, envs[name].ValueFrom, name)
				require.NotNil(t, envs[name].ValueFrom.SecretKeyRef, "%s must come from the Secret", name)
				require.Empty(t, envs[name].Value, name)
			}

			// GOMEMLIMIT: 90% of the memory limit, so the GC works before the OOM killer.
			limit := c.Resources.Limits[corev1.ResourceMemory]
			require.False(t, limit.IsZero(), "memory limit")
			require.Equal(t, "256Mi", limit.String())
			gml, err := strconv.ParseInt(envs["GOMEMLIMIT"].Value, 10, 64)
			require.NoError(t, err, "GOMEMLIMIT %q", envs["GOMEMLIMIT"].Value)
			require.Less(t, gml, limit.Value())
			require.Equal(t, limit.Value()*90/100, gml)

			mounts := map[string]corev1.VolumeMount{}
			for _, vm := range c.VolumeMounts {
				mounts[vm.MountPath] = vm
			}
			require.Empty(t, mounts["/etc/watchkeeper/policy"].SubPath, "the policy must be a directory mount to hot-reload")
			require.Equal(t, "policy", mounts["/etc/watchkeeper/policy"].Name)
			require.Equal(t, "tmp", mounts["/tmp"].Name)
			for _, v := range pod.Volumes {
				if v.Name == "tmp" {
					require.NotNil(t, v.EmptyDir)
					require.NotNil(t, v.EmptyDir.SizeLimit, "emptyDir sizeLimit")
				}
			}
		})
	}
}

var (
	ptrTrue  = new(true)
	ptrFalse = new(false)
)

// TestChartGoMemLimit checks the computed GOMEMLIMIT for each unit and that
// a limit the template cannot read fails the render instead of guessing.
func TestChartGoMemLimit(t *testing.T) {
	for _, tc := range []struct {
		limit string
		pct   int
		want  string
	}{
		{"256Mi", 90, "241591910"},
		{"1Gi", 90, "966367641"},
		{"512M", 90, "460800000"},
		{"300000000", 90, "270000000"},
		{"128Mi", 80, "107374182"},
	} {
		t.Run(tc.limit, func(t *testing.T) {
			m := renderObjects(t, "{resources: {limits: {memory: \""+tc.limit+"\"}}, goMemLimitPercent: "+strconv.Itoa(tc.pct)+"}")
			var got string
			for _, e := range m.deployment(t).Spec.Template.Spec.Containers[0].Env {
				if e.Name == "GOMEMLIMIT" {
					got = e.Value
				}
			}
			require.Equal(t, tc.want, got)
			q := resource.MustParse(tc.limit)
			n, err := strconv.ParseInt(got, 10, 64)
			require.NoError(t, err)
			require.Equal(t, q.Value()*int64(tc.pct)/100, n)
		})
	}
	for _, bad := range []string{`"0.5Gi"`, `"256MB"`, `"1e9"`} {
		t.Run("rejects "+bad, func(t *testing.T) {
			_, err := deploy.Render(chartDir, deploy.KustomizeRelease, values(t, "resources: {limits: {memory: "+bad+"}}"))
			require.ErrorContains(t, err, "resources.limits.memory")
		})
	}
	t.Run("no limit, no GOMEMLIMIT", func(t *testing.T) {
		m := renderObjects(t, "resources: {limits: null}")
		for _, e := range m.deployment(t).Spec.Template.Spec.Containers[0].Env {
			require.NotEqual(t, "GOMEMLIMIT", e.Name)
		}
	})
}

// TestChartSecrets checks that tokens are written only to the Secret and
// that existingSecret replaces it.
func TestChartSecrets(t *testing.T) {
	secretRefs := func(m manifests) []string {
		var names []string
		for _, e := range m.deployment(t).Spec.Template.Spec.Containers[0].Env {
			if e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil {
				names = append(names, e.ValueFrom.SecretKeyRef.Name+"/"+e.ValueFrom.SecretKeyRef.Key)
			}
		}
		return names
	}

	t.Run("tokens", func(t *testing.T) {
		m := renderObjects(t, `slack: {botToken: `+fakeBotToken+`, appToken: `+fakeAppToken+`}`)
		var s corev1.Secret
		m.typed(t, "Secret", "watchkeeper-slack", &s)
		require.Equal(t, fakeBotToken, string(s.Data["botToken"]))
		require.Equal(t, fakeAppToken, string(s.Data["appToken"]))
		require.Len(t, m.ofKind("Secret"), 1)
		require.Equal(t, []string{"watchkeeper-slack/botToken", "watchkeeper-slack/appToken"}, secretRefs(m))
		require.Contains(t, m.deployment(t).Spec.Template.Annotations, "checksum/secret", "a token change must roll the pods")
		for name, text := range m.r.Manifests {
			for _, tok := range []string{fakeBotToken, fakeAppToken} {
				require.NotContains(t, text, tok, "%s holds a token in clear", name)
				if name != "secret.yaml" {
					require.NotContains(t, text, base64.StdEncoding.EncodeToString([]byte(tok)), "%s holds a token", name)
				}
			}
		}
		require.NotContains(t, string(m.configYAML(t)), "xox")
	})
	t.Run("existingSecret", func(t *testing.T) {
		m := renderObjects(t, `slack: {existingSecret: my-slack-tokens, botToken: `+fakeBotToken+`}`)
		require.Empty(t, m.ofKind("Secret"))
		require.Equal(t, []string{"my-slack-tokens/botToken", "my-slack-tokens/appToken"}, secretRefs(m))
		for name, text := range m.r.Manifests {
			require.NotContains(t, text, fakeBotToken, name)
		}
	})
	t.Run("defaults expect a Secret created by hand", func(t *testing.T) {
		m := renderObjects(t, "")
		require.Empty(t, m.ofKind("Secret"))
		require.Equal(t, []string{"watchkeeper-slack/botToken", "watchkeeper-slack/appToken"}, secretRefs(m))
		require.Contains(t, m.r.Notes, "create secret generic watchkeeper-slack")
		require.Contains(t, m.r.Notes, "config.slack.alertChannel is empty")
		require.Contains(t, m.r.Notes, "commands.impersonation.users is empty")
	})
	t.Run("half the tokens is an error", func(t *testing.T) {
		_, err := deploy.Render(chartDir, deploy.KustomizeRelease, values(t, `slack: {botToken: `+fakeBotToken+`}`))
		require.ErrorContains(t, err, "slack.appToken is required")
	})
}

// TestChartConfigValid runs config.yaml, as each scenario renders it, through
// Watchkeeper's own config validation, and checks the chart-owned keys.
func TestChartConfigValid(t *testing.T) {
	env := map[string]string{"SLACK_BOT_TOKEN": "xoxb-test", "SLACK_APP_TOKEN": "xapp-test"}
	opts := config.LoadOptions{
		LookupEnv: func(k string) (string, bool) { v, ok := env[k]; return v, ok },
		ReadFile: func(p string) ([]byte, error) {
			t.Errorf("config reads a file: %s", p)
			return nil, nil
		},
	}
	leaderKeys := configKnows("leaderElection")
	if !leaderKeys {
		t.Log("internal/config has no leaderElection key yet: validating config.yaml without it (the chart still renders it)")
	}
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			// alertChannel has no usable default; everything else does.
			m := renderObjects(t, mergeYAML(t, sc.values, `config: {slack: {alertChannel: C0123456789}}`))
			data := m.configYAML(t)

			var raw map[string]any
			require.NoError(t, yaml.Unmarshal(data, &raw))
			le, ok := raw["leaderElection"].(map[string]any)
			require.True(t, ok, "leaderElection rendered")
			require.Equal(t, true, le["enabled"])
			require.Equal(t, "watchkeeper", le["leaseName"])
			if !leaderKeys {
				delete(raw, "leaderElection")
				var err error
				data, err = yaml.Marshal(raw)
				require.NoError(t, err)
			}

			cfg, err := config.Parse(data, opts)
			require.NoError(t, err, "config.yaml:\n%s", data)
			require.Equal(t, "xoxb-test", cfg.Slack.BotToken.Reveal())
			require.Equal(t, "xapp-test", cfg.Slack.AppToken.Reveal())
			require.Equal(t, "/etc/watchkeeper/policy/policy.csv", cfg.RBAC.PolicyFile)
			require.Equal(t, "/tmp/watchkeeper-cache", cfg.Commands.CacheDir)
			require.Equal(t, ":8080", cfg.Server.Listen)
			require.Equal(t, "watchkeeper-state", cfg.Notifier.StateConfigMap)
			require.True(t, config.On(cfg.RBAC.Impersonation.Enabled))
		})
	}
	t.Run("chart-owned keys win over the config value", func(t *testing.T) {
		m := renderObjects(t, `config: {slack: {botToken: xoxb-leaked, alertChannel: C0123456789}, server: {listen: ":9090"}, leaderElection: {enabled: false}}`)
		data := string(m.configYAML(t))
		require.NotContains(t, data, "xoxb-leaked")
		require.Contains(t, data, "botToken: ${SLACK_BOT_TOKEN}")
		require.Contains(t, data, "listen: :8080")
		require.Contains(t, data, "enabled: true")
	})
}

// configKnows reports whether internal/config accepts a top-level key.
func configKnows(key string) bool {
	rt := reflect.TypeFor[config.Config]()
	for i := range rt.NumField() {
		name, _, _ := strings.Cut(rt.Field(i).Tag.Get("yaml"), ",")
		if name == key {
			return true
		}
	}
	return false
}

// mergeYAML deep-merges two values snippets, b over a.
func mergeYAML(t testing.TB, a, b string) string {
	t.Helper()
	va, vb := values(t, a), values(t, b)
	var merge func(dst, src map[string]any)
	merge = func(dst, src map[string]any) {
		for k, v := range src {
			if sm, ok := v.(map[string]any); ok {
				if dm, ok := dst[k].(map[string]any); ok {
					merge(dm, sm)
					continue
				}
			}
			dst[k] = v
		}
	}
	merge(va, vb)
	out, err := yaml.Marshal(va)
	require.NoError(t, err)
	return string(out)
}

// TestChartDefaultPolicy checks that the shipped example policy loads.
func TestChartDefaultPolicy(t *testing.T) {
	m := renderObjects(t, "")
	var cm corev1.ConfigMap
	m.typed(t, "ConfigMap", "watchkeeper-policy", &cm)
	_, err := rbac.ParsePolicy([]byte(cm.Data["policy.csv"]))
	require.NoError(t, err)
}

// TestChartRollsOnConfigNotPolicy checks the checksum annotations: a config
// change rolls the pods, a policy change does not (it hot-reloads).
func TestChartRollsOnConfigNotPolicy(t *testing.T) {
	template := func(vals string) string {
		d := renderObjects(t, vals).deployment(t)
		b, err := yaml.Marshal(d.Spec.Template)
		require.NoError(t, err)
		return string(b)
	}
	base := template("")
	require.Contains(t, base, "checksum/config")
	require.NotEqual(t, base, template(`config: {log: {level: debug}}`), "a config change must change the pod template")
	require.Equal(t, base, template(`policy: "p, role:viewer, C0ABCDEFG, *, pods, get, allow\n"`), "a policy change must not roll the pods")
}

// TestChartPodDisruptionBudget checks the PDB follows the replica count.
func TestChartPodDisruptionBudget(t *testing.T) {
	m := renderObjects(t, "")
	require.EqualValues(t, 2, *m.deployment(t).Spec.Replicas)
	pdb := m.get("PodDisruptionBudget", "watchkeeper")
	require.NotNil(t, pdb)
	minAvailable, _, _ := unstructuredInt(pdb.Object, "spec", "minAvailable")
	require.EqualValues(t, 1, minAvailable)

	m = renderObjects(t, "replicaCount: 1")
	require.Nil(t, m.get("PodDisruptionBudget", "watchkeeper"), "one replica: a PDB would block every drain")

	aff := renderObjects(t, "").deployment(t).Spec.Template.Spec.Affinity
	require.NotNil(t, aff)
	terms := aff.PodAntiAffinity.PreferredDuringSchedulingIgnoredDuringExecution
	require.Len(t, terms, 1)
	require.Equal(t, "kubernetes.io/hostname", terms[0].PodAffinityTerm.TopologyKey)
}

func unstructuredInt(obj map[string]any, fields ...string) (int64, bool, error) {
	var cur any = obj
	for _, f := range fields {
		m, ok := cur.(map[string]any)
		if !ok {
			return 0, false, nil
		}
		cur = m[f]
	}
	switch v := cur.(type) {
	case int64:
		return v, true, nil
	case float64:
		return int64(v), true, nil
	}
	return 0, false, nil
}

// TestChartOptionalObjects checks the ServiceMonitor and dashboard toggles.
func TestChartOptionalObjects(t *testing.T) {
	m := renderObjects(t, "")
	require.Empty(t, m.ofKind("ServiceMonitor"))
	require.Nil(t, m.get("ConfigMap", "watchkeeper-dashboard"))
	require.NotNil(t, m.get("Service", "watchkeeper"))

	m = renderObjects(t, `{metrics: {serviceMonitor: {enabled: true}}, grafana: {dashboard: {enabled: true}}}`)
	sm := m.get("ServiceMonitor", "watchkeeper")
	require.NotNil(t, sm)
	require.Equal(t, "monitoring.coreos.com/v1", sm.GetAPIVersion())
	var cm corev1.ConfigMap
	m.typed(t, "ConfigMap", "watchkeeper-dashboard", &cm)
	require.Equal(t, "1", cm.Labels["grafana_dashboard"])
	require.JSONEq(t, readFile(t, "grafana/watchkeeper-dashboard.json"), cm.Data["watchkeeper-dashboard.json"])
}
