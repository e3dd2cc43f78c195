package executors

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math"
	"sort"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/kubectl/pkg/polymorphichelpers"
	"k8s.io/kubectl/pkg/util/podutils"
)

// logs reads one container's log, as `kubectl logs`: of the named pod, or
// of the pod kubectl would pick for a workload (deploy/api, sts/db...).
// Every line goes through Options.Redact; at most MaxOutputBytes are read.
func (r *Runner) logs(ctx context.Context, c *call) (Result, error) {
	w, err := r.resolveWorkload(ctx, c, "logs")
	if err != nil {
		return Result{}, err
	}
	if !w.Namespaced {
		return Result{}, Userf("logs works on pods and workloads, not on %s.", w.Resource())
	}
	cs, err := r.Clientset(c.id)
	if err != nil {
		return Result{}, err
	}
	var (
		pod  *corev1.Pod
		note string
	)
	if w.GVR.Group == "" && w.GVR.Resource == "pods" {
		pod, err = cs.CoreV1().Pods(w.Namespace).Get(ctx, w.Name, metav1.GetOptions{})
	} else {
		pod, note, err = r.podForWorkload(ctx, c, cs, w)
	}
	if err != nil {
		return Result{}, err
	}
	container, err := logContainer(pod, c.cmd.Container)
	if err != nil {
		return Result{}, err
	}

	tail := c.cmd.Tail
	if tail <= 0 {
		tail = r.opts.DefaultTail
	}
	tail = min(tail, r.opts.MaxTail)
	limit := r.opts.MaxOutputBytes
	opts := &corev1.PodLogOptions{
		Container:  container,
		Previous:   c.cmd.Previous,
		TailLines:  &tail,
		LimitBytes: &limit,
	}
	if c.cmd.Since > 0 {
		// kubectl rounds --since up to whole seconds.
		s := int64(math.Ceil(c.cmd.Since.Seconds()))
		opts.SinceSeconds = &s
	}
	stream, err := cs.CoreV1().Pods(pod.Namespace).GetLogs(pod.Name, opts).Stream(ctx)
	if err != nil {
		return Result{}, err
	}
	defer stream.Close()
	raw := newCappedBuffer(limit)
	// One byte past the limit tells a log that filled it from one that
	// was cut; the kubelet enforces limitBytes too.
	if _, err := io.Copy(raw, io.LimitReader(stream, limit+1)); err != nil {
		if ctx.Err() != nil {
			return Result{}, ctx.Err()
		}
		return Result{}, fmt.Errorf("read log of %s/%s: %w", pod.Namespace, pod.Name, err)
	}
	res := redactLines(raw.buf.Bytes(), r.opts.Redact, limit)
	res.Truncated = res.Truncated || raw.truncated || int64(raw.buf.Len()) >= limit
	res.Summary = note
	return res, nil
}

// redactLines applies redact to every line of log and caps the result.
func redactLines(log []byte, redact func(string) string, limit int64) Result {
	out := newCappedBuffer(limit)
	for len(log) > 0 {
		line, rest, found := bytes.Cut(log, []byte("\n"))
		_, _ = out.Write([]byte(redact(string(line))))
		if found {
			_, _ = out.Write([]byte("\n"))
		}
		log = rest
	}
	return out.result()
}

// logContainer is the container to read: the one asked for, or the only
// one. With several and none asked for, it refuses with the API server's
// own wording rather than guess.
func logContainer(pod *corev1.Pod, asked string) (string, error) {
	if asked != "" {
		return asked, nil
	}
	if len(pod.Spec.Containers) == 1 {
		return pod.Spec.Containers[0].Name, nil
	}
	var names []string
	for _, c := range pod.Spec.InitContainers {
		names = append(names, c.Name)
	}
	for _, c := range pod.Spec.Containers {
		names = append(names, c.Name)
	}
	for _, c := range pod.Spec.EphemeralContainers {
		names = append(names, c.Name)
	}
	return "", Userf("a container name must be specified for pod %s, choose one of: %v", pod.Name, names)
}

// podForWorkload picks the pod kubectl's AttachablePodForObject would: by
// the workload's selector, the most active first (running and ready before
// pending, longer ready first). It says which pod it chose, as kubectl does
// when there are several.
func (r *Runner) podForWorkload(ctx context.Context, c *call, cs kubernetes.Interface, w workload) (*corev1.Pod, string, error) {
	_, obj, err := r.getWorkload(ctx, c, w)
	if err != nil {
		return nil, "", err
	}
	ns, selector, err := polymorphichelpers.SelectorsForObject(obj)
	if err != nil {
		return nil, "", Userf("cannot read logs of %s: %v", w.Ref(), err)
	}
	list, err := cs.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: selector.String()})
	if err != nil {
		return nil, "", err
	}
	if len(list.Items) == 0 {
		return nil, "", Userf("no pods found for %s in namespace %s", w.Ref(), ns)
	}
	pods := make([]*corev1.Pod, len(list.Items))
	for i := range list.Items {
		pods[i] = &list.Items[i]
	}
	sort.Sort(sort.Reverse(podutils.ActivePods(pods)))
	pod := pods[0]
	note := "using pod/" + pod.Name
	if len(pods) > 1 {
		note = fmt.Sprintf("Found %d pods, using pod/%s", len(pods), pod.Name)
	}
	return pod, note, nil
}
