package executors

import "context"

// events runs `events`. Not implemented yet.
func (r *Runner) events(_ context.Context, c *call) (Result, error) {
	return Result{}, Userf("`%s` is not implemented yet.", c.cmd.Verb)
}
