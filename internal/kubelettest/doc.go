// Package kubelettest is an in-process fake kubelet that serves the read-only
// stats API Watchkeeper polls for PVC usage, and container logs for the API
// server's pods/log.
//
// It sits under the tests of watchers/volumestats and of the binary's PVC
// wiring: a test starts a [Kubelet], points a volumestats.Client at
// 127.0.0.1:[Kubelet.Port] with [Kubelet.CAPEM] as watchers.pvc.caFile, and
// sets volume usage with [Kubelet.SetVolume]. The fake speaks the kubelet's
// wire format rather than Watchkeeper's types, so the client's TLS,
// authentication and decoding run exactly as against a real node:
//
//   - HTTPS with the fake's own CA and a serving certificate for 127.0.0.1,
//     as a kubelet with a self-signed or separately signed serving cert.
//   - Authentication as the kubelet does it: a client certificate (CN is the
//     user, O the groups), verified against [Options.ClientCAs], wins over a
//     bearer token, which [Options.AuthenticateToken] resolves (a TokenReview
//     in a real cluster; see [TokenReviewAuthenticator]). Failure is 401.
//   - Authorization as the kubelet does it: GET /stats/... is verb get on
//     resource nodes, subresource stats, decided by [Options.Authorize]
//     (a SubjectAccessReview in a real cluster; see [SARAuthorizer]).
//     Denial is 403 with the kubelet's message.
//   - GET /containerLogs/{namespace}/{pod}/{container} answers the lines a
//     test set with [Kubelet.SetLogs], honouring tailLines, sinceSeconds,
//     previous, timestamps and limitBytes (follow is ignored). The kubelet
//     authorizes it as subresource proxy. A Node whose status carries
//     InternalIP 127.0.0.1 and daemonEndpoints.kubeletEndpoint.port
//     [Kubelet.Port] lets a real API server proxy pods/log to the fake.
//   - GET /stats/summary answers the v1alpha1 Summary JSON with the node
//     block, per-pod container and network stats, a projected token volume
//     without pvcRef in every pod, and the PVC-backed volumes the test set.
//
// Faults are explicit: [Kubelet.SetHang] makes requests block until the
// client gives up, for "dead kubelet" tests. [Kubelet.Requests] counts what
// arrived.
//
// What the fake does not model: any endpoint but /stats/summary and
// /containerLogs (others are 404 after authorization), log streaming, the
// kubelet's caching of authn/authz decisions, the KubeletFineGrainedAuthz
// fallback to nodes/proxy, and container, CPU or memory numbers that mean
// anything.
package kubelettest
