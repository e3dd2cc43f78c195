package helm

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gosuri/uitable"
	"github.com/stretchr/testify/require"
	"helm.sh/helm/v3/pkg/action"
	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/cli/output"
	"helm.sh/helm/v3/pkg/release"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"

	"github.com/watchkeeper/watchkeeper/executors"
)

// The helm CLI (package main) cannot be imported or run here, so the
// reference output is built from the admin's view of the releases by the
// code below, transcribed from helm.sh/helm/v3@v3.22.0/cmd/helm/list.go and
// history.go with helm's exported uitable and output packages. The tests
// also pin the layout with literal headers and masked timestamps.

// cliList is newReleaseListWriter + releaseListWriter.WriteTable.
func cliList(t testing.TB, rels []*release.Release) string {
	t.Helper()
	table := uitable.New()
	table.AddRow("NAME", "NAMESPACE", "REVISION", "UPDATED", "STATUS", "CHART", "APP VERSION")
	for _, r := range rels {
		tm := "-"
		if tspb := r.Info.LastDeployed; !tspb.IsZero() {
			tm = tspb.String()
		}
		table.AddRow(r.Name, r.Namespace, strconv.Itoa(r.Version), tm, r.Info.Status.String(),
			cliChartName(r.Chart), r.Chart.AppVersion())
	}
	var buf bytes.Buffer
	require.NoError(t, output.EncodeTable(&buf, table))
	return buf.String()
}

// cliHistory is getHistory + getReleaseHistory + releaseHistory.WriteTable.
func cliHistory(t testing.TB, hist []*release.Release) string {
	t.Helper()
	tbl := uitable.New()
	tbl.AddRow("REVISION", "UPDATED", "STATUS", "CHART", "APP VERSION", "DESCRIPTION")
	for _, r := range hist { // oldest first; fewer than --max
		tbl.AddRow(r.Version, r.Info.LastDeployed.Format(time.ANSIC), r.Info.Status.String(),
			cliChartName(r.Chart), r.Chart.AppVersion(), r.Info.Description)
	}
	var buf bytes.Buffer
	require.NoError(t, output.EncodeTable(&buf, tbl))
	return buf.String()
}

func cliChartName(c *chart.Chart) string { return c.Name() + "-" + c.Metadata.Version }

// adminList is `helm list` as the admin: all namespaces when namespace is "".
func adminList(t testing.TB, namespace string) []*release.Release {
	t.Helper()
	l := action.NewList(adminHelm(t, namespace))
	l.AllNamespaces = namespace == ""
	l.Limit = 256
	l.SetStateMask()
	rels, err := l.Run()
	require.NoError(t, err)
	return rels
}

func adminHistory(t testing.TB, namespace, name string) []*release.Release {
	t.Helper()
	hist, err := action.NewHistory(adminHelm(t, namespace)).Run(name)
	require.NoError(t, err)
	// Storage order is not revision order.
	for i := range hist {
		for j := i + 1; j < len(hist); j++ {
			if hist[j].Version < hist[i].Version {
				hist[i], hist[j] = hist[j], hist[i]
			}
		}
	}
	return hist
}

var (
	listTime  = regexp.MustCompile(`\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d+)? [+-]\d{4} \S+ *\t`)
	ansicTime = regexp.MustCompile(`[A-Z][a-z]{2} [A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d \d{4} *\t`)
	updated   = regexp.MustCompile(`UPDATED *\t`)
)

// maskTimes replaces the timestamps in a table (time.Time.String in list,
// time.ANSIC in history) and the padding of their column with placeholders,
// so the layout can be written out literally; the other columns keep their
// exact padding.
func maskTimes(s string) string {
	s = listTime.ReplaceAllString(s, "<UPDATED>\t")
	s = ansicTime.ReplaceAllString(s, "<ANSIC>\t")
	return updated.ReplaceAllString(s, "UPDATED\t")
}

func run(t testing.TB, r *Runner, id executors.Identity, cmd executors.Command) executors.Result {
	t.Helper()
	res, err := r.Run(t.Context(), id, cmd)
	require.NoError(t, err, cmd.String())
	require.False(t, res.Truncated)
	return res
}

func TestReadCommands(t *testing.T) {
	grantReader(t)
	f := newFixture(t)
	r := newRunner(t, nil)

	t.Run("list -n", func(t *testing.T) {
		res := run(t, r, reader, helmCmd("list", f.nsA))
		require.Equal(t, cliList(t, adminList(t, f.nsA)), res.Text)
		require.Empty(t, res.Summary)
		// The layout, literally: uitable pads each cell to its column and
		// joins columns with a tab.
		pad := strings.Repeat(" ", len(f.nsA)-len("NAMESPACE"))
		require.Equal(t,
			"NAME\tNAMESPACE"+pad+"\tREVISION\tUPDATED\tSTATUS  \tCHART        \tAPP VERSION\n"+
				"web \t"+f.nsA+"\t2       \t<UPDATED>\tdeployed\tgreeter-0.2.0\t1.1        \n",
			maskTimes(res.Text))
	})
	t.Run("list in the default namespace", func(t *testing.T) {
		r := newRunner(t, func(o *Options) { o.DefaultNamespace = f.nsB })
		res := run(t, r, reader, helmCmd("list", ""))
		require.Equal(t, cliList(t, adminList(t, f.nsB)), res.Text)
		require.Contains(t, res.Text, "\napi ")
	})
	t.Run("list -A", func(t *testing.T) {
		cmd := helmCmd("list", "")
		cmd.AllNamespaces = true
		res := run(t, r, reader, cmd)
		require.Equal(t, cliList(t, adminList(t, "")), res.Text)
		require.Contains(t, res.Text, f.nsA)
		require.Contains(t, res.Text, f.nsB)
	})
	t.Run("status", func(t *testing.T) {
		res := run(t, r, reader, helmCmd("status", f.nsA, "web"))
		rel, err := action.NewStatus(adminHelm(t, f.nsA)).Run("web")
		require.NoError(t, err)
		require.Equal(t, "NAME: web\n"+
			"LAST DEPLOYED: "+rel.Info.LastDeployed.Format(time.ANSIC)+"\n"+
			"NAMESPACE: "+f.nsA+"\n"+
			"STATUS: deployed\n"+
			"REVISION: 2\n"+
			"TEST SUITE: None\n", res.Text)
	})
	t.Run("history", func(t *testing.T) {
		res := run(t, r, reader, helmCmd("history", f.nsA, "web"))
		require.Equal(t, cliHistory(t, adminHistory(t, f.nsA, "web")), res.Text)
		require.Equal(t,
			"REVISION\tUPDATED\tSTATUS    \tCHART        \tAPP VERSION\tDESCRIPTION     \n"+
				"1       \t<ANSIC>\tsuperseded\tgreeter-0.1.0\t1.0        \tInstall complete\n"+
				"2       \t<ANSIC>\tdeployed  \tgreeter-0.2.0\t1.1        \tUpgrade complete\n",
			maskTimes(res.Text))
	})
	t.Run("get values masks secret keys", func(t *testing.T) {
		res := run(t, r, reader, helmCmd("get-values", f.nsA, "web"))
		require.Equal(t, "USER-SUPPLIED VALUES:\n"+
			"db:\n"+
			"  apiToken: '***'\n"+
			"  host: pg\n"+
			"dbPassword: '***'\n"+
			"greeting: bonjour\n", res.Text)
		require.NotContains(t, res.Text, "hunter2")
		require.NotContains(t, res.Text, "t0k")
	})
	t.Run("release not found", func(t *testing.T) {
		for _, verb := range []string{"status", "history", "get-values", "rollback", "uninstall"} {
			_, err := r.Run(t.Context(), self, helmCmd(verb, f.nsA, "nope"))
			var ue *executors.UserError
			require.ErrorAs(t, err, &ue, verb)
			require.Equal(t, `release: not found: no release "nope" in namespace "`+f.nsA+`"`, ue.Msg, verb)
		}
	})
	t.Run("output is capped", func(t *testing.T) {
		r := newRunner(t, func(o *Options) { o.MaxOutputBytes = 10 })
		res, err := r.Run(t.Context(), reader, helmCmd("status", f.nsA, "web"))
		require.NoError(t, err)
		require.True(t, res.Truncated)
		require.Equal(t, "NAME: web\n", res.Text)
	})
}

func TestForbidden(t *testing.T) {
	f := newFixture(t)
	r := newRunner(t, nil)
	listAll := helmCmd("list", "")
	listAll.AllNamespaces = true
	for _, cmd := range []executors.Command{
		helmCmd("list", f.nsA),
		listAll,
		helmCmd("status", f.nsA, "web"),
		helmCmd("history", f.nsA, "web"),
		helmCmd("get-values", f.nsA, "web"),
		helmCmd("rollback", f.nsA, "web"),
		helmCmd("uninstall", f.nsA, "web"),
	} {
		t.Run(cmd.String(), func(t *testing.T) {
			_, err := r.Run(t.Context(), nobody, cmd)
			var ue *executors.UserError
			require.ErrorAs(t, err, &ue)
			require.True(t, strings.HasPrefix(ue.Msg, "The cluster refused: secrets is forbidden: User \""+nobody.User+"\" cannot "), ue.Msg)
			require.Contains(t, ue.Msg, `resource "secrets"`)
			// Through executors.Friendly again (as executors.Runner does):
			// unchanged.
			require.Equal(t, err, executors.Friendly(err))
		})
	}
	// Nothing changed.
	require.Len(t, adminHistory(t, f.nsA, "web"), 2)
}

func TestRollback(t *testing.T) {
	f := newFixture(t)
	r := newRunner(t, nil)
	cs := admin(t)
	greeting := func() string {
		cm, err := cs.CoreV1().ConfigMaps(f.nsA).Get(t.Context(), "web-config", metav1.GetOptions{})
		require.NoError(t, err)
		return cm.Data["greeting"]
	}
	require.Equal(t, "bonjour", greeting())

	cmd := helmCmd("rollback", f.nsA, "web")
	cmd.Revision = 1
	res := run(t, r, self, cmd)
	require.Equal(t, "Rollback was a success! Happy Helming!", res.Summary)
	require.Equal(t, "Rollback was a success! Happy Helming!\n", res.Text)
	require.Equal(t, "hello", greeting())

	hist := run(t, r, self, helmCmd("history", f.nsA, "web"))
	require.Equal(t,
		"REVISION\tUPDATED\tSTATUS    \tCHART        \tAPP VERSION\tDESCRIPTION     \n"+
			"1       \t<ANSIC>\tsuperseded\tgreeter-0.1.0\t1.0        \tInstall complete\n"+
			"2       \t<ANSIC>\tsuperseded\tgreeter-0.2.0\t1.1        \tUpgrade complete\n"+
			"3       \t<ANSIC>\tdeployed  \tgreeter-0.1.0\t1.0        \tRollback to 1   \n",
		maskTimes(hist.Text))

	t.Run("revision 0 is the previous one", func(t *testing.T) {
		run(t, r, self, helmCmd("rollback", f.nsA, "web"))
		require.Equal(t, "bonjour", greeting())
		require.Equal(t, "Rollback to 2", adminHistory(t, f.nsA, "web")[3].Info.Description)
	})
	t.Run("a revision that does not exist", func(t *testing.T) {
		cmd := helmCmd("rollback", f.nsA, "web")
		cmd.Revision = 42
		_, err := r.Run(t.Context(), self, cmd)
		var ue *executors.UserError
		require.ErrorAs(t, err, &ue)
		require.Equal(t, "release has no 42 version", ue.Msg)
	})
}

func TestUninstall(t *testing.T) {
	f := newFixture(t)
	r := newRunner(t, nil)
	res := run(t, r, self, helmCmd("uninstall", f.nsA, "web"))
	require.Equal(t, `release "web" uninstalled`, res.Summary)
	require.Equal(t, "release \"web\" uninstalled\n", res.Text)

	_, err := admin(t).CoreV1().ConfigMaps(f.nsA).Get(t.Context(), "web-config", metav1.GetOptions{})
	require.True(t, apierrors.IsNotFound(err), "configmap: %v", err)
	_, err = r.Run(t.Context(), self, helmCmd("status", f.nsA, "web"))
	var ue *executors.UserError
	require.ErrorAs(t, err, &ue)
	require.Contains(t, ue.Msg, "release: not found")
	require.Empty(t, adminList(t, f.nsA))
	// The other release is untouched.
	require.Len(t, adminList(t, f.nsB), 1)
}

func TestTimeout(t *testing.T) {
	timedOut := func(t *testing.T, err error) {
		t.Helper()
		var ue *executors.UserError
		require.ErrorAs(t, err, &ue)
		require.Contains(t, ue.Msg, "timed out")
	}
	t.Run("1ns", func(t *testing.T) {
		r := newRunner(t, func(o *Options) { o.Timeout = time.Nanosecond })
		for _, verb := range []string{"list", "status", "rollback", "uninstall"} {
			cmd := helmCmd(verb, "default", "web")
			if verb == "list" {
				cmd.Names = nil
			}
			_, err := r.Run(t.Context(), self, cmd)
			timedOut(t, err)
		}
	})
	t.Run("cancelled context", func(t *testing.T) {
		r := newRunner(t, nil)
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		_, err := r.Run(ctx, self, helmCmd("history", "default", "web"))
		timedOut(t, err)
	})
}

// TestTimeoutHungServer: against an API server that never answers, every
// command returns the timed-out error once the timeout passes, rather than
// hanging in an action that takes no context.
func TestTimeoutHungServer(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		select {
		case <-release:
		case <-req.Context().Done():
		}
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(release) }) // runs first: unblock handlers, then close
	r, err := New(Options{Config: &rest.Config{Host: srv.URL}, CacheDir: t.TempDir(), Timeout: 200 * time.Millisecond})
	require.NoError(t, err)
	for _, verb := range []string{"list", "status", "history", "get-values", "rollback", "uninstall"} {
		cmd := helmCmd(verb, "default", "web")
		if verb == "list" {
			cmd.Names = nil
		}
		begin := time.Now()
		_, err := r.Run(t.Context(), nobody, cmd)
		var ue *executors.UserError
		require.ErrorAs(t, err, &ue, verb)
		// Whichever notices first, helm's bound or the API call's own
		// deadline, the person is told it timed out.
		require.Contains(t, ue.Msg, "timed out", verb)
		require.Less(t, time.Since(begin), 10*time.Second, verb)
	}
}

func TestMisuse(t *testing.T) {
	r, err := New(Options{Config: &rest.Config{Host: "https://127.0.0.1:1"}, CacheDir: t.TempDir()})
	require.NoError(t, err)
	for _, tt := range []struct {
		name string
		cmd  executors.Command
		want string
	}{
		{"no release", helmCmd("status", ""), "`helm status` needs exactly one release name."},
		{"two releases", helmCmd("uninstall", "", "a", "b"), "`helm uninstall` needs exactly one release name."},
		{"list with a name", helmCmd("list", "", "a"), "`helm list` takes no release name."},
		{"install", helmCmd("install", "", "a"), "`helm install` is not available from chat."},
		{"upgrade", helmCmd("upgrade", "", "a"), "`helm upgrade` is not available from chat."},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := r.Run(t.Context(), self, tt.cmd)
			var ue *executors.UserError
			require.ErrorAs(t, err, &ue)
			require.Equal(t, tt.want, ue.Msg)
		})
	}
	t.Run("kubectl", func(t *testing.T) {
		_, err := r.Run(t.Context(), self, executors.Command{Tool: executors.ToolKubectl, Verb: "get"})
		require.Error(t, err)
		require.False(t, errors.As(err, new(*executors.UserError)))
	})
}
