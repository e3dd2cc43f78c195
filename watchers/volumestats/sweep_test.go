package volumestats

import (
	"context"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"k8s.io/client-go/rest"

	"github.com/watchkeeper/watchkeeper/internal/kubelettest"
)

type report struct {
	node  string
	stats []VolumeStats
	err   error
}

// recorder collects Sweep's reports in the order they were made.
func recorder() (func(string, []VolumeStats, error), func() []report) {
	var (
		mu  sync.Mutex
		got []report
	)
	return func(node string, stats []VolumeStats, err error) {
			mu.Lock()
			defer mu.Unlock()
			got = append(got, report{node, stats, err})
		}, func() []report {
			mu.Lock()
			defer mu.Unlock()
			return append([]report(nil), got...)
		}
}

// kubelets starts fake kubelets, one per name, each with a PVC of its own.
// Every fake has its own CA, so the rest.Config trusts the bundle of them.
func kubelets(t *testing.T, names []string, opts kubelettest.Options) ([]*kubelettest.Kubelet, *rest.Config) {
	t.Helper()
	var ks []*kubelettest.Kubelet
	for _, name := range names {
		o := opts
		o.NodeName = name
		k := kubelettest.NewTest(t, o)
		k.SetVolume("ns", "pod-on-"+name, "pvc-on-"+name, 1, 10, 0, 0)
		ks = append(ks, k)
	}
	return ks, &rest.Config{TLSClientConfig: rest.TLSClientConfig{CAData: kubelettest.CABundle(ks...)}}
}

func TestSweepReportsEachNodeWhenDone(t *testing.T) {
	ks, restCfg := kubelets(t, []string{"node-a", "node-dead", "node-c"}, kubelettest.Options{})
	ks[1].SetHang(true)
	// The dead kubelet is polled first; the others must not wait for it.
	nodes := []Node{nodeOf(ks[1]), nodeOf(ks[0]), nodeOf(ks[2])}
	c := newClient(t, Config{Timeout: 3 * time.Second}, restCfg)

	report, reports := recorder()
	c.Sweep(ctx(t), nodes, report)

	got := reports()
	require.Len(t, got, 3)
	// The hanging kubelet only answers when the client gives up, so the
	// healthy nodes' reports come first.
	require.ElementsMatch(t, []string{"node-a", "node-c"}, []string{got[0].node, got[1].node})
	for _, r := range got[:2] {
		require.NoError(t, r.err)
		require.Len(t, r.stats, 1)
		require.Equal(t, "pvc-on-"+r.node, r.stats[0].PVC)
	}
	require.Equal(t, "node-dead", got[2].node)
	require.ErrorIs(t, got[2].err, context.DeadlineExceeded)
	require.ErrorContains(t, got[2].err, "volume stats of node node-dead (kubelet): timed out after 3s")
	require.Nil(t, got[2].stats)
	require.Equal(t, 1, ks[1].Requests())
}

// inFlight wraps the client's transport and records the most requests in
// flight at once, from the start of a round trip until its body is closed.
type inFlight struct {
	now, peak atomic.Int64
}

func (f *inFlight) wrap(rt http.RoundTripper) http.RoundTripper {
	return roundTripFunc(func(r *http.Request) (*http.Response, error) {
		n := f.now.Add(1)
		for p := f.peak.Load(); n > p && !f.peak.CompareAndSwap(p, n); p = f.peak.Load() {
		}
		resp, err := rt.RoundTrip(r)
		if err != nil {
			f.now.Add(-1)
			return nil, err
		}
		resp.Body = &onClose{ReadCloser: resp.Body, done: func() { f.now.Add(-1) }}
		return resp, nil
	})
}

type onClose struct {
	io.ReadCloser
	once sync.Once
	done func()
}

func (o *onClose) Close() error {
	err := o.ReadCloser.Close()
	o.once.Do(o.done)
	return err
}

func TestSweepBoundsConcurrency(t *testing.T) {
	const concurrency = 2
	// Every kubelet holds its first requests until the test has seen the
	// pool saturated, so in-flight requests overlap for certain; if Sweep
	// ignored the bound, the other nodes' requests would pile up meanwhile.
	arrived := make(chan struct{}, 16)
	gate := make(chan struct{})
	hold := func(ctx context.Context, _ string, _ []string, _, _, _ string) error {
		arrived <- struct{}{}
		select {
		case <-gate:
		case <-ctx.Done():
		}
		return nil
	}
	names := []string{"n1", "n2", "n3", "n4", "n5", "n6"}
	ks, restCfg := kubelets(t, names, kubelettest.Options{Authorize: hold})
	var flight inFlight
	restCfg.WrapTransport = flight.wrap
	c := newClient(t, Config{Concurrency: concurrency}, restCfg)

	var nodes []Node
	for _, k := range ks {
		nodes = append(nodes, nodeOf(k))
	}
	report, reports := recorder()
	done := make(chan struct{})
	go func() {
		defer close(done)
		c.Sweep(ctx(t), nodes, report)
	}()

	deadline := time.After(10 * time.Second)
	for range concurrency {
		select {
		case <-arrived:
		case <-deadline:
			t.Fatal("the pool never filled")
		}
	}
	require.Equal(t, int64(concurrency), flight.now.Load())
	close(gate)
	select {
	case <-done:
	case <-deadline:
		t.Fatal("sweep did not finish")
	}

	require.Equal(t, int64(concurrency), flight.peak.Load())
	got := reports()
	require.Len(t, got, len(names))
	for _, r := range got {
		require.NoError(t, r.err, r.node)
	}
}

func TestSweepStopsWhenContextEnds(t *testing.T) {
	ks, restCfg := kubelets(t, []string{"node-dead", "node-never"}, kubelettest.Options{})
	ks[0].SetHang(true)
	c := newClient(t, Config{Concurrency: 1, Timeout: time.Minute}, restCfg)

	sweepCtx, cancel := context.WithCancel(ctx(t))
	defer cancel()
	report, reports := recorder()
	done := make(chan struct{})
	go func() {
		defer close(done)
		c.Sweep(sweepCtx, []Node{nodeOf(ks[0]), nodeOf(ks[1])}, report)
	}()
	require.Eventually(t, func() bool { return ks[0].Requests() == 1 }, 10*time.Second, 5*time.Millisecond)
	cancel()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("sweep did not return after cancel")
	}

	got := reports()
	require.Len(t, got, 1, "a node not yet started is not reported")
	require.Equal(t, "node-dead", got[0].node)
	require.ErrorIs(t, got[0].err, context.Canceled)
	require.NotContains(t, got[0].err.Error(), "timed out", "the caller's cancel is not our timeout")
	require.Zero(t, ks[1].Requests())
}
