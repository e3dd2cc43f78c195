package executors

import "context"

// rollout runs `rollout`. Not implemented yet.
func (r *Runner) rollout(_ context.Context, c *call) (Result, error) {
	return Result{}, Userf("`%s` is not implemented yet.", c.cmd.Verb)
}
