package testenv

import (
	"context"
	"errors"
	"fmt"
	"time"

	authorizationv1 "k8s.io/api/authorization/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// The RBAC sync barrier's subject and the API group of the resource its
// Role grants; neither exists outside the barrier.
const (
	syncUser     = "testenv:rbac-sync"
	syncGroup    = "rbac-sync.testenv.watchkeeper.io"
	syncInterval = 20 * time.Millisecond
)

// SyncRBAC returns once the apiserver's RBAC authorizer has seen every
// ClusterRole, ClusterRoleBinding, Role and RoleBinding written before the
// call. The authorizer reads informer caches, so a binding takes effect a
// moment after it is created; without this, a test that grants a right and
// uses it at once is flaky.
//
// It writes one object of each kind for a throwaway user (the Role and
// RoleBinding in namespace default) and polls SubjectAccessReviews until the
// user is allowed by both. Each informer delivers events in resourceVersion
// order, so once it has these objects it has all earlier ones too. The
// objects are deleted afterwards.
func (e *Env) SyncRBAC(ctx context.Context) (err error) {
	name := fmt.Sprintf("testenv-rbac-sync-%d", e.syncSeq.Add(1))
	path := "/" + name
	rbac := e.admin.RbacV1()
	subjects := []rbacv1.Subject{{APIGroup: rbacv1.GroupName, Kind: rbacv1.UserKind, Name: syncUser}}
	meta := metav1.ObjectMeta{Name: name}
	nsMeta := metav1.ObjectMeta{Name: name, Namespace: metav1.NamespaceDefault}
	create := metav1.CreateOptions{FieldManager: fieldManager}

	defer func() {
		// Cleanup must run even when ctx has ended; the objects grant nothing
		// to anyone real, so a failed delete is reported but harmless.
		dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		del := metav1.DeleteOptions{}
		err = errors.Join(err,
			ignoreNotFound(rbac.RoleBindings(metav1.NamespaceDefault).Delete(dctx, name, del)),
			ignoreNotFound(rbac.Roles(metav1.NamespaceDefault).Delete(dctx, name, del)),
			ignoreNotFound(rbac.ClusterRoleBindings().Delete(dctx, name, del)),
			ignoreNotFound(rbac.ClusterRoles().Delete(dctx, name, del)),
		)
	}()

	if _, err := rbac.ClusterRoles().Create(ctx, &rbacv1.ClusterRole{
		ObjectMeta: meta,
		Rules:      []rbacv1.PolicyRule{{Verbs: []string{"get"}, NonResourceURLs: []string{path}}},
	}, create); err != nil {
		return fmt.Errorf("rbac sync: %w", err)
	}
	if _, err := rbac.ClusterRoleBindings().Create(ctx, &rbacv1.ClusterRoleBinding{
		ObjectMeta: meta,
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: name},
		Subjects:   subjects,
	}, create); err != nil {
		return fmt.Errorf("rbac sync: %w", err)
	}
	if _, err := rbac.Roles(metav1.NamespaceDefault).Create(ctx, &rbacv1.Role{
		ObjectMeta: nsMeta,
		Rules:      []rbacv1.PolicyRule{{Verbs: []string{"get"}, APIGroups: []string{syncGroup}, Resources: []string{name}}},
	}, create); err != nil {
		return fmt.Errorf("rbac sync: %w", err)
	}
	if _, err := rbac.RoleBindings(metav1.NamespaceDefault).Create(ctx, &rbacv1.RoleBinding{
		ObjectMeta: nsMeta,
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: name},
		Subjects:   subjects,
	}, create); err != nil {
		return fmt.Errorf("rbac sync: %w", err)
	}

	reviews := []authorizationv1.SubjectAccessReviewSpec{
		{User: syncUser, NonResourceAttributes: &authorizationv1.NonResourceAttributes{Path: path, Verb: "get"}},
		{User: syncUser, ResourceAttributes: &authorizationv1.ResourceAttributes{
			Namespace: metav1.NamespaceDefault, Verb: "get", Group: syncGroup, Resource: name,
		}},
	}
	ticker := time.NewTicker(syncInterval)
	defer ticker.Stop()
	for _, spec := range reviews {
		for {
			sar, err := e.admin.AuthorizationV1().SubjectAccessReviews().Create(ctx,
				&authorizationv1.SubjectAccessReview{Spec: spec}, metav1.CreateOptions{})
			if err != nil {
				return fmt.Errorf("rbac sync: subject access review: %w", err)
			}
			if sar.Status.Allowed {
				break
			}
			select {
			case <-ctx.Done():
				return fmt.Errorf("rbac sync: authorizer has not seen %s: %w", name, ctx.Err())
			case <-ticker.C:
			}
		}
	}
	return nil
}

func (e *Env) ensureNamespace(ctx context.Context, name string) error {
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}
	_, err := e.admin.CoreV1().Namespaces().Create(ctx, ns, metav1.CreateOptions{FieldManager: fieldManager})
	if err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("create namespace %s: %w", name, err)
	}
	return nil
}

func ignoreNotFound(err error) error {
	if apierrors.IsNotFound(err) {
		return nil
	}
	return err
}
