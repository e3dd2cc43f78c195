package rbac

// Explain renders a decision as one line for a can-i reply:
// "yes: allowed by p, …", "no: denied by p, …",
// "no: no policy allows this (default deny)" or "no: hard deny: secrets".
func Explain(d Decision) string {
	if d.Allowed {
		return "yes: " + d.Reason
	}
	return "no: " + d.Reason
}
