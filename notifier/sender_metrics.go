package notifier

import (
	"errors"

	"github.com/prometheus/client_golang/prometheus"
)

// senderMetrics are the Slack sender's Web API counters.
type senderMetrics struct {
	// requests counts calls by method and outcome: "ok", Slack's ok:false
	// error code, an HTTP status such as "429" or "503", or
	// "transport_error" / "error" when no answer was read.
	requests *prometheus.CounterVec
	// rateLimited counts 429s and ok:false "ratelimited" answers.
	rateLimited *prometheus.CounterVec
}

func newSenderMetrics(reg prometheus.Registerer) (*senderMetrics, error) {
	m := &senderMetrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "watchkeeper_slack_api_requests_total",
			Help: "Slack Web API calls made by the alert sender, by method and code (ok, Slack error code or HTTP status).",
		}, []string{"method", "code"}),
		rateLimited: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "watchkeeper_slack_rate_limited_total",
			Help: "Slack Web API calls answered with a rate limit, by method.",
		}, []string{"method"}),
	}
	if reg == nil {
		return m, nil
	}
	var err error
	if m.requests, err = registerShared(reg, m.requests); err != nil {
		return nil, err
	}
	if m.rateLimited, err = registerShared(reg, m.rateLimited); err != nil {
		return nil, err
	}
	return m, nil
}

// registerShared registers c, or returns the identical collector already
// registered (a second sender on one registry shares the counters).
func registerShared[C prometheus.Collector](reg prometheus.Registerer, c C) (C, error) {
	err := reg.Register(c)
	if err == nil {
		return c, nil
	}
	if are, ok := errors.AsType[prometheus.AlreadyRegisteredError](err); ok {
		if existing, ok := are.ExistingCollector.(C); ok {
			return existing, nil
		}
	}
	return c, err
}
