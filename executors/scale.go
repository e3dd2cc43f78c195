package executors

import "context"

// scale runs `scale`. Not implemented yet.
func (r *Runner) scale(_ context.Context, c *call) (Result, error) {
	return Result{}, Userf("`%s` is not implemented yet.", c.cmd.Verb)
}
