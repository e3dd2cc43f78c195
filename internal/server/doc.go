// Package server serves Watchkeeper's operational HTTP endpoints: /healthz
// for liveness, /readyz for readiness (every registered check must pass) and
// /metrics for Prometheus. It is wired in cmd and knows nothing about the
// pipelines beyond the Check functions it is given.
package server
