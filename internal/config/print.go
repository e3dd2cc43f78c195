package config

import (
	"bytes"
	"fmt"
	"io"

	"go.yaml.in/yaml/v3"
)

// WriteEffective writes the config, defaults included, as YAML with every
// secret masked. It is what `watchkeeper check-config` prints.
func (c *Config) WriteEffective(w io.Writer) error {
	masked := *c
	// *File paths are not secret, but the values read from them are, and
	// Secret's MarshalText masks those.
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(masked); err != nil {
		return fmt.Errorf("encode effective config: %w", err)
	}
	if err := enc.Close(); err != nil {
		return fmt.Errorf("encode effective config: %w", err)
	}
	_, err := w.Write(buf.Bytes())
	return err
}
