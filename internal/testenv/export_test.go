package testenv

// PIDs exposes the child process IDs so tests can check Stop ends them.
func (e *Env) PIDs() (etcd, apiserver int) { return e.etcd.pid(), e.apiserver.pid() }
