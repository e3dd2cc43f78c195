package kubelettest

import (
	"encoding/json"
	"fmt"
	"sort"
	"time"
)

// The types below write the kubelet's /stats/summary JSON
// (k8s.io/kubelet/pkg/apis/stats/v1alpha1). They are declared here rather
// than shared with watchers/volumestats so that a field-name mistake in the
// parser cannot be mirrored by the fake and go unnoticed.

type summary struct {
	Node nodeStats  `json:"node"`
	Pods []podStats `json:"pods"`
}

type nodeStats struct {
	NodeName         string           `json:"nodeName"`
	SystemContainers []containerStats `json:"systemContainers,omitempty"`
	StartTime        time.Time        `json:"startTime"`
	CPU              *cpuStats        `json:"cpu,omitempty"`
	Memory           *memoryStats     `json:"memory,omitempty"`
	Network          *networkStats    `json:"network,omitempty"`
	Fs               *fsStats         `json:"fs,omitempty"`
	Runtime          *runtimeStats    `json:"runtime,omitempty"`
	Rlimit           *rlimitStats     `json:"rlimit,omitempty"`
}

type runtimeStats struct {
	ImageFs     *fsStats `json:"imageFs,omitempty"`
	ContainerFs *fsStats `json:"containerFs,omitempty"`
}

type rlimitStats struct {
	Time    time.Time `json:"time"`
	MaxPID  *int64    `json:"maxpid,omitempty"`
	CurProc *int64    `json:"curproc,omitempty"`
}

type podStats struct {
	PodRef           podReference     `json:"podRef"`
	StartTime        time.Time        `json:"startTime"`
	Containers       []containerStats `json:"containers"`
	CPU              *cpuStats        `json:"cpu,omitempty"`
	Memory           *memoryStats     `json:"memory,omitempty"`
	Network          *networkStats    `json:"network,omitempty"`
	VolumeStats      []volumeStats    `json:"volume,omitempty"`
	EphemeralStorage *fsStats         `json:"ephemeral-storage,omitempty"`
	ProcessStats     *processStats    `json:"process_stats,omitempty"`
}

type podReference struct {
	Name      string `json:"name"`
	Namespace string `json:"namespace"`
	UID       string `json:"uid"`
}

type containerStats struct {
	Name      string       `json:"name"`
	StartTime time.Time    `json:"startTime"`
	CPU       *cpuStats    `json:"cpu,omitempty"`
	Memory    *memoryStats `json:"memory,omitempty"`
	Rootfs    *fsStats     `json:"rootfs,omitempty"`
	Logs      *fsStats     `json:"logs,omitempty"`
}

type cpuStats struct {
	Time                 time.Time `json:"time"`
	UsageNanoCores       *uint64   `json:"usageNanoCores,omitempty"`
	UsageCoreNanoSeconds *uint64   `json:"usageCoreNanoSeconds,omitempty"`
}

type memoryStats struct {
	Time            time.Time `json:"time"`
	AvailableBytes  *uint64   `json:"availableBytes,omitempty"`
	UsageBytes      *uint64   `json:"usageBytes,omitempty"`
	WorkingSetBytes *uint64   `json:"workingSetBytes,omitempty"`
	RSSBytes        *uint64   `json:"rssBytes,omitempty"`
	PageFaults      *uint64   `json:"pageFaults,omitempty"`
	MajorPageFaults *uint64   `json:"majorPageFaults,omitempty"`
}

type interfaceStats struct {
	Name     string  `json:"name"`
	RxBytes  *uint64 `json:"rxBytes,omitempty"`
	RxErrors *uint64 `json:"rxErrors,omitempty"`
	TxBytes  *uint64 `json:"txBytes,omitempty"`
	TxErrors *uint64 `json:"txErrors,omitempty"`
}

type networkStats struct {
	Time time.Time `json:"time"`
	interfaceStats
	Interfaces []interfaceStats `json:"interfaces,omitempty"`
}

type processStats struct {
	ProcessCount *uint64 `json:"process_count,omitempty"`
}

// volumeStats embeds fsStats, so its fields sit beside name and pvcRef on
// the wire, as in the kubelet's type.
type volumeStats struct {
	fsStats
	Name   string        `json:"name,omitempty"`
	PVCRef *pvcReference `json:"pvcRef,omitempty"`
}

type pvcReference struct {
	Name      string `json:"name"`
	Namespace string `json:"namespace"`
}

type fsStats struct {
	Time           time.Time `json:"time"`
	AvailableBytes *uint64   `json:"availableBytes,omitempty"`
	CapacityBytes  *uint64   `json:"capacityBytes,omitempty"`
	UsedBytes      *uint64   `json:"usedBytes,omitempty"`
	InodesFree     *uint64   `json:"inodesFree,omitempty"`
	Inodes         *uint64   `json:"inodes,omitempty"`
	InodesUsed     *uint64   `json:"inodesUsed,omitempty"`
}

func u64(v uint64) *uint64 { return &v }
func i64(v int64) *int64   { return &v }

// SummaryJSON is the body GET /stats/summary answers now. Tests and
// benchmarks of parsers use it to get the fake's exact wire format without
// a connection.
func (k *Kubelet) SummaryJSON() ([]byte, error) {
	s := k.summary(time.Now().UTC().Truncate(time.Second))
	body, err := json.Marshal(s)
	if err != nil {
		return nil, fmt.Errorf("kubelettest: encode summary: %w", err)
	}
	return body, nil
}

func (k *Kubelet) summary(now time.Time) summary {
	k.mu.Lock()
	defer k.mu.Unlock()

	boot := now.Add(-24 * time.Hour)
	s := summary{Node: nodeStats{
		NodeName:         k.opts.NodeName,
		SystemContainers: []containerStats{container("kubelet", boot, now), container("runtime", boot, now)},
		StartTime:        boot,
		CPU:              cpu(now),
		Memory:           memory(now),
		Network:          network(now),
		Fs:               disk(now, 12<<30, 100<<30, 600_000, 6_553_600),
		Runtime:          &runtimeStats{ImageFs: disk(now, 8<<30, 100<<30, 90_000, 6_553_600), ContainerFs: disk(now, 8<<30, 100<<30, 90_000, 6_553_600)},
		Rlimit:           &rlimitStats{Time: now, MaxPID: i64(4_194_304), CurProc: i64(512)},
	}}

	keys := make([]podKey, 0, len(k.pods))
	for key := range k.pods {
		keys = append(keys, key)
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].namespace != keys[j].namespace {
			return keys[i].namespace < keys[j].namespace
		}
		return keys[i].name < keys[j].name
	})

	s.Pods = make([]podStats, 0, len(keys))
	for _, key := range keys {
		p := k.pods[key]
		start := now.Add(-time.Hour)
		ps := podStats{
			PodRef:           podReference{Name: key.name, Namespace: key.namespace, UID: p.uid},
			StartTime:        start,
			Containers:       []containerStats{container("app", start, now)},
			CPU:              cpu(now),
			Memory:           memory(now),
			Network:          network(now),
			EphemeralStorage: disk(now, 40<<10, 100<<30, 12, 6_553_600),
			ProcessStats:     &processStats{ProcessCount: u64(3)},
		}
		// Every pod has a projected service-account token volume, which has
		// no pvcRef: a parser must skip it.
		ps.VolumeStats = append(ps.VolumeStats, volumeStats{
			fsStats: *disk(now, 12<<10, 1<<30, 9, 262_144),
			Name:    "kube-api-access-" + p.uid[:5],
		})
		pvcs := make([]string, 0, len(p.volumes))
		for pvc := range p.volumes {
			pvcs = append(pvcs, pvc)
		}
		sort.Strings(pvcs)
		for _, pvc := range pvcs {
			v := p.volumes[pvc]
			vs := volumeStats{
				fsStats: fsStats{Time: now, UsedBytes: u64(v.used), CapacityBytes: u64(v.capacity), AvailableBytes: u64(sub(v.capacity, v.used))},
				// The pod's volume name differs from the claim's, as it does
				// in most pod specs, so a parser must read pvcRef.
				Name:   "vol-" + pvc,
				PVCRef: &pvcReference{Name: pvc, Namespace: key.namespace},
			}
			if v.inodes > 0 {
				vs.Inodes, vs.InodesUsed, vs.InodesFree = u64(v.inodes), u64(v.inodesUsed), u64(sub(v.inodes, v.inodesUsed))
			}
			ps.VolumeStats = append(ps.VolumeStats, vs)
		}
		s.Pods = append(s.Pods, ps)
	}
	return s
}

func sub(a, b uint64) uint64 {
	if b > a {
		return 0
	}
	return a - b
}

func container(name string, start, now time.Time) containerStats {
	return containerStats{
		Name:      name,
		StartTime: start,
		CPU:       cpu(now),
		Memory:    memory(now),
		Rootfs:    disk(now, 64<<10, 100<<30, 20, 6_553_600),
		Logs:      disk(now, 8<<10, 100<<30, 2, 6_553_600),
	}
}

func cpu(now time.Time) *cpuStats {
	return &cpuStats{Time: now, UsageNanoCores: u64(1_234_567), UsageCoreNanoSeconds: u64(98_765_432_100)}
}

func memory(now time.Time) *memoryStats {
	return &memoryStats{Time: now, AvailableBytes: u64(200 << 20), UsageBytes: u64(60 << 20), WorkingSetBytes: u64(50 << 20),
		RSSBytes: u64(40 << 20), PageFaults: u64(12_345), MajorPageFaults: u64(3)}
}

func network(now time.Time) *networkStats {
	eth0 := interfaceStats{Name: "eth0", RxBytes: u64(123_456_789), RxErrors: u64(0), TxBytes: u64(98_765_432), TxErrors: u64(0)}
	return &networkStats{Time: now, interfaceStats: eth0, Interfaces: []interfaceStats{eth0}}
}

func disk(now time.Time, used, capacity, inodesUsed, inodes uint64) *fsStats {
	return &fsStats{Time: now, UsedBytes: u64(used), CapacityBytes: u64(capacity), AvailableBytes: u64(sub(capacity, used)),
		InodesUsed: u64(inodesUsed), Inodes: u64(inodes), InodesFree: u64(sub(inodes, inodesUsed))}
}
