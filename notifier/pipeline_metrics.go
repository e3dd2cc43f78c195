package notifier

import (
	"errors"

	"github.com/prometheus/client_golang/prometheus"
)

type pipelineMetrics struct {
	detected, sent, updated, resolved *prometheus.CounterVec
	suppressed                        *prometheus.CounterVec
	overflow, sendFailures            prometheus.Counter
	queueDepth                        prometheus.Gauge
	outboxDepth                       *prometheus.GaugeVec
}

func newPipelineMetrics(reg prometheus.Registerer) (*pipelineMetrics, error) {
	byReason := func(name, help string) *prometheus.CounterVec {
		return prometheus.NewCounterVec(prometheus.CounterOpts{Name: name, Help: help}, []string{"reason"})
	}
	m := &pipelineMetrics{
		detected: byReason("watchkeeper_alerts_detected_total", "Incidents opened, by reason."),
		sent:     byReason("watchkeeper_alerts_sent_total", "Incidents first notified (own message or digest), by reason."),
		updated:  byReason("watchkeeper_alerts_updated_total", "Incident messages updated in place, by reason."),
		resolved: byReason("watchkeeper_alerts_resolved_total", "Incidents resolved, by reason."),
		suppressed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "watchkeeper_alerts_suppressed_total", Help: "Alerts dropped by ignore rules, by reason and rule.",
		}, []string{"reason", "rule"}),
		overflow: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "watchkeeper_notifier_overflow_total", Help: "Observations refused because the queue was full (retried by the watchers).",
		}),
		sendFailures: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "watchkeeper_notifier_send_failures_total", Help: "Alert messages that could not be delivered after retries.",
		}),
		queueDepth: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "watchkeeper_notifier_queue_depth", Help: "Observations waiting for the pipeline.",
		}),
		outboxDepth: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "watchkeeper_notifier_outbox_depth", Help: "Messages waiting to be sent, by channel.",
		}, []string{"channel"}),
	}
	if reg == nil {
		return m, nil
	}
	for _, c := range []prometheus.Collector{m.detected, m.sent, m.updated, m.resolved, m.suppressed, m.overflow, m.sendFailures, m.queueDepth, m.outboxDepth} {
		if err := reg.Register(c); err != nil {
			var are prometheus.AlreadyRegisteredError
			if !errors.As(err, &are) {
				return nil, err
			}
		}
	}
	return m, nil
}
