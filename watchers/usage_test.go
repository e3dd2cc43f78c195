package watchers

import (
	"testing"

	"github.com/rs/zerolog"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	v1 "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"

	"github.com/watchkeeper/watchkeeper/watchers/capacity"
)

func TestPVCThresholdPrecedence(t *testing.T) {
	idx := cache.NewIndexer(cache.MetaNamespaceKeyFunc, cache.Indexers{})
	add := func(ns, name string, ann map[string]string) {
		require.NoError(t, idx.Add(&corev1.PersistentVolumeClaim{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, Annotations: ann}}))
	}
	add("shop", "plain", nil)
	add("db-main", "pg", nil)
	add("db-main", "annotated", map[string]string{annWarning: "60", annClear: "50"})
	add("shop", "broken", map[string]string{annWarning: "95"}) // warning above critical: ignored
	w := &Watcher{log: zerolog.Nop(), cfg: Config{PVC: PVCConfig{
		Thresholds: capacity.Thresholds{WarningPercent: 80, CriticalPercent: 90, ClearPercent: 75},
		Overrides:  []PVCOverride{{Namespaces: []string{"db-*"}, Thresholds: capacity.Thresholds{CriticalPercent: 95}}},
	}}}
	s := &usageSweeper{w: w, pvcs: v1.NewPersistentVolumeClaimLister(idx)}

	require.Equal(t, capacity.Thresholds{WarningPercent: 80, CriticalPercent: 90, ClearPercent: 75}, s.thresholds("shop", "plain"))
	require.Equal(t, capacity.Thresholds{WarningPercent: 80, CriticalPercent: 95, ClearPercent: 75}, s.thresholds("db-main", "pg"), "namespace override")
	require.Equal(t, capacity.Thresholds{WarningPercent: 60, CriticalPercent: 95, ClearPercent: 50}, s.thresholds("db-main", "annotated"), "annotations win")
	require.Equal(t, capacity.Thresholds{WarningPercent: 80, CriticalPercent: 90, ClearPercent: 75}, s.thresholds("shop", "broken"), "invalid annotations are ignored")
}
