package executors

import "context"

// describe runs `describe`. Not implemented yet.
func (r *Runner) describe(_ context.Context, c *call) (Result, error) {
	return Result{}, Userf("`%s` is not implemented yet.", c.cmd.Verb)
}
