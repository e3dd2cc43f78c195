package testenv

import (
	"context"
	"fmt"
	"sort"

	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	rbacv1ac "k8s.io/client-go/applyconfigurations/rbac/v1"
)

// BindClusterRole binds the existing ClusterRole clusterRole to user with a
// ClusterRoleBinding named "testenv:<user>:<clusterRole>", and returns once
// the RBAC authorizer has seen it. A missing ClusterRole is an error rather
// than a binding that silently grants nothing.
//
// No kube-controller-manager runs here, so aggregated ClusterRoles (the
// built-in admin, edit and view among them) have no rules of their own.
// BindClusterRole fills an aggregated role's rules once from the roles its
// selectors match at the time of the call, as the controller would.
func (e *Env) BindClusterRole(ctx context.Context, clusterRole, user string) error {
	if err := e.bindClusterRole(ctx, clusterRole, user); err != nil {
		return err
	}
	return e.SyncRBAC(ctx)
}

func (e *Env) bindClusterRole(ctx context.Context, clusterRole, user string) error {
	role, err := e.admin.RbacV1().ClusterRoles().Get(ctx, clusterRole, metav1.GetOptions{})
	if err != nil {
		return fmt.Errorf("bind cluster role %s to %s: %w", clusterRole, user, err)
	}
	if role.AggregationRule != nil {
		if err := e.aggregate(ctx, role); err != nil {
			return fmt.Errorf("bind cluster role %s to %s: %w", clusterRole, user, err)
		}
	}
	crb := rbacv1ac.ClusterRoleBinding("testenv:" + user + ":" + clusterRole).
		WithRoleRef(rbacv1ac.RoleRef().WithAPIGroup(rbacv1.GroupName).WithKind("ClusterRole").WithName(clusterRole)).
		WithSubjects(rbacv1ac.Subject().WithAPIGroup(rbacv1.GroupName).WithKind(rbacv1.UserKind).WithName(user))
	if _, err := e.admin.RbacV1().ClusterRoleBindings().Apply(ctx, crb, metav1.ApplyOptions{FieldManager: fieldManager, Force: true}); err != nil {
		return fmt.Errorf("bind cluster role %s to %s: %w", clusterRole, user, err)
	}
	return nil
}

// aggregate does once what kube-controller-manager's clusterrole-aggregation
// controller does continuously: set an aggregated role's rules to the union
// of the rules of the ClusterRoles its selectors match, in name order.
func (e *Env) aggregate(ctx context.Context, role *rbacv1.ClusterRole) error {
	sources := map[string]rbacv1.ClusterRole{}
	for _, sel := range role.AggregationRule.ClusterRoleSelectors {
		selector, err := metav1.LabelSelectorAsSelector(&sel)
		if err != nil {
			return fmt.Errorf("aggregation selector: %w", err)
		}
		list, err := e.admin.RbacV1().ClusterRoles().List(ctx, metav1.ListOptions{LabelSelector: selector.String()})
		if err != nil {
			return fmt.Errorf("list aggregated roles: %w", err)
		}
		for _, cr := range list.Items {
			if cr.Name != role.Name {
				sources[cr.Name] = cr
			}
		}
	}
	names := make([]string, 0, len(sources))
	for name := range sources {
		names = append(names, name)
	}
	sort.Strings(names)
	var rules []rbacv1.PolicyRule
	seen := map[string]bool{}
	for _, name := range names {
		for _, rule := range sources[name].Rules {
			if key := rule.String(); !seen[key] {
				seen[key] = true
				rules = append(rules, rule)
			}
		}
	}
	role.Rules = rules
	if _, err := e.admin.RbacV1().ClusterRoles().Update(ctx, role, metav1.UpdateOptions{FieldManager: fieldManager}); err != nil {
		return fmt.Errorf("update aggregated rules: %w", err)
	}
	return nil
}
