// Command watchkeeper is the Watchkeeper binary: Kubernetes alerts to Slack
// and allow-listed, policy-checked kubectl and helm commands from Slack.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		if !isReported(err) {
			fmt.Fprintln(os.Stderr, "watchkeeper:", err)
		}
		os.Exit(1)
	}
}
