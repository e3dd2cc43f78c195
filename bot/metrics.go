package bot

import (
	"errors"

	"github.com/prometheus/client_golang/prometheus"
)

type slackMetrics struct {
	connected  prometheus.Gauge
	connects   prometheus.Counter
	envelopes  *prometheus.CounterVec
	busy       prometheus.Counter
	duplicates prometheus.Counter
}

func newSlackMetrics(reg prometheus.Registerer) (*slackMetrics, error) {
	m := &slackMetrics{
		connected: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "watchkeeper_slack_connected", Help: "1 while the Slack Socket Mode connection is up.",
		}),
		connects: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "watchkeeper_slack_connects_total", Help: "Socket Mode connections established (hello received).",
		}),
		envelopes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "watchkeeper_chat_requests_total", Help: "Chat requests received, by entry point.",
		}, []string{"source"}),
		busy: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "watchkeeper_chat_busy_total", Help: "Chat requests refused because every worker was busy.",
		}),
		duplicates: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "watchkeeper_chat_duplicates_total", Help: "Redelivered chat requests ignored (same envelope or event ID).",
		}),
	}
	if reg == nil {
		return m, nil
	}
	for _, c := range []prometheus.Collector{m.connected, m.connects, m.envelopes, m.busy, m.duplicates} {
		if err := reg.Register(c); err != nil {
			var are prometheus.AlreadyRegisteredError
			if !errors.As(err, &are) {
				return nil, err
			}
		}
	}
	return m, nil
}
