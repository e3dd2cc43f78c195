package bot

import (
	"errors"

	"github.com/prometheus/client_golang/prometheus"
)

// commandMetrics are the command path's metrics: decisions by outcome and
// how long commands take, by policy action.
type commandMetrics struct {
	decisions *prometheus.CounterVec
	duration  *prometheus.HistogramVec
}

func newCommandMetrics(reg prometheus.Registerer) *commandMetrics {
	m := &commandMetrics{
		decisions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "watchkeeper_command_decisions_total",
			Help: "Chat command decisions (allow, deny, needs-approval, approved, invalid) and outcomes.",
		}, []string{"decision", "outcome"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "watchkeeper_command_duration_seconds",
			Help:    "Time from a chat request to its answer being ready, by policy action (builtin for built-ins).",
			Buckets: []float64{0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30},
		}, []string{"action"}),
	}
	if reg == nil {
		return m
	}
	for _, c := range []prometheus.Collector{m.decisions, m.duration} {
		if err := reg.Register(c); err != nil {
			var are prometheus.AlreadyRegisteredError
			if !errors.As(err, &are) {
				panic(err) // a programming error: two different metrics with one name
			}
		}
	}
	return m
}

func (m *commandMetrics) observe(r AuditRecord) {
	action := r.Action
	if action == "" {
		action = "builtin"
	}
	m.decisions.WithLabelValues(r.Decision, r.Outcome).Inc()
	m.duration.WithLabelValues(action).Observe(r.Duration.Seconds())
}
