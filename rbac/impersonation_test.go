package rbac

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestImpersonationFor(t *testing.T) {
	roleGroups := map[string][]string{
		"role:viewer":   {"watchkeeper:viewers"},
		"role:operator": {"watchkeeper:operators", "watchkeeper:viewers"},
		"role:lead":     {"watchkeeper:leads", ""},
	}
	for _, tc := range []struct {
		name       string
		user       string
		roles      []string
		wantUser   string
		wantGroups []string
	}{
		{"one role", "U0ALICE01", []string{"role:viewer"}, "watchkeeper:slack:U0ALICE01", []string{"watchkeeper:viewers"}},
		{"union, sorted, deduped", "U0BOB0001", []string{"role:viewer", "role:operator"}, "watchkeeper:slack:U0BOB0001", []string{"watchkeeper:operators", "watchkeeper:viewers"}},
		{"empty group names dropped", "U0CAROL01", []string{"role:lead"}, "watchkeeper:slack:U0CAROL01", []string{"watchkeeper:leads"}},
		{"unmapped role adds nothing", "W0ERIN001", []string{"role:unknown"}, "watchkeeper:slack:W0ERIN001", nil},
		{"no roles", "U0NOBODY1", nil, "watchkeeper:slack:U0NOBODY1", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			user, groups := ImpersonationFor(tc.user, tc.roles, roleGroups)
			require.Equal(t, tc.wantUser, user)
			require.Equal(t, tc.wantGroups, groups)
		})
	}
}

func TestImpersonationFromRoles(t *testing.T) {
	a := newShipped(t, Options{})
	roles := a.Roles(context.Background(), "W0ERIN001", "C0PROD1")
	user, groups := ImpersonationFor("W0ERIN001", roles, map[string][]string{"role:operator": {"watchkeeper:operators"}})
	require.Equal(t, "watchkeeper:slack:W0ERIN001", user)
	require.Equal(t, []string{"watchkeeper:operators"}, groups)
}
