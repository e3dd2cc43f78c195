package executors

import (
	"context"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/kubectl/pkg/drain"
)

// cordon runs `cordon` and `uncordon` on one node with kubectl's
// CordonHelper: a strategic merge patch of spec.unschedulable.
func (r *Runner) cordon(ctx context.Context, c *call) (Result, error) {
	if len(c.cmd.Names) != 1 || c.cmd.Selector != "" {
		return Result{}, Userf("%s works on exactly one named node.", c.cmd.Verb)
	}
	if c.cmd.Resource != "" && c.cmd.Resource != "nodes" {
		return Result{}, Userf("%s works on nodes only.", c.cmd.Verb)
	}
	name := c.cmd.Names[0]
	cs, err := r.Clientset(c.id)
	if err != nil {
		return Result{}, err
	}
	node, err := cs.CoreV1().Nodes().Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return Result{}, err
	}
	desired := c.cmd.Verb == "cordon"
	done := "uncordoned"
	if desired {
		done = "cordoned"
	}
	ref := "node/" + name
	h := drain.NewCordonHelper(node)
	if !h.UpdateIfRequired(desired) {
		summary := ref + " already " + done
		return Result{Text: summary + "\n", Summary: summary}, nil
	}
	// The second error only says why the helper fell back from a patch to
	// an update; the first is the outcome.
	if err, _ := h.PatchOrReplaceWithContext(ctx, cs, false); err != nil {
		return Result{}, err
	}
	summary := ref + " " + done
	return Result{Text: summary + "\n", Summary: summary}, nil
}
