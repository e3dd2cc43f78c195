package executors

import "context"

// delete runs `delete`. Not implemented yet.
func (r *Runner) delete(_ context.Context, c *call) (Result, error) {
	return Result{}, Userf("`%s` is not implemented yet.", c.cmd.Verb)
}
