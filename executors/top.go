package executors

import "context"

// top runs `top`. Not implemented yet.
func (r *Runner) top(_ context.Context, c *call) (Result, error) {
	return Result{}, Userf("`%s` is not implemented yet.", c.cmd.Verb)
}
