package executors

import "context"

// cordon runs `cordon`. Not implemented yet.
func (r *Runner) cordon(_ context.Context, c *call) (Result, error) {
	return Result{}, Userf("`%s` is not implemented yet.", c.cmd.Verb)
}
