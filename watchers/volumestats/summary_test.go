package volumestats

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/watchkeeper/watchkeeper/internal/kubelettest"
)

func TestParseSummary(t *testing.T) {
	at := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	const ts = `"time":"2026-03-01T12:00:00Z"`

	tests := []struct {
		name    string
		body    string
		want    []VolumeStats
		wantErr string
	}{
		{
			name: "pvc volume with every field",
			body: `{"node":{"nodeName":"node-a"},"pods":[{"podRef":{"name":"db-0","namespace":"prod","uid":"u1"},"volume":[
				{` + ts + `,"availableBytes":30,"capacityBytes":100,"usedBytes":70,"inodesFree":5,"inodes":10,"inodesUsed":5,"name":"data","pvcRef":{"name":"data-db-0","namespace":"prod"}}]}]}`,
			want: []VolumeStats{{Node: "node-a", Namespace: "prod", PVC: "data-db-0", Pod: "db-0",
				UsedBytes: 70, CapacityBytes: 100, AvailableBytes: 30, InodesUsed: 5, Inodes: 10, At: at}},
		},
		{
			name: "volumes without pvcRef are skipped",
			body: `{"node":{"nodeName":"node-a"},"pods":[{"podRef":{"name":"api","namespace":"prod"},"volume":[
				{` + ts + `,"capacityBytes":100,"usedBytes":1,"name":"kube-api-access-x1"},
				{` + ts + `,"capacityBytes":100,"usedBytes":2,"name":"scratch"},
				{` + ts + `,"capacityBytes":100,"usedBytes":3,"name":"cache","pvcRef":{"name":"cache","namespace":"prod"}}]}]}`,
			want: []VolumeStats{{Node: "node-a", Namespace: "prod", PVC: "cache", Pod: "api", UsedBytes: 3, CapacityBytes: 100, AvailableBytes: 97, At: at}},
		},
		{
			name: "zero capacity is skipped",
			body: `{"pods":[{"podRef":{"name":"p","namespace":"ns"},"volume":[
				{` + ts + `,"capacityBytes":0,"usedBytes":0,"name":"v","pvcRef":{"name":"c","namespace":"ns"}}]}]}`,
			want: nil,
		},
		{
			name: "missing used or capacity is skipped, missing inodes tolerated",
			body: `{"pods":[{"podRef":{"name":"p","namespace":"ns"},"volume":[
				{` + ts + `,"capacityBytes":100,"name":"a","pvcRef":{"name":"no-used","namespace":"ns"}},
				{` + ts + `,"usedBytes":5,"name":"b","pvcRef":{"name":"no-capacity","namespace":"ns"}},
				{"name":"c","pvcRef":{"name":"not-measured","namespace":"ns"}},
				{"capacityBytes":100,"usedBytes":40,"name":"d","pvcRef":{"name":"block","namespace":"ns"}}]}]}`,
			want: []VolumeStats{{Node: "node-x", Namespace: "ns", PVC: "block", Pod: "p", UsedBytes: 40, CapacityBytes: 100, AvailableBytes: 60}},
		},
		{
			name: "inodesUsed derived from inodes and inodesFree",
			body: `{"pods":[{"podRef":{"name":"p","namespace":"ns"},"volume":[
				{"capacityBytes":100,"usedBytes":40,"availableBytes":50,"inodes":1000,"inodesFree":990,"name":"d","pvcRef":{"name":"c","namespace":"ns"}}]}]}`,
			want: []VolumeStats{{Node: "node-x", Namespace: "ns", PVC: "c", Pod: "p", UsedBytes: 40, CapacityBytes: 100, AvailableBytes: 50, InodesUsed: 10, Inodes: 1000}},
		},
		{
			name: "pvcRef without namespace takes the pod's",
			body: `{"pods":[{"podRef":{"name":"p","namespace":"ns"},"volume":[
				{"capacityBytes":100,"usedBytes":40,"name":"d","pvcRef":{"name":"c"}}]}]}`,
			want: []VolumeStats{{Node: "node-x", Namespace: "ns", PVC: "c", Pod: "p", UsedBytes: 40, CapacityBytes: 100, AvailableBytes: 60}},
		},
		{
			name: "same PVC on two pods: one entry, highest used, first pod name",
			body: `{"pods":[
				{"podRef":{"name":"web-b","namespace":"ns"},"volume":[{` + ts + `,"capacityBytes":100,"usedBytes":80,"name":"shared","pvcRef":{"name":"media","namespace":"ns"}}]},
				{"podRef":{"name":"web-a","namespace":"ns"},"volume":[{"capacityBytes":100,"usedBytes":79,"name":"shared","pvcRef":{"name":"media","namespace":"ns"}}]},
				{"podRef":{"name":"web-c","namespace":"ns"},"volume":[{"capacityBytes":100,"usedBytes":10,"name":"shared","pvcRef":{"name":"media","namespace":"ns"}}]}]}`,
			want: []VolumeStats{{Node: "node-x", Namespace: "ns", PVC: "media", Pod: "web-a", UsedBytes: 80, CapacityBytes: 100, AvailableBytes: 20, At: at}},
		},
		{
			name: "same PVC name in two namespaces stays two",
			body: `{"pods":[
				{"podRef":{"name":"p","namespace":"b"},"volume":[{"capacityBytes":10,"usedBytes":1,"name":"v","pvcRef":{"name":"data","namespace":"b"}}]},
				{"podRef":{"name":"p","namespace":"a"},"volume":[{"capacityBytes":10,"usedBytes":2,"name":"v","pvcRef":{"name":"data","namespace":"a"}}]}]}`,
			want: []VolumeStats{
				{Node: "node-x", Namespace: "a", PVC: "data", Pod: "p", UsedBytes: 2, CapacityBytes: 10, AvailableBytes: 8},
				{Node: "node-x", Namespace: "b", PVC: "data", Pod: "p", UsedBytes: 1, CapacityBytes: 10, AvailableBytes: 9},
			},
		},
		{
			name: "pods without volumes and a node block only",
			body: `{"node":{"nodeName":"node-x","startTime":"2026-03-01T00:00:00Z"},"pods":[{"podRef":{"name":"p","namespace":"ns"},"containers":[]}]}`,
			want: nil,
		},
		{name: "malformed JSON", body: `{"pods":[{"podRef":`, wantErr: "stats summary of node node-x: parse: unexpected EOF"},
		{name: "wrong type", body: `{"pods":{}}`, wantErr: "stats summary of node node-x: parse: json: cannot unmarshal"},
		{name: "empty body", body: ``, wantErr: "stats summary of node node-x: parse: empty body"},
		{name: "HTML error page", body: `<html>502</html>`, wantErr: "parse: invalid character '<'"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			node := "node-x"
			if strings.Contains(tt.body, `"nodeName":"node-a"`) {
				node = "" // falls back to the summary's nodeName
			}
			got, err := ParseSummary(strings.NewReader(tt.body), node)
			if tt.wantErr != "" {
				require.ErrorContains(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.want, got)
		})
	}
}

// The fake kubelet writes its JSON with types of its own, so a field-name
// slip in either shows up here.
func TestParseSummaryOfFakeKubelet(t *testing.T) {
	k, err := kubelettest.New(kubelettest.Options{NodeName: "node-f"})
	require.NoError(t, err)
	k.SetVolume("prod", "db-0", "data-db-0", 70, 100, 7, 1000)
	k.SetVolume("prod", "db-1", "data-db-1", 10, 100, 0, 0)
	k.SetVolume("tools", "builder", "cache", 5, 50, 1, 10)
	k.SetVolume("tools", "builder-2", "cache", 9, 50, 2, 10)
	k.RemoveVolume("prod", "data-db-1")

	body, err := k.SummaryJSON()
	require.NoError(t, err)
	require.Contains(t, string(body), `"name":"kube-api-access-`, "the fake must serve a volume without pvcRef")

	got, err := ParseSummary(bytes.NewReader(body), "node-f")
	require.NoError(t, err)
	require.Len(t, got, 2)
	for _, s := range got {
		require.False(t, s.At.IsZero())
		s.At = time.Time{}
		switch s.PVC {
		case "data-db-0":
			require.Equal(t, VolumeStats{Node: "node-f", Namespace: "prod", PVC: "data-db-0", Pod: "db-0",
				UsedBytes: 70, CapacityBytes: 100, AvailableBytes: 30, InodesUsed: 7, Inodes: 1000}, s)
		case "cache":
			require.Equal(t, VolumeStats{Node: "node-f", Namespace: "tools", PVC: "cache", Pod: "builder",
				UsedBytes: 9, CapacityBytes: 50, AvailableBytes: 41, InodesUsed: 2, Inodes: 10}, s)
		default:
			t.Fatalf("unexpected PVC %s", s.PVC)
		}
	}
}

// BenchmarkParseSummary parses a full node: 110 pods (the kubelet's default
// max-pods), each with three PVCs, a token volume and container stats.
func BenchmarkParseSummary(b *testing.B) {
	k, err := kubelettest.New(kubelettest.Options{NodeName: "big-node"})
	require.NoError(b, err)
	for p := range 110 {
		for v := range 3 {
			k.SetVolume(fmt.Sprintf("ns-%d", p%7), fmt.Sprintf("pod-%03d", p), fmt.Sprintf("pvc-%03d-%d", p, v), 1<<30, 10<<30, 1000, 655360)
		}
	}
	body, err := k.SummaryJSON()
	require.NoError(b, err)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		stats, err := ParseSummary(bytes.NewReader(body), "big-node")
		if err != nil || len(stats) != 330 {
			b.Fatalf("got %d stats, err %v", len(stats), err)
		}
	}
}
