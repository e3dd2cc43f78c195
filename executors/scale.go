package executors

import (
	"context"
	"fmt"

	autoscalingv1 "k8s.io/api/autoscaling/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/util/retry"
)

// scaleTypes are the workloads scale accepts from chat.
var scaleTypes = []schema.GroupResource{
	{Group: "apps", Resource: "deployments"},
	{Group: "apps", Resource: "statefulsets"},
	{Group: "apps", Resource: "replicasets"},
}

// scaler is the scale subresource of one workload type.
type scaler interface {
	GetScale(ctx context.Context, name string, opts metav1.GetOptions) (*autoscalingv1.Scale, error)
	UpdateScale(ctx context.Context, name string, scale *autoscalingv1.Scale, opts metav1.UpdateOptions) (*autoscalingv1.Scale, error)
}

// scale sets spec.replicas through the scale subresource, bounded by
// Options.MaxReplicas.
func (r *Runner) scale(ctx context.Context, c *call) (Result, error) {
	if c.cmd.Replicas == nil {
		return Result{}, Userf("scale needs --replicas.")
	}
	want := *c.cmd.Replicas
	if want < 0 {
		return Result{}, Userf("--replicas must not be negative.")
	}
	if want > r.opts.MaxReplicas {
		return Result{}, Userf("Refusing to scale to %d replicas: the limit from chat is %d.", want, r.opts.MaxReplicas)
	}
	w, err := r.resolveWorkload(ctx, c, "scale", scaleTypes...)
	if err != nil {
		return Result{}, err
	}
	cs, err := r.Clientset(c.id)
	if err != nil {
		return Result{}, err
	}
	sc := scalerFor(cs, w)
	var from int32
	// kubectl scale retries a conflicting update the same way.
	err = retry.RetryOnConflict(retry.DefaultRetry, func() error {
		s, err := sc.GetScale(ctx, w.Name, metav1.GetOptions{})
		if err != nil {
			return err
		}
		from = s.Spec.Replicas
		s.Spec.Replicas = want
		_, err = sc.UpdateScale(ctx, w.Name, s, metav1.UpdateOptions{})
		return err
	})
	if err != nil {
		return Result{}, err
	}
	summary := w.Ref() + " scaled"
	return Result{
		Summary: summary,
		Text:    fmt.Sprintf("%s from %d to %d replicas\n", summary, from, want),
	}, nil
}

func scalerFor(cs kubernetes.Interface, w workload) scaler {
	apps := cs.AppsV1()
	switch w.GVR.Resource {
	case "statefulsets":
		return apps.StatefulSets(w.Namespace)
	case "replicasets":
		return apps.ReplicaSets(w.Namespace)
	default:
		return apps.Deployments(w.Namespace)
	}
}
