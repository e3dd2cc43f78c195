package helm

import (
	"bytes"
	"fmt"
	"io"
	"strings"

	"helm.sh/helm/v3/pkg/action"
	"helm.sh/helm/v3/pkg/cli/output"

	"github.com/watchkeeper/watchkeeper/executors"
)

// masked replaces the value of a key that looks secret.
const masked = "***"

// values is `helm get values RELEASE`: the user-supplied values only, never
// --all (computed values repeat the chart's defaults, secrets included), with
// every value whose key looks secret masked.
func (c *call) values() (executors.Result, error) {
	client := action.NewGetValues(c.cfg)
	vals, err := bounded(c, func() (map[string]any, error) { return client.Run(c.name) })
	if err != nil {
		return executors.Result{}, err
	}
	var buf bytes.Buffer
	if err := writeValues(&buf, maskValues(vals, c.r.opts.SecretKeys)); err != nil {
		return executors.Result{}, err
	}
	return capped(buf.Bytes(), c.r.opts.MaxOutputBytes), nil
}

// writeValues prints values as `helm get values` does: valuesWriter.WriteTable
// in helm.sh/helm/v3/cmd/helm/get_values.go (package main).
func writeValues(out io.Writer, vals map[string]any) error {
	fmt.Fprintln(out, "USER-SUPPLIED VALUES:")
	return output.EncodeYAML(out, vals)
}

// maskValues returns a copy of vals in which the value of every key holding
// one of secretKeys (lower case) as a case-insensitive substring is "***",
// at any depth; a masked map or list is masked whole. vals is not changed.
// Values are what people put credentials in (dbPassword, apiToken,
// existingSecret, accessKey), and chat is no place for them.
func maskValues(vals map[string]any, secretKeys []string) map[string]any {
	if vals == nil {
		return nil
	}
	out := make(map[string]any, len(vals))
	for k, v := range vals {
		if looksSecret(k, secretKeys) {
			out[k] = masked
			continue
		}
		out[k] = maskValue(v, secretKeys)
	}
	return out
}

func maskValue(v any, secretKeys []string) any {
	switch v := v.(type) {
	case map[string]any:
		return maskValues(v, secretKeys)
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = maskValue(e, secretKeys)
		}
		return out
	default:
		return v
	}
}

func looksSecret(key string, secretKeys []string) bool {
	k := strings.ToLower(key)
	for _, s := range secretKeys {
		if s != "" && strings.Contains(k, s) {
			return true
		}
	}
	return false
}
