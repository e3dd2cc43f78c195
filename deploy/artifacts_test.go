package deploy_test

import (
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"sigs.k8s.io/yaml"

	"github.com/watchkeeper/watchkeeper/deploy"
)

// TestKustomizeInSync fails when deploy/kustomize or the chart's copy of the
// dashboard differs from what `make deploy-gen` would write.
func TestKustomizeInSync(t *testing.T) {
	want, err := deploy.Kustomize(chartDir)
	require.NoError(t, err)
	onDisk, err := filepath.Glob("kustomize/*.yaml")
	require.NoError(t, err)
	var names []string
	for _, p := range onDisk {
		names = append(names, filepath.Base(p))
	}
	var wantNames []string
	for n := range want {
		wantNames = append(wantNames, n)
	}
	sort.Strings(wantNames)
	require.Equal(t, wantNames, names, "deploy/kustomize is stale: run make deploy-gen")
	for name, content := range want {
		require.Equal(t, string(content), readFile(t, "kustomize/"+name), "deploy/kustomize/%s is stale: run make deploy-gen", name)
	}
	require.Equal(t, readFile(t, "grafana/watchkeeper-dashboard.json"), readFile(t, chartDir+"/"+deploy.ChartDashboard),
		"the chart's dashboard copy is stale: run make deploy-gen")
}

// TestDashboard checks the dashboard parses, queries only metrics Watchkeeper
// exports (read from the Go sources, so the list cannot drift) and covers
// the ones operators need.
func TestDashboard(t *testing.T) {
	var dash struct {
		Title  string `json:"title"`
		UID    string `json:"uid"`
		Panels []struct {
			Title   string `json:"title"`
			Type    string `json:"type"`
			Targets []struct {
				Expr string `json:"expr"`
			} `json:"targets"`
		} `json:"panels"`
	}
	require.NoError(t, json.Unmarshal([]byte(readFile(t, "grafana/watchkeeper-dashboard.json")), &dash))
	require.Equal(t, "watchkeeper", dash.UID)

	exported := exportedMetrics(t)
	metricRef := regexp.MustCompile(`\bwatchkeeper_[a-z0-9_]+`)
	used := map[string]bool{}
	for _, p := range dash.Panels {
		if p.Type == "row" {
			continue
		}
		require.NotEmpty(t, p.Targets, "panel %q has no query", p.Title)
		for _, tg := range p.Targets {
			require.NotEmpty(t, tg.Expr, p.Title)
			for _, name := range metricRef.FindAllString(tg.Expr, -1) {
				base := name
				if !exported[base] {
					for _, suffix := range []string{"_bucket", "_sum", "_count"} {
						if exported[strings.TrimSuffix(name, suffix)] {
							base = strings.TrimSuffix(name, suffix)
						}
					}
				}
				require.True(t, exported[base], "panel %q queries %s, which Watchkeeper does not export", p.Title, name)
				used[base] = true
			}
		}
	}
	for _, name := range []string{
		"watchkeeper_alerts_detected_total", "watchkeeper_alerts_sent_total", "watchkeeper_alerts_resolved_total",
		"watchkeeper_slack_api_requests_total", "watchkeeper_slack_rate_limited_total",
		"watchkeeper_notifier_send_failures_total", "watchkeeper_slack_connected",
		"watchkeeper_command_decisions_total", "watchkeeper_command_duration_seconds",
		"watchkeeper_notifier_queue_depth", "watchkeeper_notifier_outbox_depth",
		"watchkeeper_policy_reload_errors_total",
	} {
		require.True(t, used[name], "the dashboard does not show %s", name)
	}
}

// exportedMetrics returns every "watchkeeper_..." string literal in the
// repository's non-test Go sources: a superset of the metric names.
func exportedMetrics(t testing.TB) map[string]bool {
	t.Helper()
	lit := regexp.MustCompile(`"(watchkeeper_[a-z0-9_]+)"`)
	names := map[string]bool{}
	err := filepath.WalkDir("..", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (strings.HasPrefix(d.Name(), ".") && path != ".." || d.Name() == "testdata" || d.Name() == "controlplane") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, m := range lit.FindAllStringSubmatch(string(src), -1) {
			names[m[1]] = true
		}
		return nil
	})
	require.NoError(t, err)
	require.True(t, names["watchkeeper_alerts_detected_total"], "the metric names were not found in the sources")
	return names
}

// TestSlackAppManifest checks Socket Mode, the command, interactivity and
// exactly the minimal scopes and events.
func TestSlackAppManifest(t *testing.T) {
	var mf struct {
		Features struct {
			AppHome struct {
				MessagesTabEnabled bool `json:"messages_tab_enabled"`
			} `json:"app_home"`
			BotUser struct {
				DisplayName string `json:"display_name"`
			} `json:"bot_user"`
			SlashCommands []struct {
				Command     string `json:"command"`
				Description string `json:"description"`
				UsageHint   string `json:"usage_hint"`
			} `json:"slash_commands"`
		} `json:"features"`
		OAuthConfig struct {
			Scopes struct {
				Bot []string `json:"bot"`
			} `json:"scopes"`
		} `json:"oauth_config"`
		Settings struct {
			EventSubscriptions struct {
				BotEvents  []string `json:"bot_events"`
				RequestURL string   `json:"request_url"`
			} `json:"event_subscriptions"`
			Interactivity struct {
				IsEnabled  bool   `json:"is_enabled"`
				RequestURL string `json:"request_url"`
			} `json:"interactivity"`
			SocketModeEnabled bool `json:"socket_mode_enabled"`
		} `json:"settings"`
	}
	data := []byte(readFile(t, "slack-app-manifest.yaml"))
	require.NoError(t, yaml.Unmarshal(data, &mf))
	var raw struct {
		OAuthConfig struct {
			Scopes map[string]any `json:"scopes"`
		} `json:"oauth_config"`
	}
	require.NoError(t, yaml.Unmarshal(data, &raw))
	require.Len(t, raw.OAuthConfig.Scopes, 1, "bot scopes only, no user scopes")

	require.True(t, mf.Settings.SocketModeEnabled)
	require.True(t, mf.Settings.Interactivity.IsEnabled)
	require.Empty(t, mf.Settings.Interactivity.RequestURL, "Socket Mode: no request URL")
	require.Empty(t, mf.Settings.EventSubscriptions.RequestURL, "Socket Mode: no request URL")
	require.True(t, mf.Features.AppHome.MessagesTabEnabled)
	require.NotEmpty(t, mf.Features.BotUser.DisplayName)
	require.Len(t, mf.Features.SlashCommands, 1)
	cmd := mf.Features.SlashCommands[0]
	require.Equal(t, "/kube", cmd.Command)
	require.NotEmpty(t, cmd.Description)
	require.NotEmpty(t, cmd.UsageHint)

	scopes := slices.Sorted(slices.Values(mf.OAuthConfig.Scopes.Bot))
	require.Equal(t, []string{"app_mentions:read", "chat:write", "commands", "files:write", "im:history", "usergroups:read", "users:read"}, scopes)
	events := slices.Sorted(slices.Values(mf.Settings.EventSubscriptions.BotEvents))
	require.Equal(t, []string{"app_mention", "message.im"}, events)
}
