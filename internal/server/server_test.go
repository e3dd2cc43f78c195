package server_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"
	"github.com/stretchr/testify/require"

	"github.com/watchkeeper/watchkeeper/internal/server"
)

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(b)
}

func TestEndpoints(t *testing.T) {
	var synced atomic.Bool
	reg := prometheus.NewRegistry()
	g := prometheus.NewGauge(prometheus.GaugeOpts{Name: "watchkeeper_test_gauge", Help: "test"})
	reg.MustRegister(g)
	g.Set(7)
	s := server.New(server.Config{Listen: "127.0.0.1:0"}, []server.Check{
		{Name: "informers", Func: func() error {
			if !synced.Load() {
				return errors.New("caches not synced")
			}
			return nil
		}},
	}, reg, zerolog.Nop())

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Start(ctx) }()
	require.Eventually(t, func() bool { return s.Addr() != nil }, 5*time.Second, 10*time.Millisecond)
	base := "http://" + s.Addr().String()

	code, body := get(t, base+"/healthz")
	require.Equal(t, http.StatusOK, code)
	require.Equal(t, "ok\n", body)

	code, body = get(t, base+"/readyz")
	require.Equal(t, http.StatusServiceUnavailable, code)
	require.Contains(t, body, "informers: caches not synced")

	synced.Store(true)
	code, _ = get(t, base+"/readyz")
	require.Equal(t, http.StatusOK, code)

	code, body = get(t, base+"/metrics")
	require.Equal(t, http.StatusOK, code)
	require.Contains(t, body, "watchkeeper_test_gauge 7")

	cancel()
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(10 * time.Second):
		t.Fatal("server did not shut down")
	}
	_, err := http.Get(base + "/healthz")
	require.Error(t, err, "listener closed after shutdown")
}

func TestListenErrorNamesKey(t *testing.T) {
	s := server.New(server.Config{Listen: "256.0.0.1:1"}, nil, prometheus.NewRegistry(), zerolog.Nop())
	err := s.Start(context.Background())
	require.ErrorContains(t, err, "server.listen")
}
