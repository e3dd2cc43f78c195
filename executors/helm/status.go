package helm

import (
	"bytes"
	"fmt"
	"io"
	"time"

	"helm.sh/helm/v3/pkg/action"
	"helm.sh/helm/v3/pkg/release"

	"github.com/watchkeeper/watchkeeper/executors"
)

// status is `helm status RELEASE` without NOTES: see writeStatus.
func (c *call) status() (executors.Result, error) {
	client := action.NewStatus(c.cfg)
	// No ShowResources: the resource table would need rights beyond the
	// release Secret, and `helm status` shows it only with --show-resources.
	rel, err := bounded(c, func() (*release.Release, error) { return client.Run(c.name) })
	if err != nil {
		return executors.Result{}, err
	}
	var buf bytes.Buffer
	writeStatus(&buf, rel)
	return capped(buf.Bytes(), c.r.opts.MaxOutputBytes), nil
}

// writeStatus prints a release as `helm status` does (statusPrinter.WriteTable
// in helm.sh/helm/v3/cmd/helm/status.go, package main), without its optional
// parts and, deliberately, without NOTES: a chart's notes are a rendered
// template and often print credentials ("Your admin password is: ..."). The
// manifest and values (--debug) are never printed either.
func writeStatus(out io.Writer, rel *release.Release) {
	fmt.Fprintf(out, "NAME: %s\n", rel.Name)
	if !rel.Info.LastDeployed.IsZero() {
		fmt.Fprintf(out, "LAST DEPLOYED: %s\n", rel.Info.LastDeployed.Format(time.ANSIC))
	}
	fmt.Fprintf(out, "NAMESPACE: %s\n", rel.Namespace)
	fmt.Fprintf(out, "STATUS: %s\n", rel.Info.Status.String())
	fmt.Fprintf(out, "REVISION: %d\n", rel.Version)

	var tests []*release.Hook
	for _, h := range rel.Hooks {
		for _, e := range h.Events {
			if e == release.HookTest {
				tests = append(tests, h)
			}
		}
	}
	if len(tests) == 0 {
		fmt.Fprintln(out, "TEST SUITE: None")
		return
	}
	for _, h := range tests {
		if h.LastRun.StartedAt.IsZero() {
			continue // not run yet: helm prints nothing for it
		}
		fmt.Fprintf(out, "TEST SUITE:     %s\nLast Started:   %s\nLast Completed: %s\nPhase:          %s\n",
			h.Name,
			h.LastRun.StartedAt.Format(time.ANSIC),
			h.LastRun.CompletedAt.Format(time.ANSIC),
			h.LastRun.Phase)
	}
}
