package volumestats

import (
	"errors"
	"fmt"
	"time"
)

// Source is where summaries come from.
type Source string

const (
	// SourceKubelet connects to each node's kubelet directly and needs get
	// on nodes/stats.
	SourceKubelet Source = "kubelet"
	// SourceAPIServerProxy goes through the API server's node proxy and
	// needs get on nodes/proxy.
	SourceAPIServerProxy Source = "apiserverProxy"
)

// Config configures a Client. The zero value is usable: every field
// documents its default. Errors name the keys under watchers.pvc.
type Config struct {
	// Source selects how summaries are fetched. Default SourceKubelet.
	Source Source
	// CAFile is a PEM bundle that verifies kubelet serving certificates
	// (kubelet source only). Default: the API server CA of the rest.Config,
	// which signs kubelet serving certificates in clusters that issue them
	// through the certificates API.
	CAFile string
	// InsecureSkipVerify skips verification of kubelet serving certificates,
	// for kubelets with self-signed ones (kubelet source only). It is logged
	// as a warning at construction, because whoever can intercept traffic to
	// a node then receives Watchkeeper's credentials.
	InsecureSkipVerify bool
	// Timeout bounds each node's request, body included. Default 10s.
	Timeout time.Duration
	// Concurrency is how many nodes Sweep polls at once. Default 4.
	Concurrency int
	// MaxBodyBytes bounds a summary; a larger one is ErrBodyTooLarge. The
	// summary carries container stats for every pod, so a node with many
	// pods answers megabytes. Default 16 MiB.
	MaxBodyBytes int64
}

// Defaults for Config's zero fields.
const (
	DefaultTimeout      = 10 * time.Second
	DefaultConcurrency  = 4
	DefaultMaxBodyBytes = 16 << 20
)

// WithDefaults returns c with every zero field set to its documented default.
func (c Config) WithDefaults() Config {
	if c.Source == "" {
		c.Source = SourceKubelet
	}
	if c.Timeout == 0 {
		c.Timeout = DefaultTimeout
	}
	if c.Concurrency == 0 {
		c.Concurrency = DefaultConcurrency
	}
	if c.MaxBodyBytes == 0 {
		c.MaxBodyBytes = DefaultMaxBodyBytes
	}
	return c
}

// Validate reports every problem in c (after defaults), naming its key.
func (c Config) Validate() error {
	var errs []error
	switch c.Source {
	case SourceKubelet:
		if c.CAFile != "" && c.InsecureSkipVerify {
			errs = append(errs, errors.New("watchers.pvc.caFile and watchers.pvc.insecureSkipVerify: set at most one"))
		}
	case SourceAPIServerProxy:
		// Silently ignoring these would leave a user believing kubelet
		// certificates are checked (or not) when the API server decides.
		if c.CAFile != "" {
			errs = append(errs, fmt.Errorf("watchers.pvc.caFile: only used with source %q; the API server verifies kubelets itself", SourceKubelet))
		}
		if c.InsecureSkipVerify {
			errs = append(errs, fmt.Errorf("watchers.pvc.insecureSkipVerify: only used with source %q", SourceKubelet))
		}
	default:
		errs = append(errs, fmt.Errorf("watchers.pvc.source: %q is not %q or %q", c.Source, SourceKubelet, SourceAPIServerProxy))
	}
	if c.Timeout < 0 {
		errs = append(errs, fmt.Errorf("watchers.pvc.timeout: %s is negative", c.Timeout))
	}
	if c.Concurrency < 0 {
		errs = append(errs, fmt.Errorf("watchers.pvc.concurrency: %d is negative", c.Concurrency))
	}
	if c.MaxBodyBytes < 0 {
		errs = append(errs, fmt.Errorf("watchers.pvc.maxBodyBytes: %d is negative", c.MaxBodyBytes))
	}
	return errors.Join(errs...)
}
