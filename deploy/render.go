package deploy

import (
	"fmt"
	"path"
	"sort"
	"strings"

	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/engine"
)

// Release names the release a render is for.
type Release struct {
	// Name is the release name. Default "watchkeeper".
	Name string
	// Namespace is the release namespace. Default "watchkeeper".
	Namespace string
}

func (r Release) withDefaults() Release {
	if r.Name == "" {
		r.Name = "watchkeeper"
	}
	if r.Namespace == "" {
		r.Namespace = "watchkeeper"
	}
	return r
}

// Rendered is the output of one chart render.
type Rendered struct {
	// Manifests maps a template's file name (deployment.yaml) to its
	// rendered YAML; templates that render nothing are left out.
	Manifests map[string]string
	// Notes is the rendered NOTES.txt.
	Notes string
}

// Names returns the manifest file names, sorted.
func (r Rendered) Names() []string {
	names := make([]string, 0, len(r.Manifests))
	for n := range r.Manifests {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Render renders the chart in chartDir with values over its defaults, as
// `helm template` does for an install.
func Render(chartDir string, rel Release, values map[string]any) (Rendered, error) {
	rel = rel.withDefaults()
	chrt, err := loader.Load(chartDir)
	if err != nil {
		return Rendered{}, fmt.Errorf("load chart %s: %w", chartDir, err)
	}
	if values == nil {
		values = map[string]any{}
	}
	vals, err := chartutil.ToRenderValues(chrt, values, chartutil.ReleaseOptions{
		Name: rel.Name, Namespace: rel.Namespace, Revision: 1, IsInstall: true,
	}, chartutil.DefaultCapabilities)
	if err != nil {
		return Rendered{}, fmt.Errorf("chart values: %w", err)
	}
	files, err := engine.Render(chrt, vals)
	if err != nil {
		return Rendered{}, fmt.Errorf("render chart %s: %w", chartDir, err)
	}
	out := Rendered{Manifests: map[string]string{}}
	for name, content := range files {
		base := path.Base(name)
		switch {
		case base == "NOTES.txt":
			out.Notes = content
		case strings.HasPrefix(base, "_"), strings.TrimSpace(stripComments(content)) == "":
		default:
			out.Manifests[base] = content
		}
	}
	return out, nil
}

// stripComments drops whole-line YAML comments and document separators, so
// a template that renders only a comment counts as empty.
func stripComments(s string) string {
	var b strings.Builder
	for line := range strings.Lines(s) {
		t := strings.TrimSpace(line)
		if strings.HasPrefix(t, "#") || t == "---" {
			continue
		}
		b.WriteString(line)
	}
	return b.String()
}
