package enrich

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/rs/zerolog"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/client-go/kubernetes"

	"github.com/watchkeeper/watchkeeper/internal/redact"
	"github.com/watchkeeper/watchkeeper/notifier"
	"github.com/watchkeeper/watchkeeper/watchers/detectors"
)

// Defaults for Config.
const (
	DefaultLogLines    = 20
	DefaultMaxLogBytes = 4096
	DefaultMaxEvents   = 5
	DefaultTimeout     = 5 * time.Second
)

// Config bounds what one enrichment fetches. Zero fields take defaults.
type Config struct {
	// LogLines is how many of the container's last log lines to fetch.
	// Default 20.
	LogLines int
	// MaxLogBytes bounds the log text kept, in total; the oldest lines are
	// dropped (and an overlong line cut) to fit. Default 4096.
	MaxLogBytes int64
	// MaxEvents is how many of the most recent events to keep. Default 5.
	MaxEvents int
	// Timeout bounds each API call (logs, events). Default 5s.
	Timeout time.Duration
}

// WithDefaults returns c with every zero or negative field set to its
// default.
func (c Config) WithDefaults() Config {
	if c.LogLines <= 0 {
		c.LogLines = DefaultLogLines
	}
	if c.MaxLogBytes <= 0 {
		c.MaxLogBytes = DefaultMaxLogBytes
	}
	if c.MaxEvents <= 0 {
		c.MaxEvents = DefaultMaxEvents
	}
	if c.Timeout <= 0 {
		c.Timeout = DefaultTimeout
	}
	return c
}

// fetchFactor sizes the server-side LimitBytes relative to MaxLogBytes. The
// server counts LimitBytes from the start of the tail, so a limit equal to
// the budget would drop the newest lines, the ones that explain a crash;
// the slack lets readTail keep the end instead, while still bounding a tail
// of pathological multi-megabyte lines.
const fetchFactor = 16

// Enricher fetches logs and events for new incidents. It is safe for
// concurrent use.
type Enricher struct {
	cfg      Config
	client   kubernetes.Interface
	redactor *redact.Redactor
	log      zerolog.Logger
}

// New builds an Enricher. A nil redactor means the default rules: nothing
// reaches Slack unredacted by omission. It makes no API calls.
func New(cfg Config, client kubernetes.Interface, redactor *redact.Redactor, log zerolog.Logger) *Enricher {
	if redactor == nil {
		redactor = redact.Default()
	}
	return &Enricher{
		cfg:      cfg.WithDefaults(),
		client:   client,
		redactor: redactor,
		log:      log.With().Str("component", "enrich").Logger(),
	}
}

// Enrich fetches the last log lines of a.Container and the most recent
// events of a.Object, concurrently, each bounded by Config.Timeout. It
// never fails: what could not be fetched becomes a one-line note and a
// debug log entry.
func (e *Enricher) Enrich(ctx context.Context, a notifier.Alert) notifier.Enrichment {
	var out notifier.Enrichment
	if e.client == nil {
		return out
	}
	var (
		wg           sync.WaitGroup
		logContainer string
		logs, events []string
	)
	if wantLogs(a) {
		wg.Go(func() { logContainer, logs = e.logs(ctx, a) })
	}
	wg.Go(func() { events = e.events(ctx, a) })
	wg.Wait()
	out.LogContainer, out.Logs, out.Events = logContainer, logs, events
	return out
}

// wantLogs reports whether the alert is about a container that can have
// logs. A container that never started (its image will not pull, its
// config is broken) has none, and a note saying so would only be noise.
func wantLogs(a notifier.Alert) bool {
	if a.Object.Kind != notifier.KindPod || a.Container == "" {
		return false
	}
	switch a.Reason {
	case detectors.ReasonImagePullBackOff, detectors.ReasonInvalidImageName, detectors.ReasonErrImageNeverPull,
		detectors.ReasonCreateContainerConfigError, detectors.ReasonCreateContainerError:
		return a.Restarts > 0
	}
	return true
}

// wantPrevious reports whether the interesting logs are the previous
// container instance's: after a crash the current instance is waiting or
// freshly started, and the crash is in the one before. A failed pod's
// containers are not restarted, so its current (terminated) instance is the
// failed run.
func wantPrevious(a notifier.Alert) bool {
	switch a.Reason {
	case detectors.ReasonCrashLoopBackOff, detectors.ReasonOOMKilled, "Error":
		return true
	case detectors.ReasonPodFailed, detectors.ReasonJobFailed:
		return false
	}
	return a.Restarts > 0
}

// logs returns the label and redacted lines of the container's log tail,
// falling back from the previous instance to the current one.
func (e *Enricher) logs(ctx context.Context, a notifier.Alert) (string, []string) {
	previous := wantPrevious(a)
	lines, err := e.tail(ctx, a, previous)
	// Forbidden or a missing pod would fail the same way for the current
	// instance; anything else (typically "no previous container") may not.
	if err != nil && previous && !apierrors.IsForbidden(err) && !apierrors.IsNotFound(err) && ctx.Err() == nil {
		e.debug(a, err).Msg("previous container logs unavailable, trying the current container")
		previous = false
		lines, err = e.tail(ctx, a, false)
	}
	label := a.Container
	if previous {
		label += " (previous)"
	}
	if err != nil {
		e.debug(a, err).Bool("previous", previous).Int("lines", len(lines)).Msg("container logs unavailable")
		if len(lines) == 0 {
			return label, []string{"logs unavailable: " + describe(err)}
		}
	}
	return label, lines
}

// tail streams one container instance's last lines and redacts them.
func (e *Enricher) tail(ctx context.Context, a notifier.Alert, previous bool) ([]string, error) {
	ctx, cancel := context.WithTimeout(ctx, e.cfg.Timeout)
	defer cancel()
	opts := &corev1.PodLogOptions{
		Container:  a.Container,
		Previous:   previous,
		TailLines:  new(int64(e.cfg.LogLines)),
		LimitBytes: new(e.cfg.MaxLogBytes * fetchFactor),
	}
	rc, err := e.client.CoreV1().Pods(a.Object.Namespace).GetLogs(a.Object.Name, opts).Stream(ctx)
	if err != nil {
		return nil, fmt.Errorf("stream logs of %s/%s container %s: %w", a.Object.Namespace, a.Object.Name, a.Container, err)
	}
	defer func() { _ = rc.Close() }()
	lines, err := readTail(rc, e.cfg.LogLines, e.cfg.MaxLogBytes)
	if err != nil {
		err = fmt.Errorf("read logs of %s/%s container %s: %w", a.Object.Namespace, a.Object.Name, a.Container, err)
	}
	// Masks can lengthen a line, so the budget is applied again after them.
	return fitBytes(e.redactor.Lines(lines), e.cfg.MaxLogBytes), err
}

// describe is the short, user-safe reason a fetch failed; the full error
// goes to the debug log only.
func describe(err error) string {
	switch {
	case apierrors.IsForbidden(err):
		return "forbidden"
	case apierrors.IsNotFound(err):
		return "not found"
	case errors.Is(err, context.DeadlineExceeded), apierrors.IsTimeout(err), apierrors.IsServerTimeout(err):
		return "timed out"
	case errors.Is(err, context.Canceled):
		return "cancelled"
	case apierrors.IsBadRequest(err):
		// e.g. the container has not started, or has no previous instance.
		return "not available"
	}
	return "error"
}

func (e *Enricher) debug(a notifier.Alert, err error) *zerolog.Event {
	return e.log.Debug().Err(err).
		Str("namespace", a.Object.Namespace).
		Str("name", a.Object.Name).
		Str("kind", a.Object.Kind).
		Str("container", a.Container)
}
