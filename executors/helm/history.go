package helm

import (
	"bytes"
	"io"
	"time"

	"github.com/gosuri/uitable"
	"helm.sh/helm/v3/pkg/action"
	"helm.sh/helm/v3/pkg/cli/output"
	"helm.sh/helm/v3/pkg/release"
	"helm.sh/helm/v3/pkg/releaseutil"

	"github.com/watchkeeper/watchkeeper/executors"
)

// historyMax is `helm history`'s default --max.
const historyMax = 256

// history is `helm history RELEASE`: the newest historyMax revisions, oldest
// first.
func (c *call) history() (executors.Result, error) {
	client := action.NewHistory(c.cfg)
	client.Max = historyMax
	hist, err := bounded(c, func() ([]*release.Release, error) { return client.Run(c.name) })
	if err != nil {
		return executors.Result{}, err
	}
	var buf bytes.Buffer
	if err := writeHistory(&buf, hist, client.Max); err != nil {
		return executors.Result{}, err
	}
	return capped(buf.Bytes(), c.r.opts.MaxOutputBytes), nil
}

// writeHistory prints revisions as `helm history` does: getHistory,
// getReleaseHistory and releaseHistory.WriteTable in
// helm.sh/helm/v3/cmd/helm/history.go (package main), folded together.
func writeHistory(out io.Writer, hist []*release.Release, max int) error {
	releaseutil.Reverse(hist, releaseutil.SortByRevision)
	hist = hist[:min(len(hist), max)]
	tbl := uitable.New()
	tbl.AddRow("REVISION", "UPDATED", "STATUS", "CHART", "APP VERSION", "DESCRIPTION")
	for i := len(hist) - 1; i >= 0; i-- {
		r := hist[i]
		var updated time.Time // helm prints the zero time when there is none
		if !r.Info.LastDeployed.IsZero() {
			updated = r.Info.LastDeployed.Time
		}
		tbl.AddRow(r.Version, updated.Format(time.ANSIC), r.Info.Status.String(),
			formatChartName(r.Chart), formatAppVersion(r.Chart), r.Info.Description)
	}
	return output.EncodeTable(out, tbl)
}
