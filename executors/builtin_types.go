package executors

import (
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/runtime/schema"
)

// builtinType is a built-in Kubernetes resource type and its spellings.
type builtinType struct {
	group, version, resource, kind string
	short                          []string
	clusterScoped                  bool
}

// builtinTypes are the resource types every cluster serves, for resolving
// without a cluster (`watchkeeper policy test`). With a cluster, Resolve
// asks discovery instead, which also knows CRDs.
var builtinTypes = []builtinType{
	{"", "v1", "pods", "Pod", []string{"po"}, false},
	{"", "v1", "services", "Service", []string{"svc"}, false},
	{"", "v1", "configmaps", "ConfigMap", []string{"cm"}, false},
	{"", "v1", "secrets", "Secret", nil, false},
	{"", "v1", "namespaces", "Namespace", []string{"ns"}, true},
	{"", "v1", "nodes", "Node", []string{"no"}, true},
	{"", "v1", "persistentvolumeclaims", "PersistentVolumeClaim", []string{"pvc"}, false},
	{"", "v1", "persistentvolumes", "PersistentVolume", []string{"pv"}, true},
	{"", "v1", "events", "Event", []string{"ev"}, false},
	{"", "v1", "serviceaccounts", "ServiceAccount", []string{"sa"}, false},
	{"", "v1", "endpoints", "Endpoints", []string{"ep"}, false},
	{"apps", "v1", "deployments", "Deployment", []string{"deploy"}, false},
	{"apps", "v1", "statefulsets", "StatefulSet", []string{"sts"}, false},
	{"apps", "v1", "daemonsets", "DaemonSet", []string{"ds"}, false},
	{"apps", "v1", "replicasets", "ReplicaSet", []string{"rs"}, false},
	{"batch", "v1", "jobs", "Job", nil, false},
	{"batch", "v1", "cronjobs", "CronJob", []string{"cj"}, false},
	{"networking.k8s.io", "v1", "ingresses", "Ingress", []string{"ing"}, false},
	{"networking.k8s.io", "v1", "networkpolicies", "NetworkPolicy", []string{"netpol"}, false},
	{"autoscaling", "v2", "horizontalpodautoscalers", "HorizontalPodAutoscaler", []string{"hpa"}, false},
	{"policy", "v1", "poddisruptionbudgets", "PodDisruptionBudget", []string{"pdb"}, false},
	{"rbac.authorization.k8s.io", "v1", "roles", "Role", nil, false},
	{"rbac.authorization.k8s.io", "v1", "rolebindings", "RoleBinding", nil, false},
	{"rbac.authorization.k8s.io", "v1", "clusterroles", "ClusterRole", nil, true},
	{"rbac.authorization.k8s.io", "v1", "clusterrolebindings", "ClusterRoleBinding", nil, true},
	{"storage.k8s.io", "v1", "storageclasses", "StorageClass", []string{"sc"}, true},
}

// BuiltinTarget resolves a built-in type from any spelling kubectl accepts
// for it (plural, singular, kind, short name, resource.group), without a
// cluster.
func BuiltinTarget(typed string) (Target, bool) {
	t := strings.ToLower(typed)
	name, group, _ := strings.Cut(t, ".")
	for _, b := range builtinTypes {
		if group != "" && group != b.group && !(b.group == "" && group == "core") {
			continue
		}
		if name == b.resource || name == strings.ToLower(b.kind) || (group == "" && slices.Contains(b.short, name)) {
			return Target{
				GVR:        schema.GroupVersionResource{Group: b.group, Version: b.version, Resource: b.resource},
				Kind:       b.kind,
				Namespaced: !b.clusterScoped,
			}, true
		}
	}
	return Target{}, false
}
