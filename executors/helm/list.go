package helm

import (
	"bytes"
	"io"
	"strconv"

	"github.com/gosuri/uitable"
	"helm.sh/helm/v3/pkg/action"
	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/cli/output"
	"helm.sh/helm/v3/pkg/release"

	"github.com/watchkeeper/watchkeeper/executors"
)

// listLimit is `helm list`'s default --max.
const listLimit = 256

// list is `helm list [-n NS | -A]`: the deployed and failed releases, by name.
func (c *call) list() (executors.Result, error) {
	client := action.NewList(c.cfg)
	client.AllNamespaces = c.cmd.AllNamespaces
	client.Limit = listLimit
	client.SetStateMask()
	rels, err := bounded(c, client.Run)
	if err != nil {
		return executors.Result{}, err
	}
	var buf bytes.Buffer
	if err := writeReleaseList(&buf, rels); err != nil {
		return executors.Result{}, err
	}
	return capped(buf.Bytes(), c.r.opts.MaxOutputBytes), nil
}

// writeReleaseList prints releases as `helm list` does: a copy of
// newReleaseListWriter and releaseListWriter.WriteTable in
// helm.sh/helm/v3/cmd/helm/list.go (package main, not importable), without
// --time-format and --no-headers.
func writeReleaseList(out io.Writer, rels []*release.Release) error {
	table := uitable.New()
	table.AddRow("NAME", "NAMESPACE", "REVISION", "UPDATED", "STATUS", "CHART", "APP VERSION")
	for _, r := range rels {
		updated := "-"
		if t := r.Info.LastDeployed; !t.IsZero() {
			updated = t.String()
		}
		table.AddRow(r.Name, r.Namespace, strconv.Itoa(r.Version), updated, r.Info.Status.String(),
			formatChartName(r.Chart), formatAppVersion(r.Chart))
	}
	return output.EncodeTable(out, table)
}

// formatChartName and formatAppVersion are copied from
// helm.sh/helm/v3/cmd/helm/history.go.
func formatChartName(c *chart.Chart) string {
	if c == nil || c.Metadata == nil {
		// An edge case helm has seen in production: helm/helm#1347.
		return "MISSING"
	}
	return c.Name() + "-" + c.Metadata.Version
}

func formatAppVersion(c *chart.Chart) string {
	if c == nil || c.Metadata == nil {
		return "MISSING"
	}
	return c.AppVersion()
}
