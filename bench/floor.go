package bench

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/metadata"
	"k8s.io/client-go/metadata/metadatainformer"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/watchkeeper/watchkeeper/watchers"
)

// BareWatch is the latency floor: one pods watch with no logic, recording
// when each (pod, resourceVersion) arrived on the bench's monotonic clock.
type BareWatch struct {
	c kubernetes.Interface

	mu   sync.Mutex
	seen map[string]time.Time // "ns/name@rv"
	keep func(ns string) bool
}

// NewBareWatch watches pods as Watchkeeper's client does (protobuf), and
// remembers arrivals for namespaces keep accepts.
func NewBareWatch(admin *rest.Config, keep func(ns string) bool) (*BareWatch, error) {
	cfg := rest.CopyConfig(admin)
	cfg.ContentType = "application/vnd.kubernetes.protobuf"
	cfg.AcceptContentTypes = "application/vnd.kubernetes.protobuf,application/json"
	c, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("bare watch client: %w", err)
	}
	return &BareWatch{c: c, seen: map[string]time.Time{}, keep: keep}, nil
}

// Start watches from now until ctx ends, re-watching from the last
// resourceVersion when the server closes the stream.
func (b *BareWatch) Start(ctx context.Context) error {
	list, err := b.c.CoreV1().Pods("").List(ctx, metav1.ListOptions{Limit: 1})
	if err != nil {
		return fmt.Errorf("bare watch: list: %w", err)
	}
	rv := list.ResourceVersion
	go func() {
		for ctx.Err() == nil {
			w, err := b.c.CoreV1().Pods("").Watch(ctx, metav1.ListOptions{ResourceVersion: rv, AllowWatchBookmarks: true})
			if err != nil {
				select {
				case <-ctx.Done():
				case <-time.After(100 * time.Millisecond): // back off a failed re-watch
				}
				continue
			}
			for ev := range w.ResultChan() {
				at := time.Now()
				p, ok := ev.Object.(*corev1.Pod)
				if !ok {
					continue
				}
				rv = p.ResourceVersion
				if ev.Type == watch.Bookmark || !b.keep(p.Namespace) {
					continue
				}
				b.mu.Lock()
				b.seen[p.Namespace+"/"+p.Name+"@"+p.ResourceVersion] = at
				b.mu.Unlock()
			}
		}
	}()
	return nil
}

// Arrival returns when the watch saw pod at rv, polling until deadline.
func (b *BareWatch) Arrival(ctx context.Context, p PodRef, rv string, deadline time.Duration) (time.Time, bool) {
	key := p.Namespace + "/" + p.Name + "@" + rv
	end := time.Now().Add(deadline)
	tick := time.NewTicker(2 * time.Millisecond)
	defer tick.Stop()
	for {
		b.mu.Lock()
		at, ok := b.seen[key]
		b.mu.Unlock()
		if ok {
			return at, true
		}
		if time.Now().After(end) {
			return time.Time{}, false
		}
		select {
		case <-ctx.Done():
			return time.Time{}, false
		case <-tick.C:
		}
	}
}

// FloorInformer is the memory and CPU floor: a child process (this binary's
// `floor` subcommand) with Watchkeeper's informers and transforms and no
// handlers, detectors or notifier.
type FloorInformer struct {
	cmd  *exec.Cmd
	done chan struct{}
}

// StartFloorInformer runs `self floor --kubeconfig K` and waits until it
// prints "synced".
func StartFloorInformer(ctx context.Context, self, kubeconfig, logPath string) (*FloorInformer, time.Duration, error) {
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, 0, err
	}
	defer logFile.Close()
	cmd := exec.Command(self, "floor", "--kubeconfig", kubeconfig, "--synced-file", logPath+".synced")
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	begin := time.Now()
	if err := cmd.Start(); err != nil {
		return nil, 0, fmt.Errorf("start floor informer: %w", err)
	}
	f := &FloorInformer{cmd: cmd, done: make(chan struct{})}
	go func() { _ = cmd.Wait(); close(f.done) }()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		if _, err := os.Stat(logPath + ".synced"); err == nil {
			return f, time.Since(begin), nil
		}
		select {
		case <-f.done:
			return nil, 0, fmt.Errorf("floor informer exited: %s", tailFile(logPath, 10))
		case <-ctx.Done():
			f.Stop()
			return nil, 0, ctx.Err()
		case <-tick.C:
		}
	}
}

// PID is the floor process's ID.
func (f *FloorInformer) PID() int { return f.cmd.Process.Pid }

// Stop ends the floor process.
func (f *FloorInformer) Stop() {
	_ = f.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-f.done:
	case <-time.After(5 * time.Second):
		_ = f.cmd.Process.Kill()
		<-f.done
	}
}

// RunFloor is the `floor` subcommand: Watchkeeper's pod, node, ReplicaSet
// and Job informers with its client settings and transforms, and nothing
// else. It writes syncedFile once synced and runs until ctx ends.
func RunFloor(ctx context.Context, kubeconfig, syncedFile string) error {
	restCfg, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		return fmt.Errorf("load kubeconfig: %w", err)
	}
	watchCfg := rest.CopyConfig(restCfg)
	watchCfg.QPS, watchCfg.Burst = 20, 40
	watchCfg.ContentType = "application/vnd.kubernetes.protobuf"
	watchCfg.AcceptContentTypes = "application/vnd.kubernetes.protobuf,application/json"
	client, err := kubernetes.NewForConfig(watchCfg)
	if err != nil {
		return err
	}
	meta, err := metadata.NewForConfig(rest.CopyConfig(restCfg))
	if err != nil {
		return err
	}
	factory := informers.NewSharedInformerFactoryWithOptions(client, 0, informers.WithTransform(watchers.TransformPod))
	mf := metadatainformer.NewSharedInformerFactoryWithOptions(meta, 0, metadatainformer.WithTransform(watchers.TransformMetadata))
	infs := []cache.SharedIndexInformer{
		factory.Core().V1().Pods().Informer(), factory.Core().V1().Nodes().Informer(),
		factory.Core().V1().PersistentVolumeClaims().Informer(),
		mf.ForResource(schema.GroupVersionResource{Group: "apps", Version: "v1", Resource: "replicasets"}).Informer(),
		mf.ForResource(schema.GroupVersionResource{Group: "batch", Version: "v1", Resource: "jobs"}).Informer(),
	}
	factory.Start(ctx.Done())
	mf.Start(ctx.Done())
	defer factory.Shutdown()
	defer mf.Shutdown()
	var synced []cache.InformerSynced
	for _, inf := range infs {
		synced = append(synced, inf.HasSynced)
	}
	if !cache.WaitForCacheSync(ctx.Done(), synced...) {
		return ctx.Err()
	}
	fmt.Printf("synced %d pods\n", len(infs[0].GetStore().ListKeys()))
	if err := os.WriteFile(syncedFile, []byte("synced\n"), 0o600); err != nil {
		return err
	}
	<-ctx.Done()
	return nil
}

// keepPrefixes accepts namespaces starting with any prefix.
func keepPrefixes(prefixes ...string) func(string) bool {
	return func(ns string) bool {
		for _, p := range prefixes {
			if strings.HasPrefix(ns, p) {
				return true
			}
		}
		return false
	}
}
