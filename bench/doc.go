// Package bench is Watchkeeper's scale and speed harness (issue 8). It starts
// the test control plane (internal/testenv) and the fake Slack
// (internal/slacktest), runs the real, built watchkeeper binary as a child
// process against them, generates load the way controllers and kubelets do,
// measures the process from the outside (/proc, /metrics, the apiserver
// audit log) next to a null-watcher floor, and reports a Markdown table and
// a JSON file with each issue target marked met or missed.
//
// Flow: cmd/wkbench → Run(Options) → per pod count: control plane → load
// → floor → Watchkeeper phases (cold start, latency, CPU; then storm,
// commands, flapping, resilience) → Report.
//
// Nothing here asserts timings: a run fails only on functional breakage
// (an alert never named, a command never answered, a duplicate incident).
package bench
