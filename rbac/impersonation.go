package rbac

import "slices"

// ImpersonationUserPrefix is the Kubernetes user name prefix executors
// impersonate; the full name is ImpersonationUserPrefix + Slack user ID.
// The format is a contract: cluster RoleBindings name these users.
const ImpersonationUserPrefix = "watchkeeper:slack:"

// ImpersonationFor maps a Slack user and the roles they hold in the channel
// to the Kubernetes identity executors act as: the user
// watchkeeper:slack:<userID> and the union of roleGroups[role] over roles,
// sorted and de-duplicated (empty names dropped). Roles missing from roleGroups add no group.
func ImpersonationFor(userID string, roles []string, roleGroups map[string][]string) (user string, groups []string) {
	for _, r := range roles {
		for _, g := range roleGroups[r] {
			if g != "" {
				groups = append(groups, g)
			}
		}
	}
	slices.Sort(groups)
	return ImpersonationUserPrefix + userID, slices.Compact(groups)
}
