package executors

import "context"

// get runs `get`. Not implemented yet.
func (r *Runner) get(_ context.Context, c *call) (Result, error) {
	return Result{}, Userf("`%s` is not implemented yet.", c.cmd.Verb)
}
