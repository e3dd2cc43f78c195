package executors

import (
	"context"
	"fmt"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/strategicpatch"
	"k8s.io/client-go/dynamic"
	cmdutil "k8s.io/kubectl/pkg/cmd/util"
	"k8s.io/kubectl/pkg/polymorphichelpers"
	"k8s.io/kubectl/pkg/scheme"
)

// rolloutTypes are the workloads kubectl's rollout helpers know.
var rolloutTypes = []schema.GroupResource{
	{Group: "apps", Resource: "deployments"},
	{Group: "apps", Resource: "statefulsets"},
	{Group: "apps", Resource: "daemonsets"},
}

// rolloutFieldManager is the field manager kubectl rollout restart uses.
const rolloutFieldManager = "kubectl-rollout"

// rollout runs `rollout status|history|restart|undo` on one workload with
// kubectl's own polymorphic helpers, so the text and the patches are
// kubectl's.
func (r *Runner) rollout(ctx context.Context, c *call) (Result, error) {
	switch c.cmd.Sub {
	case "status", "history", "restart", "undo":
	default:
		return Result{}, Userf("rollout %q is not available from chat; use status, history, restart or undo.", c.cmd.Sub)
	}
	w, err := r.resolveWorkload(ctx, c, "rollout", rolloutTypes...)
	if err != nil {
		return Result{}, err
	}
	// Read first, as kubectl's builder does: a missing object or a refusal
	// is the API server's own error, not a helper's flattened text.
	u, obj, err := r.getWorkload(ctx, c, w)
	if err != nil {
		return Result{}, err
	}
	switch c.cmd.Sub {
	case "status":
		return rolloutStatus(w, u)
	case "history":
		return r.rolloutHistory(ctx, c, w)
	case "restart":
		return r.rolloutRestart(ctx, c, w, obj)
	default:
		return r.rolloutUndo(ctx, c, w, obj)
	}
}

// rolloutStatus reports the status once, as `kubectl rollout status
// --watch=false`: chat never waits on a rollout.
func rolloutStatus(w workload, u runtime.Unstructured) (Result, error) {
	viewer, err := polymorphichelpers.StatusViewerFor(w.GroupKind())
	if err != nil {
		return Result{}, Userf("%v", err)
	}
	status, _, err := viewer.Status(u, 0)
	if err != nil {
		// The viewer's errors are about the object ("rollout status is only
		// available for RollingUpdate strategy type").
		return Result{}, Userf("%v", err)
	}
	return Result{Text: status}, nil
}

// rolloutHistory prints as `kubectl rollout history`: the NamePrinter line
// with the history table as its operation.
func (r *Runner) rolloutHistory(ctx context.Context, c *call, w workload) (Result, error) {
	cs, err := r.boundedClientset(ctx, c)
	if err != nil {
		return Result{}, err
	}
	viewer, err := polymorphichelpers.HistoryViewerFor(w.GroupKind(), cs)
	if err != nil {
		return Result{}, Userf("%v", err)
	}
	rev := int64(c.cmd.Revision)
	history, err := viewer.ViewHistory(w.Namespace, w.Name, rev)
	if err != nil {
		return Result{}, fmt.Errorf("rollout history %s: %w", w.Ref(), err)
	}
	withRevision := ""
	if rev > 0 {
		withRevision = fmt.Sprintf("with revision #%d", rev)
	}
	buf := newCappedBuffer(r.opts.MaxOutputBytes)
	fmt.Fprintf(buf, "%s %s\n%s\n", w.Ref(), withRevision, history)
	return buf.result(), nil
}

// rolloutRestart sets the kubectl.kubernetes.io/restartedAt annotation on the
// pod template with the same strategic merge patch kubectl sends.
func (r *Runner) rolloutRestart(ctx context.Context, c *call, w workload, obj runtime.Object) (Result, error) {
	codec := scheme.Codecs.LegacyCodec(w.GVR.GroupVersion())
	original, err := runtime.Encode(codec, obj)
	if err != nil {
		return Result{}, fmt.Errorf("encode %s: %w", w.Ref(), err)
	}
	restarted, err := polymorphichelpers.ObjectRestarterFn(obj.DeepCopyObject())
	if err != nil {
		// "can't restart paused deployment (run rollout resume first)"
		return Result{}, Userf("%s: %v", w.Ref(), err)
	}
	patch, err := strategicpatch.CreateTwoWayMergePatch(original, restarted, obj)
	if err != nil {
		return Result{}, fmt.Errorf("restart patch for %s: %w", w.Ref(), err)
	}
	if len(patch) == 0 || string(patch) == "{}" {
		return Result{}, Userf("%s was restarted within the past second; wait before restarting it again.", w.Ref())
	}
	dc, err := dynamic.NewForConfig(r.RESTConfig(c.id))
	if err != nil {
		return Result{}, fmt.Errorf("dynamic client: %w", err)
	}
	_, err = dc.Resource(w.GVR).Namespace(w.Namespace).Patch(ctx, w.Name, types.StrategicMergePatchType, patch,
		metav1.PatchOptions{FieldManager: rolloutFieldManager})
	if err != nil {
		return Result{}, err
	}
	summary := w.Ref() + " restarted"
	return Result{Text: summary + "\n", Summary: summary}, nil
}

// rolloutUndo rolls back to Command.Revision (0: the previous one) with
// kubectl's Rollbacker.
func (r *Runner) rolloutUndo(ctx context.Context, c *call, w workload, obj runtime.Object) (Result, error) {
	cs, err := r.boundedClientset(ctx, c)
	if err != nil {
		return Result{}, err
	}
	rb, err := polymorphichelpers.RollbackerFor(w.GroupKind(), cs)
	if err != nil {
		return Result{}, Userf("%v", err)
	}
	out, err := rb.Rollback(obj, nil, int64(c.cmd.Revision), cmdutil.DryRunNone)
	if err != nil {
		if ctx.Err() != nil {
			return Result{}, ctx.Err()
		}
		// The Rollbacker flattens API errors into text; what is left is
		// about the object's history ("unable to find specified revision 7
		// in history", "you cannot rollback a paused deployment..."), which
		// kubectl prints as is.
		return Result{}, Userf("%s: %v", w.Ref(), err)
	}
	summary := w.Ref() + " " + out
	return Result{Text: summary + "\n", Summary: summary}, nil
}
