package bench

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/watchkeeper/watchkeeper/internal/testenv"
)

// auditPolicy records each request of the Watchkeeper identity once it is
// answered (or, for watches, once the response started), and nothing of the
// load generator, so the log stays small and cheap.
const auditPolicy = `apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: ["RequestReceived"]
rules:
  - level: Metadata
    users: ["watchkeeper"]
  - level: None
`

// ControlPlane is the test etcd + kube-apiserver with an audit log of
// Watchkeeper's requests.
type ControlPlane struct {
	Env *testenv.Env
	// OnTmpfs says whether etcd's data dir is on /dev/shm.
	OnTmpfs bool
	Audit   *AuditCounter
}

// StartControlPlane starts testenv with Watchkeeper's shipped RBAC
// (deploy/rbac.yaml, deploy/rbac-commands.yaml) bound to the test identity,
// plus bench/testdata/bench-rbac.yaml. workDir holds the audit policy and log.
//
// testenv fixes etcd's flags, so --quota-backend-bytes cannot be raised
// from here; etcd's default quota (2 GiB) applies.
func StartControlPlane(ctx context.Context, repoRoot, workDir string) (*ControlPlane, error) {
	policy := filepath.Join(workDir, "audit-policy.yaml")
	if err := os.WriteFile(policy, []byte(auditPolicy), 0o600); err != nil {
		return nil, fmt.Errorf("write audit policy: %w", err)
	}
	logPath := filepath.Join(workDir, "audit.log")
	opts := testenv.Options{
		WatchkeeperRBAC: []string{
			filepath.Join(repoRoot, "deploy", "rbac.yaml"),
			filepath.Join(repoRoot, "bench", "testdata", "bench-rbac.yaml"),
			filepath.Join(repoRoot, "deploy", "rbac-commands.yaml"),
		},
		BindClusterRoles: []string{"watchkeeper"},
		APIServerFlags: []string{
			"--audit-policy-file=" + policy,
			"--audit-log-path=" + logPath,
			"--audit-log-maxbackup=0",
			// The load generator is admin (exempt from priority and
			// fairness) but still bounded by the in-flight limits.
			"--max-requests-inflight=1000",
			"--max-mutating-requests-inflight=500",
		},
		StartTimeout: 3 * time.Minute,
	}
	cp := &ControlPlane{}
	if fi, err := os.Stat("/dev/shm"); err == nil && fi.IsDir() {
		opts.TempDir = "/dev/shm"
		cp.OnTmpfs = true
	}
	env, err := testenv.Start(ctx, opts)
	if err != nil {
		return nil, fmt.Errorf("start control plane: %w", err)
	}
	cp.Env = env
	cp.Audit = &AuditCounter{path: logPath, seen: map[string]bool{}, byKey: map[string]int{}}
	return cp, nil
}

// Stop ends the control plane.
func (cp *ControlPlane) Stop() error { return cp.Env.Stop() }

// AuditCounter counts the Watchkeeper identity's API requests in the audit
// log, reading it incrementally.
type AuditCounter struct {
	path string

	mu     sync.Mutex
	offset int64
	seen   map[string]bool // audit IDs counted
	total  int
	byKey  map[string]int // "verb resource[/subresource]"
}

type auditEvent struct {
	AuditID string `json:"auditID"`
	Verb    string `json:"verb"`
	User    struct {
		Username string `json:"username"`
	} `json:"user"`
	ObjectRef *struct {
		Resource    string `json:"resource"`
		Subresource string `json:"subresource"`
	} `json:"objectRef"`
}

// Snapshot reads new lines and returns the running total and a copy of the
// per-verb/resource counts.
func (a *AuditCounter) Snapshot() (int, map[string]int, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	f, err := os.Open(a.path)
	if os.IsNotExist(err) {
		return a.total, copyCounts(a.byKey), nil
	}
	if err != nil {
		return 0, nil, fmt.Errorf("open audit log: %w", err)
	}
	defer f.Close()
	if _, err := f.Seek(a.offset, io.SeekStart); err != nil {
		return 0, nil, fmt.Errorf("seek audit log: %w", err)
	}
	r := bufio.NewReaderSize(f, 1<<20)
	for {
		line, err := r.ReadBytes('\n')
		if err != nil {
			break // a partial last line is read again next time
		}
		a.offset += int64(len(line))
		var ev auditEvent
		if json.Unmarshal(line, &ev) != nil || ev.User.Username != testenv.WatchkeeperUser || a.seen[ev.AuditID] {
			continue
		}
		a.seen[ev.AuditID] = true
		a.total++
		key := ev.Verb
		if ev.ObjectRef != nil {
			key += " " + ev.ObjectRef.Resource
			if ev.ObjectRef.Subresource != "" {
				key += "/" + ev.ObjectRef.Subresource
			}
		}
		a.byKey[key]++
	}
	return a.total, copyCounts(a.byKey), nil
}

func copyCounts(m map[string]int) map[string]int {
	out := make(map[string]int, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// diffCounts returns after minus before, without zero entries.
func diffCounts(before, after map[string]int) map[string]int {
	out := map[string]int{}
	for k, v := range after {
		if d := v - before[k]; d != 0 {
			out[k] = d
		}
	}
	return out
}
