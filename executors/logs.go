package executors

import "context"

// logs runs `logs`. Not implemented yet.
func (r *Runner) logs(_ context.Context, c *call) (Result, error) {
	return Result{}, Userf("`%s` is not implemented yet.", c.cmd.Verb)
}
