package executors

import (
	"context"
	"fmt"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// delete deletes exactly one named pod: the only delete chat allows, since a
// controller replaces it. Selectors, lists and other types are refused.
func (r *Runner) delete(ctx context.Context, c *call) (Result, error) {
	w, err := r.resolveWorkload(ctx, c, "delete", schema.GroupResource{Resource: "pods"})
	if err != nil {
		return Result{}, err
	}
	cs, err := r.Clientset(c.id)
	if err != nil {
		return Result{}, err
	}
	if err := cs.CoreV1().Pods(w.Namespace).Delete(ctx, w.Name, metav1.DeleteOptions{}); err != nil {
		return Result{}, err
	}
	summary := fmt.Sprintf("pod %q deleted", w.Name)
	return Result{Text: summary + "\n", Summary: summary}, nil
}
