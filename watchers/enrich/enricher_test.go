package enrich_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"

	"github.com/watchkeeper/watchkeeper/internal/redact"
	"github.com/watchkeeper/watchkeeper/notifier"
	"github.com/watchkeeper/watchkeeper/watchers/enrich"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func podAlert(reason string, restarts int32) notifier.Alert {
	return notifier.Alert{
		Object:    notifier.ObjectRef{Kind: notifier.KindPod, Namespace: "shop", Name: "api", UID: "uid-api"},
		Container: "app",
		Reason:    reason,
		Restarts:  restarts,
	}
}

// event is a core/v1 event about the pod api (uid-api) unless changed.
func event(name, reason, message string, last time.Duration, opts ...func(*corev1.Event)) *corev1.Event {
	ev := &corev1.Event{
		ObjectMeta:     metav1.ObjectMeta{Namespace: "shop", Name: name},
		InvolvedObject: corev1.ObjectReference{Kind: "Pod", Namespace: "shop", Name: "api", UID: "uid-api"},
		Reason:         reason,
		Message:        message,
		Type:           corev1.EventTypeWarning,
		FirstTimestamp: metav1.NewTime(t0.Add(last - time.Hour)),
		LastTimestamp:  metav1.NewTime(t0.Add(last)),
		Count:          1,
	}
	for _, o := range opts {
		o(ev)
	}
	return ev
}

func count(n int32) func(*corev1.Event) { return func(ev *corev1.Event) { ev.Count = n } }

func aboutUID(uid string) func(*corev1.Event) {
	return func(ev *corev1.Event) { ev.InvolvedObject.UID = types.UID(uid) }
}

// logServer answers the fake clientset's GetLogs from a function of the
// requested options, and records every request.
type logServer struct {
	mu    sync.Mutex
	calls []corev1.PodLogOptions
	ns    []string
	serve func(opts *corev1.PodLogOptions) (string, error)
}

func (s *logServer) install(c *fake.Clientset) {
	c.PrependReactor("get", "pods/log", func(a k8stesting.Action) (bool, runtime.Object, error) {
		opts := a.(k8stesting.GenericAction).GetValue().(*corev1.PodLogOptions)
		s.mu.Lock()
		s.calls = append(s.calls, *opts)
		s.ns = append(s.ns, a.GetNamespace())
		s.mu.Unlock()
		body, err := s.serve(opts)
		if err != nil {
			return true, nil, err
		}
		return true, &runtime.Unknown{Raw: []byte(body)}, nil
	})
}

// listRecorder records the options of every event List.
type listRecorder struct {
	mu         sync.Mutex
	selectors  []string
	namespaces []string
}

func (r *listRecorder) install(c *fake.Clientset) {
	c.PrependReactor("list", "events", func(a k8stesting.Action) (bool, runtime.Object, error) {
		r.mu.Lock()
		defer r.mu.Unlock()
		r.selectors = append(r.selectors, a.(k8stesting.ListAction).GetListRestrictions().Fields.String())
		r.namespaces = append(r.namespaces, a.GetNamespace())
		return false, nil, nil // fall through to the object tracker
	})
}

func lines(from, to int) string {
	var b strings.Builder
	for i := from; i <= to; i++ {
		fmt.Fprintf(&b, "log line %d\n", i)
	}
	return b.String()
}

func TestEnrichCrashLoop(t *testing.T) {
	client := fake.NewClientset(
		event("e1", "Scheduled", "Successfully assigned shop/api to node-1", -50*time.Minute),
		event("e2", "Pulled", "Container image already present", -40*time.Minute),
		event("e3", "Created", "Created container app", -30*time.Minute, count(6)),
		event("e4", "Started", "Started container app", -29*time.Minute, count(6)),
		event("e5", "Unhealthy", "Readiness probe failed: HTTP probe failed with statuscode: 503", -20*time.Minute, count(12)),
		event("e6", "BackOff", "Back-off restarting failed container app in pod api_shop(uid-api)", -time.Minute, count(25)),
		event("e7", "Killing", "Container app failed liveness probe, will be restarted\n  (token=abc123)", -10*time.Minute),
		// A pod of the same name from before a recreate, and another pod:
		// the fake ignores field selectors, so these check the code's own
		// filter.
		event("old", "BackOff", "from the previous pod", 0, aboutUID("uid-old")),
		event("other", "Failed", "another pod", 0, aboutUID("uid-other")),
	)
	logs := &logServer{serve: func(*corev1.PodLogOptions) (string, error) {
		return lines(1, 28) + "connecting with password=hunter2\npanic: db unreachable\n", nil
	}}
	logs.install(client)
	lists := &listRecorder{}
	lists.install(client)
	e := enrich.New(enrich.Config{}, client, nil, zerolog.Nop())

	got := e.Enrich(context.Background(), podAlert("CrashLoopBackOff", 5))

	require.Equal(t, "app (previous)", got.LogContainer)
	require.Len(t, got.Logs, 20)
	require.Equal(t, "log line 11", got.Logs[0])
	require.Equal(t, []string{"connecting with password=[REDACTED]", "panic: db unreachable"}, got.Logs[18:])
	require.Equal(t, []corev1.PodLogOptions{{
		Container: "app", Previous: true, TailLines: new(int64(20)), LimitBytes: new(int64(4096 * 16)),
	}}, logs.calls)
	require.Equal(t, []string{"shop"}, logs.ns)

	require.Equal(t, []string{
		"Unhealthy: Readiness probe failed: HTTP probe failed with statuscode: 503 (x12)",
		"Killing: Container app failed liveness probe, will be restarted (token=[REDACTED])",
		"BackOff: Back-off restarting failed container app in pod api_shop(uid-api) (x25)",
	}, got.Events[2:])
	require.Equal(t, []string{"Created: Created container app (x6)", "Started: Started container app (x6)"}, got.Events[:2])
	require.Equal(t, []string{"involvedObject.uid=uid-api"}, lists.selectors)
	require.Equal(t, []string{"shop"}, lists.namespaces)
}

func TestEnrichSelectsByKindAndNameWithoutUID(t *testing.T) {
	client := fake.NewClientset(
		event("e1", "BackOff", "mine", 0, aboutUID("")),
		event("e2", "BackOff", "another pod's", 0, func(ev *corev1.Event) { ev.InvolvedObject.Name = "web" }),
	)
	lists := &listRecorder{}
	lists.install(client)
	a := podAlert("Unschedulable", 0)
	a.Object.UID, a.Container = "", ""

	got := enrich.New(enrich.Config{}, client, nil, zerolog.Nop()).Enrich(context.Background(), a)

	require.Equal(t, []string{"involvedObject.kind=Pod,involvedObject.name=api"}, lists.selectors)
	require.Equal(t, []string{"BackOff: mine"}, got.Events)
	require.Empty(t, got.LogContainer, "no container, no logs")
	require.Nil(t, got.Logs)
}

func TestEnrichFallsBackToCurrentContainer(t *testing.T) {
	client := fake.NewClientset()
	logs := &logServer{serve: func(o *corev1.PodLogOptions) (string, error) {
		if o.Previous {
			return "", apierrors.NewBadRequest(`previous terminated container "app" in pod "api" not found`)
		}
		return "started\nserving on :8080\n", nil
	}}
	logs.install(client)

	got := enrich.New(enrich.Config{}, client, nil, zerolog.Nop()).Enrich(context.Background(), podAlert("OOMKilled", 1))

	require.Equal(t, "app", got.LogContainer)
	require.Equal(t, []string{"started", "serving on :8080"}, got.Logs)
	require.Len(t, logs.calls, 2)
	require.True(t, logs.calls[0].Previous)
	require.False(t, logs.calls[1].Previous)
}

func TestEnrichNotesWhatItCouldNotFetch(t *testing.T) {
	podsGR := schema.GroupResource{Resource: "pods"}
	tests := []struct {
		name       string
		logErr     error
		eventsErr  error
		wantLogs   []string
		wantEvents []string
		wantCalls  int
	}{
		{
			name:       "forbidden",
			logErr:     apierrors.NewForbidden(podsGR, "api", fmt.Errorf(`User "system:serviceaccount:watchkeeper:watchkeeper" cannot get resource "pods/log"`)),
			eventsErr:  apierrors.NewForbidden(schema.GroupResource{Resource: "events"}, "", fmt.Errorf("no list")),
			wantLogs:   []string{"logs unavailable: forbidden"},
			wantEvents: []string{"events unavailable: forbidden"},
			wantCalls:  1, // forbidden for the previous instance is forbidden for the current one
		},
		{
			name:       "pod gone",
			logErr:     apierrors.NewNotFound(podsGR, "api"),
			eventsErr:  apierrors.NewTimeoutError("list events", 1),
			wantLogs:   []string{"logs unavailable: not found"},
			wantEvents: []string{"events unavailable: timed out"},
			wantCalls:  1,
		},
		{
			name:       "unexpected",
			logErr:     fmt.Errorf("connection reset by peer"),
			eventsErr:  apierrors.NewInternalError(fmt.Errorf("etcd: leader changed")),
			wantLogs:   []string{"logs unavailable: error"},
			wantEvents: []string{"events unavailable: error"},
			wantCalls:  2,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			client := fake.NewClientset()
			logs := &logServer{serve: func(*corev1.PodLogOptions) (string, error) { return "", tt.logErr }}
			logs.install(client)
			client.PrependReactor("list", "events", func(k8stesting.Action) (bool, runtime.Object, error) {
				return true, nil, tt.eventsErr
			})

			got := enrich.New(enrich.Config{}, client, nil, zerolog.Nop()).Enrich(context.Background(), podAlert("CrashLoopBackOff", 3))

			require.Equal(t, tt.wantLogs, got.Logs)
			require.Equal(t, tt.wantEvents, got.Events)
			require.Len(t, logs.calls, tt.wantCalls)
		})
	}
}

// TestEnrichLogChoice pins which container instance's logs each kind of
// alert shows, and when there are none to show.
func TestEnrichLogChoice(t *testing.T) {
	tests := []struct {
		reason       string
		restarts     int32
		wantFetch    bool
		wantPrevious bool
	}{
		{"CrashLoopBackOff", 0, true, true},
		{"OOMKilled", 1, true, true},
		{"CrashLoopBackOff", 1, true, true},
		{"Error", 0, true, true},
		{"RunContainerError", 2, true, true},
		{"RunContainerError", 0, true, false},
		{"PodFailed", 3, true, false},
		{"JobFailed", 0, true, false},
		{"ImagePullBackOff", 0, false, false},
		{"InvalidImageName", 0, false, false},
		{"ErrImageNeverPull", 0, false, false},
		{"CreateContainerConfigError", 0, false, false},
		{"CreateContainerConfigError", 1, true, true},
		{"CreateContainerError", 0, false, false},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s/%d", tt.reason, tt.restarts), func(t *testing.T) {
			client := fake.NewClientset()
			logs := &logServer{serve: func(*corev1.PodLogOptions) (string, error) { return "x\n", nil }}
			logs.install(client)

			got := enrich.New(enrich.Config{}, client, nil, zerolog.Nop()).Enrich(context.Background(), podAlert(tt.reason, tt.restarts))

			if !tt.wantFetch {
				require.Empty(t, logs.calls)
				require.Empty(t, got.LogContainer)
				return
			}
			require.Len(t, logs.calls, 1)
			require.Equal(t, tt.wantPrevious, logs.calls[0].Previous)
		})
	}
}

func TestEnrichUsesConfigAndRedactor(t *testing.T) {
	client := fake.NewClientset(
		event("e1", "A", "first", -3*time.Minute),
		event("e2", "B", "card 4111111111111111 declined", -2*time.Minute),
		event("e3", "C", "third", -time.Minute),
	)
	logs := &logServer{serve: func(*corev1.PodLogOptions) (string, error) {
		return "aaaaaaaaaa\nbbbbbbbbbb\ncard 4111111111111111\n", nil
	}}
	logs.install(client)
	r, err := redact.New([]string{`\b\d{16}\b`})
	require.NoError(t, err)
	cfg := enrich.Config{LogLines: 3, MaxLogBytes: 40, MaxEvents: 2, Timeout: time.Second}

	got := enrich.New(cfg, client, r, zerolog.Nop()).Enrich(context.Background(), podAlert("CrashLoopBackOff", 1))

	// 40 bytes: "card [REDACTED]" (15+1) and "bbbbbbbbbb" (10+1) fit, then a
	// stub of 40-27-1-4 = 8 bytes is below the 16-byte minimum.
	require.Equal(t, []string{"bbbbbbbbbb", "card [REDACTED]"}, got.Logs)
	require.Equal(t, int64(3), *logs.calls[0].TailLines)
	require.Equal(t, int64(40*16), *logs.calls[0].LimitBytes)
	require.Equal(t, []string{"B: card [REDACTED] declined", "C: third"}, got.Events)
}

func TestEnrichNodeEventsAcrossNamespaces(t *testing.T) {
	client := fake.NewClientset()
	lists := &listRecorder{}
	lists.install(client)
	a := notifier.Alert{Object: notifier.ObjectRef{Kind: notifier.KindNode, Name: "node-1", UID: "uid-node-1"}, Reason: "NodeNotReady"}

	got := enrich.New(enrich.Config{}, client, nil, zerolog.Nop()).Enrich(context.Background(), a)

	require.Empty(t, got.LogContainer)
	require.Empty(t, got.Events)
	require.Equal(t, []string{""}, lists.namespaces, "cluster-scoped objects' events are listed in all namespaces")
}

func TestConfigWithDefaults(t *testing.T) {
	require.Equal(t, enrich.Config{LogLines: 20, MaxLogBytes: 4096, MaxEvents: 5, Timeout: 5 * time.Second}, enrich.Config{}.WithDefaults())
	require.Equal(t, enrich.Config{LogLines: 50, MaxLogBytes: 4096, MaxEvents: 5, Timeout: 5 * time.Second}, enrich.Config{LogLines: 50, MaxEvents: -1}.WithDefaults())
}
