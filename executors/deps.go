package executors

// Temporary: pins the command-path dependencies in go.mod while the
// executors that use them are written in parallel. Removed once they import
// these packages themselves.
import (
	_ "github.com/casbin/casbin/v2"
	_ "helm.sh/helm/v3/pkg/action"
	_ "k8s.io/cli-runtime/pkg/genericclioptions"
	_ "k8s.io/kubectl/pkg/describe"
	_ "k8s.io/metrics/pkg/client/clientset/versioned"
)
