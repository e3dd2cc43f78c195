package main

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/watchkeeper/watchkeeper/internal/slacktest"
)

// BenchmarkCommandGetPods measures envelope → reply for `get pods -n X`
// with 100 pods: the fake Slack sends a slash command over Socket Mode and
// the clock stops when the reply reaches its response_url. Reported:
// p50/p99 reply latency and p99 ack latency.
//
//	go test -run '^$' -bench BenchmarkCommandGetPods -benchtime 200x ./cmd/watchkeeper/
func BenchmarkCommandGetPods(b *testing.B) {
	k := newCluster(b)
	ns := k.namespace("cmd")
	k.deployment(ns, "api", 100)
	fake := slacktest.NewTestServer(b, slacktest.Options{BotToken: testBotToken, AppToken: testAppToken})
	in := startInstance(b, nil, commandsConfig(b, fake)+"  userRatePerMinute: 6000\n  userBurst: 1000\n")
	in.waitReady(b)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()

	var replies, acks []time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		text := fmt.Sprintf("get pods -n %s -l app=api,run!=x%d", ns, i) // distinct text, same result
		start := time.Now()
		id, err := fake.SendSlashCommand(ctx, slacktest.SlashCommand{Text: text, UserID: "U0ALICE01", ChannelID: commandsChannel})
		if err != nil {
			b.Fatal(err)
		}
		m, err := fake.WaitForMessage(ctx, commandsChannel, func(m slacktest.PostedMessage) bool { return strings.Contains(m.Text, text) })
		if err != nil {
			b.Fatal(err)
		}
		replies = append(replies, time.Since(start))
		if !strings.Contains(m.Text, "api-7d9f8c-00099") && !strings.Contains(m.Text, "attached") {
			b.Fatalf("unexpected reply: %.300s", m.Text)
		}
		ack, err := fake.WaitAck(ctx, id)
		if err != nil {
			b.Fatal(err)
		}
		acks = append(acks, ack.Latency)
	}
	b.StopTimer()
	b.ReportMetric(percentile(replies, 50).Seconds()*1000, "p50-ms")
	b.ReportMetric(percentile(replies, 99).Seconds()*1000, "p99-ms")
	b.ReportMetric(percentile(acks, 99).Seconds()*1000, "ack-p99-ms")
}

func percentile(d []time.Duration, p int) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := slices.Clone(d)
	slices.Sort(s)
	i := (len(s)*p + 99) / 100
	return s[max(0, min(len(s)-1, i-1))]
}
