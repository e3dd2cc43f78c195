package config_test

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/watchkeeper/watchkeeper/internal/config"
)

func env(vars map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := vars[k]; return v, ok }
}

func parse(t *testing.T, y string, vars map[string]string) (*config.Config, error) {
	t.Helper()
	return config.Parse([]byte(y), config.LoadOptions{LookupEnv: env(vars)})
}

func problemKeys(t *testing.T, err error) []string {
	t.Helper()
	require.Error(t, err)
	require.True(t, errors.Is(err, config.ErrInvalid), "want ErrInvalid, got %v", err)
	var ps config.Problems
	require.True(t, errors.As(err, &ps))
	keys := make([]string, 0, len(ps))
	for _, p := range ps {
		keys = append(keys, p.Key)
	}
	return keys
}

func TestDefaults(t *testing.T) {
	for _, in := range []string{"", "---\n", "{}\n"} {
		cfg, err := parse(t, in, nil)
		require.NoError(t, err, "input %q", in)
		require.Equal(t, "kubernetes", cfg.ClusterName)
		require.Equal(t, "https://slack.com/api/", cfg.Slack.APIURL)
		require.Equal(t, ":8080", cfg.Server.Listen)
		require.Equal(t, "json", cfg.Log.Format)
		require.Equal(t, "info", cfg.Log.Level)
		require.False(t, cfg.Slack.Enabled())
	}
}

const slackYAML = `
clusterName: prod-eu-1
slack:
  botToken: ${BOT}
  appToken: ${APP}
  apiURL: http://127.0.0.1:9999/api
  alertChannel: C0123456789
server:
  listen: 127.0.0.1:9090
log:
  format: console
  level: debug
`

func TestEnvExpansion(t *testing.T) {
	cfg, err := parse(t, slackYAML, map[string]string{"BOT": "xoxb-1-abc", "APP": "xapp-1-def"})
	require.NoError(t, err)
	require.Equal(t, "xoxb-1-abc", cfg.Slack.BotToken.Reveal())
	require.Equal(t, "xapp-1-def", cfg.Slack.AppToken.Reveal())
	require.True(t, cfg.Slack.Enabled())
	require.Equal(t, "http://127.0.0.1:9999/api/", cfg.Slack.APIURL, "trailing slash added")
	require.Equal(t, "prod-eu-1", cfg.ClusterName)
	require.Equal(t, "127.0.0.1:9090", cfg.Server.Listen)
	require.Equal(t, "console", cfg.Log.Format)
}

func TestEnvExpansionIsNotYAMLInjection(t *testing.T) {
	// A variable's content is substituted after parsing, so it cannot add keys.
	cfg, err := parse(t, "clusterName: ${NAME}\n", map[string]string{"NAME": "a\nslack: {}"})
	require.Nil(t, cfg)
	require.Equal(t, []string{"clusterName"}, problemKeys(t, err))

	cfg, err = parse(t, "clusterName: a$$b\n", nil)
	require.Nil(t, cfg)
	require.Equal(t, []string{"clusterName"}, problemKeys(t, err), "$$ is a literal $ which clusterName refuses")
	_ = cfg
}

func TestUnsetEnvNamesKeyAndVariable(t *testing.T) {
	_, err := parse(t, slackYAML, map[string]string{"BOT": "xoxb-1"})
	require.Equal(t, []string{"slack.appToken"}, problemKeys(t, err))
	require.Contains(t, err.Error(), "environment variable APP is not set")
}

func TestSecretFiles(t *testing.T) {
	dir := t.TempDir()
	bot := filepath.Join(dir, "bot")
	require.NoError(t, os.WriteFile(bot, []byte("xoxb-from-file\n"), 0o600))
	y := fmt.Sprintf("slack:\n  botTokenFile: %s\n  appToken: xapp-1\n  alertChannel: C0123456789\n", bot)
	cfg, err := parse(t, y, nil)
	require.NoError(t, err)
	require.Equal(t, "xoxb-from-file", cfg.Slack.BotToken.Reveal(), "whitespace trimmed")

	y = fmt.Sprintf("slack:\n  botToken: xoxb-1\n  botTokenFile: %s\n  appTokenFile: %s\n  alertChannel: C0123456789\n", bot, filepath.Join(dir, "missing"))
	_, err = parse(t, y, nil)
	require.ElementsMatch(t, []string{"slack.botTokenFile", "slack.appTokenFile"}, problemKeys(t, err))
}

func TestUnknownKeysAreErrorsWithHints(t *testing.T) {
	y := `
clustername: x
slack:
  apiUrl: https://slack.example/api/
  botTokn: xoxb-1
extra:
  a: 1
`
	_, err := parse(t, y, nil)
	keys := problemKeys(t, err)
	require.ElementsMatch(t, []string{"clustername", "slack.apiUrl", "slack.botTokn", "extra"}, keys)
	require.Contains(t, err.Error(), `slack.apiUrl: unknown key (line 4) (did you mean "apiURL"?)`)
	require.Contains(t, err.Error(), `clustername: unknown key (line 2) (did you mean "clusterName"?)`)
}

func TestValidationListsEveryProblem(t *testing.T) {
	y := `
clusterName: "bad name!"
slack:
  botToken: xoxp-user-token
  appToken: ""
  apiURL: "ftp://x"
  alertChannel: "#alerts"
server:
  listen: "nonsense"
log:
  format: xml
  level: loud
`
	_, err := parse(t, y, nil)
	keys := problemKeys(t, err)
	require.ElementsMatch(t, []string{
		"clusterName", "slack.botToken", "slack.appToken", "slack.apiURL",
		"slack.alertChannel", "server.listen", "log.format", "log.level",
	}, keys)
	require.NotContains(t, err.Error(), "xoxp-user-token", "a secret is never echoed")
}

func TestTypeErrors(t *testing.T) {
	for name, y := range map[string]string{
		"mapping as string": "clusterName: {a: 1}\n",
		"string as mapping": "slack: hello\n",
		"top-level list":    "- a\n",
		"not yaml":          "slack: [\n",
		"two documents":     "clusterName: a\n---\nclusterName: b\n",
	} {
		t.Run(name, func(t *testing.T) {
			_, err := parse(t, y, nil)
			require.Error(t, err)
			require.True(t, errors.Is(err, config.ErrInvalid))
		})
	}
}

func TestEffectiveConfigMasksSecrets(t *testing.T) {
	cfg, err := parse(t, slackYAML, map[string]string{"BOT": "xoxb-1-supersecret", "APP": "xapp-1-alsosecret"})
	require.NoError(t, err)
	var buf bytes.Buffer
	require.NoError(t, cfg.WriteEffective(&buf))
	out := buf.String()
	require.NotContains(t, out, "supersecret")
	require.NotContains(t, out, "alsosecret")
	require.Contains(t, out, "botToken: xoxb-***")
	require.Contains(t, out, "appToken: xapp-***")
	require.Contains(t, out, "clusterName: prod-eu-1")
	require.Contains(t, out, "alertChannel: C0123456789")

	// fmt verbs mask too, so a stray log line cannot leak a token.
	for _, s := range []string{fmt.Sprint(cfg.Slack.BotToken), fmt.Sprintf("%v %+v %#v", cfg.Slack, cfg.Slack, cfg.Slack)} {
		require.NotContains(t, s, "supersecret")
	}

	// The effective config is itself a valid config (secrets aside).
	redacted := strings.ReplaceAll(strings.ReplaceAll(out, "xoxb-***", "xoxb-x"), "xapp-***", "xapp-x")
	_, err = parse(t, redacted, nil)
	require.NoError(t, err)
}

func TestExampleConfigIsValid(t *testing.T) {
	_, file, _, _ := runtime.Caller(0)
	example := filepath.Join(filepath.Dir(file), "..", "..", "config.example.yaml")
	cfg, err := config.LoadFile(example, config.LoadOptions{LookupEnv: env(map[string]string{
		"SLACK_BOT_TOKEN": "xoxb-example", "SLACK_APP_TOKEN": "xapp-example",
	})})
	require.NoError(t, err)
	require.True(t, cfg.Slack.Enabled())
}

func TestAlertSections(t *testing.T) {
	y := `
watchers:
  namespaces:
    include: ["team-*", "default"]
    exclude: ["team-sandbox"]
  pods:
    pendingThreshold: 2m
notifier:
  groupWait: 10s
  repeatInterval: 2h
  storm: {threshold: 5, window: 30s}
  startupReport: each
routes:
  - match: {namespaces: ["payments-*"], severities: [critical]}
    channel: C0PAYMENTS
ignore:
  namespaces: [kube-system]
  pods: ["^debug-"]
silences:
  - match: {reasons: [Evicted]}
    until: 2026-12-01T00:00:00Z
    comment: node drain week
redact:
  patterns: ["sk_live_[A-Za-z0-9]+"]
`
	cfg, err := parse(t, y, nil)
	require.NoError(t, err)
	require.Equal(t, []string{"team-*", "default"}, cfg.Watchers.Namespaces.Include)
	require.Equal(t, config.Duration(2*time.Minute), cfg.Watchers.Pods.PendingThreshold)
	require.Equal(t, config.Duration(10*time.Minute), cfg.Watchers.Pods.RecentRestartWindow, "default")
	require.Equal(t, 5, cfg.Notifier.Storm.Threshold)
	require.Equal(t, "each", cfg.Notifier.StartupReport)
	require.Equal(t, "watchkeeper-state", cfg.Notifier.StateConfigMap)
	require.Equal(t, "C0PAYMENTS", cfg.Routes[0].Channel)
	require.Equal(t, time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC), cfg.Silences[0].Until.UTC())

	bad := `
watchers:
  pods:
    pendingThreshold: five minutes
notifier:
  startupReport: loud
  storm: {threshold: 0}
routes:
  - match: {severities: [urgent]}
    channel: "#payments"
ignore:
  pods: ["(unclosed"]
redact:
  patterns: ["[z-a]"]
`
	_, err = parse(t, bad, nil)
	keys := problemKeys(t, err)
	require.Contains(t, err.Error(), "watchers.pods.pendingThreshold")
	for _, k := range []string{"notifier.startupReport", "routes[0].match.severities[0]", "routes[0].channel", "ignore.pods[0]", "redact.patterns[0]"} {
		require.Contains(t, keys, k)
	}
}

func TestPVCAndNodeSections(t *testing.T) {
	cfg, err := parse(t, `
watchers:
  pvc:
    source: apiserverProxy
    interval: 30s
    warningPercent: 70
    clearPercent: 60
    overrides:
      - namespaces: ["db-*"]
        criticalPercent: 95
  nodes:
    enabled: false
    notReadyGrace: 2m
`, nil)
	require.NoError(t, err)
	require.Equal(t, "apiserverProxy", cfg.Watchers.PVC.Source)
	require.Equal(t, 70.0, cfg.Watchers.PVC.WarningPercent)
	require.Equal(t, 90.0, cfg.Watchers.PVC.CriticalPercent, "default")
	require.Equal(t, config.Duration(6*time.Hour), cfg.Watchers.PVC.FullHorizon)
	require.True(t, config.On(cfg.Watchers.PVC.Enabled))
	require.False(t, config.On(cfg.Watchers.Nodes.Enabled))
	require.Equal(t, config.Duration(2*time.Minute), cfg.Watchers.Nodes.NotReadyGrace)

	_, err = parse(t, `
watchers:
  pvc:
    source: nodesProxy
    caFile: /etc/ca.pem
    insecureSkipVerify: true
    warningPercent: 95
    overrides:
      - namespaces: ["["]
`, nil)
	keys := problemKeys(t, err)
	for _, k := range []string{"watchers.pvc.source", "watchers.pvc.insecureSkipVerify", "watchers.pvc", "watchers.pvc.overrides[0].namespaces[0]"} {
		require.Contains(t, keys, k)
	}
}
