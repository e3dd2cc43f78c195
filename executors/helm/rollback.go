package helm

import (
	"fmt"
	"strings"

	"helm.sh/helm/v3/pkg/action"

	"github.com/watchkeeper/watchkeeper/executors"
)

// maxHistory is helm's default --history-max (HELM_MAX_HISTORY unset): a
// rollback prunes the release's history to this many revisions.
const maxHistory = 10

// rollbackSuccess is what `helm rollback` prints (cmd/helm/rollback.go).
const rollbackSuccess = "Rollback was a success! Happy Helming!"

// rollback is `helm rollback RELEASE [REVISION]`; revision 0 is the previous
// one. Hooks run as the CLI runs them, each bounded by the timeout.
func (c *call) rollback() (executors.Result, error) {
	if c.cmd.Revision < 0 {
		return executors.Result{}, executors.Userf("the revision must be a positive number.")
	}
	client := action.NewRollback(c.cfg)
	client.Version = c.cmd.Revision
	client.Timeout = c.r.opts.Timeout
	client.MaxHistory = maxHistory
	_, err := bounded(c, func() (struct{}, error) { return struct{}{}, client.Run(c.name) })
	if err != nil {
		// prepareRollback words a missing revision with errors.Errorf and no
		// sentinel; its text is meant for the person as it is.
		if msg := err.Error(); strings.HasPrefix(msg, "release has no ") {
			return executors.Result{}, executors.Userf("%s", msg)
		}
		return executors.Result{}, err
	}
	res := capped([]byte(rollbackSuccess+"\n"), c.r.opts.MaxOutputBytes)
	res.Summary = rollbackSuccess
	return res, nil
}

// uninstall is `helm uninstall RELEASE`: the release's resources and its
// whole history are deleted, dependents in the background (the CLI's
// --cascade default).
func (c *call) uninstall() (executors.Result, error) {
	client := action.NewUninstall(c.cfg)
	client.Timeout = c.r.opts.Timeout
	client.DeletionPropagation = "background"
	resp, err := bounded(c, func() (string, error) {
		res, err := client.Run(c.name)
		if res != nil {
			return res.Info, err
		}
		return "", err
	})
	if err != nil {
		return executors.Result{}, err
	}
	summary := fmt.Sprintf("release %q uninstalled", c.name)
	text := summary + "\n"
	if resp != "" {
		// Kept resources (helm.sh/resource-policy: keep), as the CLI prints.
		text = resp + "\n" + text
	}
	res := capped([]byte(text), c.r.opts.MaxOutputBytes)
	res.Summary = summary
	return res, nil
}
