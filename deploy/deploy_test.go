package deploy_test

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"

	"github.com/watchkeeper/watchkeeper/deploy"
	"github.com/watchkeeper/watchkeeper/internal/testenv"
)

// env is the package's control plane, set only by TestMain.
var env *testenv.Env

func TestMain(m *testing.M) { os.Exit(testenv.RunMain(m, testenv.Options{}, &env)) }

const chartDir = "helm/watchkeeper"

// Fake tokens: the tests check they land only in the Secret.
const (
	fakeBotToken = "xoxb-fake-bot-token-4711"
	fakeAppToken = "xapp-fake-app-token-0815"
)

// scenario is one set of values the chart is rendered with.
type scenario struct {
	name   string
	values string // YAML over the chart defaults
}

// scenarios covers the defaults and each optional feature.
var scenarios = []scenario{
	{name: "defaults"},
	{name: "existingSecret", values: `slack: {existingSecret: my-slack-tokens}`},
	{name: "tokens", values: `slack: {botToken: ` + fakeBotToken + `, appToken: ` + fakeAppToken + `}`},
	{name: "apiserverProxy", values: `config: {watchers: {pvc: {source: apiserverProxy}}}`},
	{name: "serviceMonitor", values: `{metrics: {serviceMonitor: {enabled: true}}, grafana: {dashboard: {enabled: true}}}`},
	{name: "impersonationUsers", values: `commands: {impersonation: {users: [U0AAAAAAA1, W0BBBBBBB2]}}`},
	{name: "singleReplica", values: `replicaCount: 1`},
	{name: "pvcOff", values: `config: {watchers: {pvc: {enabled: false}, nodes: {enabled: false}}}`},
	{name: "allFeatures", values: allFeatures},
}

// allFeatures turns every option on at once; it is also what the API
// server test applies.
const allFeatures = `
slack: {botToken: ` + fakeBotToken + `, appToken: ` + fakeAppToken + `}
commands: {impersonation: {users: [U0AAAAAAA1, W0BBBBBBB2]}}
config:
  clusterName: prod-eu-1
  slack: {alertChannel: C0123456789}
  rbac:
    impersonation:
      roleGroups:
        "role:lead": ["watchkeeper:operators", "team-leads"]
metrics: {serviceMonitor: {enabled: true, labels: {release: prom}}}
grafana: {dashboard: {enabled: true}}
networkPolicy:
  apiServerCIDRs: ["10.0.0.10/32", "10.0.0.11/32"]
  kubeletCIDRs: ["10.1.0.0/16"]
  extraEgress:
    - to: [{ipBlock: {cidr: 10.2.0.1/32}}]
      ports: [{protocol: TCP, port: 3128}]
podLabels: {team: platform}
nodeSelector: {kubernetes.io/os: linux}
`

// values parses a YAML values snippet.
func values(t testing.TB, s string) map[string]any {
	t.Helper()
	v := map[string]any{}
	require.NoError(t, yaml.Unmarshal([]byte(s), &v))
	return v
}

// render renders the chart as release watchkeeper in namespace watchkeeper.
func render(t testing.TB, vals string) deploy.Rendered {
	t.Helper()
	r, err := deploy.Render(chartDir, deploy.KustomizeRelease, values(t, vals))
	require.NoError(t, err)
	return r
}

// manifests is a render parsed into objects.
type manifests struct {
	objs []*unstructured.Unstructured
	r    deploy.Rendered
}

func renderObjects(t testing.TB, vals string) manifests {
	t.Helper()
	r := render(t, vals)
	var m manifests
	m.r = r
	for _, name := range r.Names() {
		m.objs = append(m.objs, parseYAML(t, name, []byte(r.Manifests[name]))...)
	}
	return m
}

// parseYAML decodes every object of a multi-document YAML stream.
func parseYAML(t testing.TB, name string, data []byte) []*unstructured.Unstructured {
	t.Helper()
	var objs []*unstructured.Unstructured
	reader := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(data)))
	for {
		raw, err := reader.Read()
		if errors.Is(err, io.EOF) {
			return objs
		}
		require.NoError(t, err, name)
		js, err := yaml.YAMLToJSON(raw)
		require.NoError(t, err, "%s: %s", name, raw)
		if s := strings.TrimSpace(string(js)); s == "null" || s == "" {
			continue
		}
		obj := &unstructured.Unstructured{}
		require.NoError(t, obj.UnmarshalJSON(js), name)
		objs = append(objs, obj)
	}
}

// get returns the object of kind and name, or nil.
func (m manifests) get(kind, name string) *unstructured.Unstructured {
	for _, o := range m.objs {
		if o.GetKind() == kind && o.GetName() == name {
			return o
		}
	}
	return nil
}

func (m manifests) ofKind(kind string) []*unstructured.Unstructured {
	var out []*unstructured.Unstructured
	for _, o := range m.objs {
		if o.GetKind() == kind {
			out = append(out, o)
		}
	}
	return out
}

// typed converts the object of kind and name into out, failing if absent.
func (m manifests) typed(t testing.TB, kind, name string, out any) {
	t.Helper()
	o := m.get(kind, name)
	require.NotNil(t, o, "%s %s not rendered", kind, name)
	require.NoError(t, runtime.DefaultUnstructuredConverter.FromUnstructured(o.Object, out))
}

func (m manifests) deployment(t testing.TB) appsv1.Deployment {
	t.Helper()
	var d appsv1.Deployment
	m.typed(t, "Deployment", "watchkeeper", &d)
	return d
}

func (m manifests) clusterRole(t testing.TB, name string) rbacv1.ClusterRole {
	t.Helper()
	var r rbacv1.ClusterRole
	m.typed(t, "ClusterRole", name, &r)
	return r
}

func (m manifests) configYAML(t testing.TB) []byte {
	t.Helper()
	var cm corev1.ConfigMap
	m.typed(t, "ConfigMap", "watchkeeper-config", &cm)
	require.Contains(t, cm.Data, "config.yaml")
	return []byte(cm.Data["config.yaml"])
}

// fileObjects reads a YAML file of this directory (deploy/rbac.yaml, ...).
func fileObjects(t testing.TB, path string) manifests {
	t.Helper()
	data, err := os.ReadFile(filepath.FromSlash(path))
	require.NoError(t, err)
	return manifests{objs: parseYAML(t, path, data)}
}

// writeObjects writes objects as one multi-document YAML file for Env.Apply.
func writeObjects(t testing.TB, name string, objs []*unstructured.Unstructured) string {
	t.Helper()
	var b bytes.Buffer
	for _, o := range objs {
		y, err := yaml.Marshal(o.Object)
		require.NoError(t, err)
		b.WriteString("---\n")
		b.Write(y)
	}
	p := filepath.Join(t.TempDir(), name)
	require.NoError(t, os.WriteFile(p, b.Bytes(), 0o600))
	return p
}

// renderErr renders and returns the error instead of failing.
func renderErr(t testing.TB, vals string) (deploy.Rendered, error) {
	t.Helper()
	return deploy.Render(chartDir, deploy.KustomizeRelease, values(t, vals))
}

func readFile(t testing.TB, path string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.FromSlash(path))
	require.NoError(t, err)
	return string(b)
}
