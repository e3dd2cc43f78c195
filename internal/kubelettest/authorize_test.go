package kubelettest

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/require"
	authenticationv1 "k8s.io/api/authentication/v1"
	authorizationv1 "k8s.io/api/authorization/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"
)

func TestSARAuthorizer(t *testing.T) {
	tests := []struct {
		name    string
		status  authorizationv1.SubjectAccessReviewStatus
		failErr error
		want    string
	}{
		{"allowed", authorizationv1.SubjectAccessReviewStatus{Allowed: true}, nil, ""},
		{"denied with reason", authorizationv1.SubjectAccessReviewStatus{Reason: "no binding"}, nil,
			"user wk may not get nodes/stats on node-s: no binding"},
		{"denied without reason", authorizationv1.SubjectAccessReviewStatus{}, nil,
			"user wk may not get nodes/stats on node-s: no RBAC rule allows it"},
		{"review fails", authorizationv1.SubjectAccessReviewStatus{}, errors.New("apiserver down"),
			"subject access review for wk: apiserver down"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			client := fake.NewClientset()
			var got *authorizationv1.SubjectAccessReview
			client.PrependReactor("create", "subjectaccessreviews", func(a k8stesting.Action) (bool, runtime.Object, error) {
				got = a.(k8stesting.CreateAction).GetObject().(*authorizationv1.SubjectAccessReview).DeepCopy()
				if tt.failErr != nil {
					return true, nil, tt.failErr
				}
				res := got.DeepCopy()
				res.Status = tt.status
				return true, res, nil
			})

			err := SARAuthorizer(client, "node-s")(context.Background(), "wk", []string{"g"}, "get", "nodes", "stats")
			require.Equal(t, authorizationv1.SubjectAccessReviewSpec{
				User:   "wk",
				Groups: []string{"g"},
				ResourceAttributes: &authorizationv1.ResourceAttributes{
					Verb: "get", Version: "v1", Resource: "nodes", Subresource: "stats", Name: "node-s",
				},
			}, got.Spec)
			if tt.want == "" {
				require.NoError(t, err)
				return
			}
			require.EqualError(t, err, tt.want)
		})
	}
}

func TestTokenReviewAuthenticator(t *testing.T) {
	const secret = "token-value"
	client := fake.NewClientset()
	client.PrependReactor("create", "tokenreviews", func(a k8stesting.Action) (bool, runtime.Object, error) {
		tr := a.(k8stesting.CreateAction).GetObject().(*authenticationv1.TokenReview).DeepCopy()
		if tr.Spec.Token == secret {
			tr.Status = authenticationv1.TokenReviewStatus{Authenticated: true, User: authenticationv1.UserInfo{
				Username: "system:serviceaccount:wk:wk", Groups: []string{"system:serviceaccounts"}}}
		} else {
			tr.Status = authenticationv1.TokenReviewStatus{Error: "invalid bearer token"}
		}
		return true, tr, nil
	})
	authn := TokenReviewAuthenticator(client)

	user, groups, err := authn(context.Background(), secret)
	require.NoError(t, err)
	require.Equal(t, "system:serviceaccount:wk:wk", user)
	require.Equal(t, []string{"system:serviceaccounts"}, groups)

	_, _, err = authn(context.Background(), "other")
	require.EqualError(t, err, "token review: invalid bearer token")
}
