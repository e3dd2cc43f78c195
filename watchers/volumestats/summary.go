package volumestats

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"time"
)

// VolumeStats is one PVC-backed volume's usage as a kubelet reported it.
type VolumeStats struct {
	// Node is the node whose kubelet reported the volume.
	Node string
	// Namespace and PVC name the claim.
	Namespace, PVC string
	// Pod is a pod that mounts the claim: the first by name when several
	// pods on the node do.
	Pod string
	// UsedBytes and CapacityBytes are always present. AvailableBytes is
	// CapacityBytes−UsedBytes when the kubelet omits it.
	UsedBytes, CapacityBytes, AvailableBytes uint64
	// InodesUsed and Inodes are 0 when the kubelet reports no inodes, as
	// for block-mode volumes and some CSI drivers.
	InodesUsed, Inodes uint64
	// At is when the kubelet last measured the volume; zero if not sent.
	At time.Time
}

// The wire types mirror k8s.io/kubelet/pkg/apis/stats/v1alpha1 (Summary,
// PodStats, VolumeStats, FsStats) with only the fields read here; the
// module is not a dependency for a handful of fields. Pointers tell a
// missing number from zero, as in the kubelet's types; a value type with
// its own UnmarshalJSON halved the allocations but measured slower.
type wireSummary struct {
	Node struct {
		NodeName string `json:"nodeName"`
	} `json:"node"`
	Pods []wirePod `json:"pods"`
}

type wirePod struct {
	PodRef struct {
		Name      string `json:"name"`
		Namespace string `json:"namespace"`
	} `json:"podRef"`
	Volumes []wireVolume `json:"volume"`
}

// wireVolume flattens the kubelet's VolumeStats, which embeds FsStats.
type wireVolume struct {
	Name   string `json:"name"`
	PVCRef *struct {
		Name      string `json:"name"`
		Namespace string `json:"namespace"`
	} `json:"pvcRef"`
	Time           time.Time `json:"time"`
	AvailableBytes *uint64   `json:"availableBytes"`
	CapacityBytes  *uint64   `json:"capacityBytes"`
	UsedBytes      *uint64   `json:"usedBytes"`
	InodesFree     *uint64   `json:"inodesFree"`
	Inodes         *uint64   `json:"inodes"`
	InodesUsed     *uint64   `json:"inodesUsed"`
}

// ParseSummary reads a kubelet /stats/summary body and returns the usage of
// every PVC-backed volume on it, sorted by namespace and PVC. node names the
// node on every result and in errors; empty uses the summary's nodeName.
//
// Volumes without a pvcRef (emptyDir, projected, configMap...) are skipped,
// and so are volumes without used or capacity numbers, or with zero
// capacity: a kubelet that has not measured a volume yet reports nothing
// useful about it. A claim mounted by several pods on the node (ReadWriteMany,
// or ReadWriteOnce shared on one node) is reported once, with the numbers of
// the pod that saw the most used bytes.
func ParseSummary(r io.Reader, node string) ([]VolumeStats, error) {
	stats, err := parseSummary(r, node)
	if err != nil {
		return nil, fmt.Errorf("stats summary of node %s: %w", node, err)
	}
	return stats, nil
}

// parseSummary is ParseSummary with errors that leave naming the node to
// the caller.
func parseSummary(r io.Reader, node string) ([]VolumeStats, error) {
	var s wireSummary
	if err := json.NewDecoder(r).Decode(&s); err != nil {
		if errors.Is(err, io.EOF) {
			err = errors.New("empty body")
		}
		return nil, fmt.Errorf("parse: %w", err)
	}
	if node == "" {
		node = s.Node.NodeName
	}

	type claim struct{ namespace, name string }
	var out []VolumeStats
	index := map[claim]int{}
	for _, p := range s.Pods {
		for i := range p.Volumes {
			v := &p.Volumes[i]
			if v.PVCRef == nil || v.PVCRef.Name == "" || v.UsedBytes == nil || v.CapacityBytes == nil || *v.CapacityBytes == 0 {
				continue
			}
			ns := v.PVCRef.Namespace
			if ns == "" {
				ns = p.PodRef.Namespace // a claim is always in its pod's namespace
			}
			st := VolumeStats{
				Node:          node,
				Namespace:     ns,
				PVC:           v.PVCRef.Name,
				Pod:           p.PodRef.Name,
				UsedBytes:     *v.UsedBytes,
				CapacityBytes: *v.CapacityBytes,
				At:            v.Time,
			}
			if v.AvailableBytes != nil {
				st.AvailableBytes = *v.AvailableBytes
			} else if st.CapacityBytes > st.UsedBytes {
				st.AvailableBytes = st.CapacityBytes - st.UsedBytes
			}
			if v.Inodes != nil {
				st.Inodes = *v.Inodes
				switch {
				case v.InodesUsed != nil:
					st.InodesUsed = *v.InodesUsed
				case v.InodesFree != nil && *v.InodesFree <= st.Inodes:
					st.InodesUsed = st.Inodes - *v.InodesFree
				}
			}

			key := claim{ns, st.PVC}
			j, seen := index[key]
			if !seen {
				index[key] = len(out)
				out = append(out, st)
				continue
			}
			pod := min(out[j].Pod, st.Pod)
			if st.UsedBytes > out[j].UsedBytes {
				out[j] = st
			}
			out[j].Pod = pod
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Namespace != out[j].Namespace {
			return out[i].Namespace < out[j].Namespace
		}
		return out[i].PVC < out[j].PVC
	})
	return out, nil
}
