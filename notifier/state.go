package notifier

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// Snapshot is the persisted incident state: enough to update or resolve
// messages already posted, and to never re-alert them, after a restart.
type Snapshot struct {
	Version   int                `json:"version"`
	Incidents []SnapshotIncident `json:"incidents"`
	// SavedAt is when the state was written. A recent save means the
	// previous instance was watching until then (a restart or a leader
	// hand-over), so problems found at start-up are new, not old.
	SavedAt time.Time `json:"savedAt,omitzero"`
}

// SnapshotIncident is one incident in a Snapshot.
type SnapshotIncident struct {
	Fingerprint  string    `json:"fp"`
	Channel      string    `json:"channel"`
	TS           string    `json:"ts,omitempty"`
	Summarized   bool      `json:"summarized,omitempty"`
	FirstSeen    time.Time `json:"firstSeen"`
	LastNotified time.Time `json:"lastNotified,omitzero"`
	Alert        Alert     `json:"alert"`
	// Signature is what the last message showed (members, restarts), so a
	// restart does not re-send unchanged messages.
	Signature string `json:"sig,omitempty"`
}

const snapshotVersion = 1

func (s *incidents) snapshot() Snapshot {
	snap := Snapshot{Version: snapshotVersion, SavedAt: s.p.now().UTC()}
	for _, inc := range s.byFP {
		if !inc.posted {
			continue // nothing said yet: nothing to remember
		}
		a := inc.alert
		a.Labels = nil // routing already happened; keep the state small
		snap.Incidents = append(snap.Incidents, SnapshotIncident{
			Fingerprint: inc.fp, Channel: inc.channel, TS: inc.ts, Summarized: inc.summarized,
			FirstSeen: inc.firstSeen, LastNotified: inc.lastNotified, Alert: a, Signature: inc.sentSig,
		})
	}
	sort.Slice(snap.Incidents, func(i, j int) bool { return snap.Incidents[i].FirstSeen.Before(snap.Incidents[j].FirstSeen) })
	return snap
}

type memoryStore struct{}

func (memoryStore) Load(context.Context) (Snapshot, error) { return Snapshot{}, nil }
func (memoryStore) Save(context.Context, Snapshot) error   { return nil }

// ConfigMapStore keeps the Snapshot in a ConfigMap in Watchkeeper's own
// namespace, written with optimistic concurrency and bounded in size.
type ConfigMapStore struct {
	client    kubernetes.Interface
	namespace string
	name      string
	maxBytes  int
	rv        string
	// other is the ConfigMap's data besides StateKey (the runtime
	// silences), kept as read so a save never drops it.
	other map[string]string
}

// StateKey is the ConfigMap data key holding the snapshot JSON.
const StateKey = "incidents.json"

// NewConfigMapStore returns a store for namespace/name. maxBytes bounds the
// snapshot (default 512 KiB, well under the 1 MiB object limit); the oldest
// incidents are dropped first when it would be exceeded.
func NewConfigMapStore(client kubernetes.Interface, namespace, name string, maxBytes int) *ConfigMapStore {
	if maxBytes <= 0 {
		maxBytes = 512 << 10
	}
	return &ConfigMapStore{client: client, namespace: namespace, name: name, maxBytes: maxBytes}
}

// Load reads the snapshot; a missing ConfigMap is an empty state.
func (c *ConfigMapStore) Load(ctx context.Context) (Snapshot, error) {
	cm, err := c.client.CoreV1().ConfigMaps(c.namespace).Get(ctx, c.name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return Snapshot{}, nil
	}
	if err != nil {
		return Snapshot{}, fmt.Errorf("load state configmap %s/%s: %w", c.namespace, c.name, err)
	}
	c.rv, c.other = cm.ResourceVersion, otherData(cm.Data)
	var snap Snapshot
	if raw := cm.Data[StateKey]; raw != "" {
		if err := json.Unmarshal([]byte(raw), &snap); err != nil {
			return Snapshot{}, fmt.Errorf("decode state configmap %s/%s: %w", c.namespace, c.name, err)
		}
	}
	return snap, nil
}

// Save writes the snapshot. On a conflict (another writer, e.g. a previous
// leader) it re-reads the resourceVersion once and writes again: the
// current leader's view is authoritative.
func (c *ConfigMapStore) Save(ctx context.Context, snap Snapshot) error {
	raw, err := c.encode(snap)
	if err != nil {
		return err
	}
	for attempt := 0; attempt < 2; attempt++ {
		cm := &corev1.ConfigMap{
			ObjectMeta: metav1.ObjectMeta{Name: c.name, Namespace: c.namespace, ResourceVersion: c.rv,
				Labels: map[string]string{"app.kubernetes.io/name": "watchkeeper", "app.kubernetes.io/component": "state"}},
			Data: map[string]string{StateKey: raw},
		}
		for k, v := range c.other {
			cm.Data[k] = v
		}
		var out *corev1.ConfigMap
		if c.rv == "" {
			out, err = c.client.CoreV1().ConfigMaps(c.namespace).Create(ctx, cm, metav1.CreateOptions{})
		} else {
			out, err = c.client.CoreV1().ConfigMaps(c.namespace).Update(ctx, cm, metav1.UpdateOptions{})
		}
		if err == nil {
			c.rv = out.ResourceVersion
			return nil
		}
		if !apierrors.IsConflict(err) && !apierrors.IsAlreadyExists(err) {
			return fmt.Errorf("save state configmap %s/%s: %w", c.namespace, c.name, err)
		}
		cur, gerr := c.client.CoreV1().ConfigMaps(c.namespace).Get(ctx, c.name, metav1.GetOptions{})
		if gerr != nil {
			return fmt.Errorf("save state configmap %s/%s: re-read after conflict: %w", c.namespace, c.name, gerr)
		}
		c.rv, c.other = cur.ResourceVersion, otherData(cur.Data)
	}
	return fmt.Errorf("save state configmap %s/%s: %w", c.namespace, c.name, errors.New("conflict persisted"))
}

// encode marshals snap, dropping the oldest incidents until it fits.
func (c *ConfigMapStore) encode(snap Snapshot) (string, error) {
	for {
		b, err := json.Marshal(snap)
		if err != nil {
			return "", fmt.Errorf("encode state: %w", err)
		}
		if len(b) <= c.maxBytes || len(snap.Incidents) == 0 {
			return string(b), nil
		}
		drop := max(1, len(snap.Incidents)/10)
		snap.Incidents = snap.Incidents[drop:]
	}
}

func otherData(data map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range data {
		if k != StateKey {
			out[k] = v
		}
	}
	return out
}
