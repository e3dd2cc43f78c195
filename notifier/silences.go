package notifier

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/util/retry"
)

// SilencesKey is the state ConfigMap's data key holding runtime silences.
const SilencesKey = "silences.json"

// RuntimeSilence mutes one workload's alerts for a while: what the chat
// command `silence shop/api 1h reason...` creates.
type RuntimeSilence struct {
	Namespace string    `json:"namespace"`
	Name      string    `json:"name"`
	Until     time.Time `json:"until"`
	By        string    `json:"by"` // Slack user ID
	Reason    string    `json:"reason,omitempty"`
	Created   time.Time `json:"created"`
}

// SilenceStore keeps runtime silences in the state ConfigMap (key
// SilencesKey), so that a silence made through any replica reaches the
// leader's pipeline and survives restarts. With a nil client it keeps them
// in memory (local runs). It is safe for concurrent use.
type SilenceStore struct {
	client    kubernetes.Interface
	namespace string
	name      string
	interval  time.Duration
	now       func() time.Time

	mu    sync.RWMutex
	cache []RuntimeSilence
}

// NewSilenceStore returns a store in the ConfigMap namespace/name, re-read
// every interval by Start (default 10s).
func NewSilenceStore(client kubernetes.Interface, namespace, name string, interval time.Duration, now func() time.Time) *SilenceStore {
	if interval <= 0 {
		interval = 10 * time.Second
	}
	if now == nil {
		now = time.Now
	}
	return &SilenceStore{client: client, namespace: namespace, name: name, interval: interval, now: now}
}

// Silences returns the active silences as matches (SilenceSource).
func (s *SilenceStore) Silences(now time.Time) []Silence {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []Silence
	for _, r := range s.cache {
		if now.Before(r.Until) {
			out = append(out, Silence{Match: Match{Namespaces: []string{r.Namespace}, Names: []string{r.Name}}, Until: r.Until,
				Comment: "silenced by " + r.By})
		}
	}
	return out
}

// Active returns the active runtime silences, soonest to end first.
func (s *SilenceStore) Active() []RuntimeSilence {
	now := s.now()
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []RuntimeSilence
	for _, r := range s.cache {
		if now.Before(r.Until) {
			out = append(out, r)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Until.Before(out[j].Until) })
	return out
}

// Add stores a silence (replacing one for the same workload) and drops
// expired ones.
func (s *SilenceStore) Add(ctx context.Context, r RuntimeSilence) error {
	now := s.now()
	merge := func(list []RuntimeSilence) []RuntimeSilence {
		out := []RuntimeSilence{r}
		for _, x := range list {
			if now.Before(x.Until) && (x.Namespace != r.Namespace || x.Name != r.Name) {
				out = append(out, x)
			}
		}
		return out
	}
	if s.client == nil {
		s.mu.Lock()
		s.cache = merge(s.cache)
		s.mu.Unlock()
		return nil
	}
	var stored []RuntimeSilence
	err := retry.RetryOnConflict(retry.DefaultBackoff, func() error {
		cms := s.client.CoreV1().ConfigMaps(s.namespace)
		cm, err := cms.Get(ctx, s.name, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			stored = merge(nil)
			raw, err := json.Marshal(stored)
			if err != nil {
				return err
			}
			_, err = cms.Create(ctx, &corev1.ConfigMap{
				ObjectMeta: metav1.ObjectMeta{Name: s.name, Namespace: s.namespace,
					Labels: map[string]string{"app.kubernetes.io/name": "watchkeeper", "app.kubernetes.io/component": "state"}},
				Data: map[string]string{SilencesKey: string(raw)},
			}, metav1.CreateOptions{})
			if apierrors.IsAlreadyExists(err) {
				return apierrors.NewConflict(corev1.Resource("configmaps"), s.name, err)
			}
			return err
		}
		if err != nil {
			return err
		}
		list, err := decodeSilences(cm.Data[SilencesKey])
		if err != nil {
			return err
		}
		stored = merge(list)
		raw, err := json.Marshal(stored)
		if err != nil {
			return err
		}
		if cm.Data == nil {
			cm.Data = map[string]string{}
		}
		cm.Data[SilencesKey] = string(raw)
		_, err = cms.Update(ctx, cm, metav1.UpdateOptions{})
		return err
	})
	if err != nil {
		return fmt.Errorf("save silence in configmap %s/%s: %w", s.namespace, s.name, err)
	}
	s.mu.Lock()
	s.cache = stored
	s.mu.Unlock()
	return nil
}

// Refresh re-reads the silences from the ConfigMap.
func (s *SilenceStore) Refresh(ctx context.Context) error {
	if s.client == nil {
		return nil
	}
	cm, err := s.client.CoreV1().ConfigMaps(s.namespace).Get(ctx, s.name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		s.mu.Lock()
		s.cache = nil
		s.mu.Unlock()
		return nil
	}
	if err != nil {
		return fmt.Errorf("read silences from configmap %s/%s: %w", s.namespace, s.name, err)
	}
	list, err := decodeSilences(cm.Data[SilencesKey])
	if err != nil {
		return err
	}
	s.mu.Lock()
	s.cache = list
	s.mu.Unlock()
	return nil
}

// Start refreshes the cache every interval until ctx ends. A failed read
// keeps the last known silences.
func (s *SilenceStore) Start(ctx context.Context) error {
	if s.client == nil {
		<-ctx.Done()
		return nil
	}
	t := time.NewTicker(s.interval)
	defer t.Stop()
	for {
		// A failed read keeps the last known silences; the next tick retries.
		_ = s.Refresh(ctx)
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

func decodeSilences(raw string) ([]RuntimeSilence, error) {
	if raw == "" {
		return nil, nil
	}
	var list []RuntimeSilence
	if err := json.Unmarshal([]byte(raw), &list); err != nil {
		return nil, fmt.Errorf("decode %s: %w", SilencesKey, err)
	}
	return list, nil
}
