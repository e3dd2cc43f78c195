// Package volumestats reads how full PVC-backed volumes are, from each
// node's kubelet stats summary.
//
// It sits beside the informers at the start of the alert pipeline: the PVC
// watcher lists nodes from its node informer, turns each into a [Node] with
// [NodeOf], and calls [Client.Sweep] on a period; every node's
// [VolumeStats] go to the PVC detectors as soon as that node answers, so
// one slow or dead kubelet never delays alerts for the others.
//
//	node lister → []Node → Client.Sweep → report(node, []VolumeStats, err) → PVC detectors → Alert
//
// Two sources, chosen by [Config.Source]:
//
//   - kubelet (default): GET https://<InternalIP>:<kubelet port>/stats/summary
//     straight to each kubelet, with the credentials Watchkeeper uses for the
//     API server (service-account token in cluster, client certificate in
//     tests). The kubelet authorizes it as get on nodes/stats, which reveals
//     usage numbers and nothing else.
//   - apiserverProxy: GET /api/v1/nodes/<name>/proxy/stats/summary through
//     the API server, for clusters where Watchkeeper cannot reach node IPs.
//     It needs get on nodes/proxy, which also reaches the kubelet's exec and
//     attach endpoints, so it is opt-in.
//
// [ParseSummary] is pure and holds the reading rules: only volumes with a
// pvcRef, none with zero or unknown capacity, one entry per PVC.
package volumestats
