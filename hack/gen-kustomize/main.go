// Command gen-kustomize regenerates deploy/kustomize from the Helm chart
// rendered with its default values (release watchkeeper, namespace
// watchkeeper), and copies the Grafana dashboard into the chart. Run it from
// the repository root: make deploy-gen.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/watchkeeper/watchkeeper/deploy"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "gen-kustomize:", err)
		os.Exit(1)
	}
}

func run() error {
	chartDir := flag.String("chart", "deploy/helm/watchkeeper", "the Helm chart")
	outDir := flag.String("out", "deploy/kustomize", "the kustomize base to (re)write")
	dashboard := flag.String("dashboard", "deploy/grafana/watchkeeper-dashboard.json", "the Grafana dashboard to copy into the chart")
	flag.Parse()

	// The chart ships the dashboard; copy it first so the render sees it.
	data, err := os.ReadFile(*dashboard)
	if err != nil {
		return err
	}
	if err := writeIfChanged(filepath.Join(*chartDir, deploy.ChartDashboard), data); err != nil {
		return err
	}

	files, err := deploy.Kustomize(*chartDir)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(*outDir, 0o755); err != nil {
		return err
	}
	// Remove what a template no longer renders.
	old, err := filepath.Glob(filepath.Join(*outDir, "*.yaml"))
	if err != nil {
		return err
	}
	for _, p := range old {
		if _, keep := files[filepath.Base(p)]; !keep {
			if err := os.Remove(p); err != nil {
				return err
			}
			fmt.Println("removed", p)
		}
	}
	for name, content := range files {
		if err := writeIfChanged(filepath.Join(*outDir, name), content); err != nil {
			return err
		}
	}
	return nil
}

func writeIfChanged(path string, content []byte) error {
	if old, err := os.ReadFile(path); err == nil && bytes.Equal(old, content) {
		return nil
	}
	if err := os.WriteFile(path, content, 0o644); err != nil {
		return err
	}
	fmt.Println("wrote", strings.TrimPrefix(path, "./"))
	return nil
}
