package kubelettest

import (
	"context"
	"errors"
	"fmt"
	"strings"

	authenticationv1 "k8s.io/api/authentication/v1"
	authorizationv1 "k8s.io/api/authorization/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// SARAuthorizer decides as a kubelet with --authorization-mode=Webhook does:
// it asks the API server, with a SubjectAccessReview, whether the user may
// perform the verb on the subresource of node nodeName. With a real API
// server it lets a test prove that the RBAC it applied is enough, and that
// nothing more (nodes/proxy in particular) is needed. client needs create on
// subjectaccessreviews, which an admin config has.
func SARAuthorizer(client kubernetes.Interface, nodeName string) AuthorizeFunc {
	return func(ctx context.Context, user string, groups []string, verb, resource, subresource string) error {
		sar := &authorizationv1.SubjectAccessReview{Spec: authorizationv1.SubjectAccessReviewSpec{
			User:   user,
			Groups: groups,
			ResourceAttributes: &authorizationv1.ResourceAttributes{
				Verb:        verb,
				Version:     "v1",
				Resource:    resource,
				Subresource: subresource,
				Name:        nodeName,
			},
		}}
		res, err := client.AuthorizationV1().SubjectAccessReviews().Create(ctx, sar, metav1.CreateOptions{})
		if err != nil {
			return fmt.Errorf("subject access review for %s: %w", user, err)
		}
		if !res.Status.Allowed {
			reason := res.Status.Reason
			if reason == "" {
				reason = "no RBAC rule allows it"
			}
			return fmt.Errorf("user %s may not %s %s/%s on %s: %s", user, verb, resource, subresource, nodeName, reason)
		}
		return nil
	}
}

// TokenReviewAuthenticator resolves bearer tokens as a kubelet with
// --authentication-token-webhook does: with a TokenReview against the API
// server. client needs create on tokenreviews, which an admin config has.
func TokenReviewAuthenticator(client kubernetes.Interface) AuthenticateTokenFunc {
	return func(ctx context.Context, token string) (string, []string, error) {
		tr := &authenticationv1.TokenReview{Spec: authenticationv1.TokenReviewSpec{Token: token}}
		res, err := client.AuthenticationV1().TokenReviews().Create(ctx, tr, metav1.CreateOptions{})
		if err != nil {
			// The token is never part of the error.
			return "", nil, fmt.Errorf("token review: %w", err)
		}
		if !res.Status.Authenticated {
			msg := strings.TrimSpace(res.Status.Error)
			if msg == "" {
				msg = "not authenticated"
			}
			return "", nil, errors.New("token review: " + msg)
		}
		return res.Status.User.Username, res.Status.User.Groups, nil
	}
}
