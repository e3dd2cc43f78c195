package executors

import (
	"context"
	"errors"
	"fmt"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

// UserError is an error whose text is meant for the person who ran the
// command: a refusal by the cluster, an object that does not exist, a
// misuse. The bot shows it as is.
type UserError struct{ Msg string }

func (e *UserError) Error() string { return e.Msg }

// Userf returns a *UserError.
func Userf(format string, args ...any) error { return &UserError{Msg: fmt.Sprintf(format, args...)} }

// Friendly turns errors a person can act on into *UserError: API status
// errors (forbidden, not found, conflict, invalid...) keep the API server's
// own message, as kubectl prints it; a deadline becomes a timeout message.
// Other errors are returned unchanged.
func Friendly(err error) error {
	if err == nil {
		return nil
	}
	var ue *UserError
	if errors.As(err, &ue) {
		return err
	}
	if errors.Is(err, context.DeadlineExceeded) || apierrors.IsTimeout(err) || apierrors.IsServerTimeout(err) {
		return &UserError{Msg: "The command timed out before the cluster answered."}
	}
	var se apierrors.APIStatus
	if errors.As(err, &se) {
		st := se.Status()
		msg := st.Message
		if msg == "" {
			msg = strings.ToLower(string(st.Reason))
		}
		if apierrors.IsForbidden(err) {
			return &UserError{Msg: "The cluster refused: " + msg}
		}
		return &UserError{Msg: "Error from server: " + msg}
	}
	return err
}

// hardDeny is the executors' own copy of the policy's hard deny (defence in
// depth): Secrets are only ever listed by name, never printed. The bot has
// already refused these; reaching here is a bug, not a policy question.
func hardDeny(cmd Command) error {
	if cmd.Tool != ToolKubectl {
		return nil
	}
	if isSecretType(cmd.Resource) {
		switch {
		case cmd.Verb == "get" && (cmd.Output == "" || cmd.Output == "wide" || cmd.Output == "name"):
			return nil
		default:
			return Userf("Secrets are never shown from chat.")
		}
	}
	return nil
}

// isSecretType reports whether a typed resource names Secrets in any
// spelling the RESTMapper would accept.
func isSecretType(typed string) bool {
	t := strings.ToLower(typed)
	t, _, _ = strings.Cut(t, ".")
	return t == "secret" || t == "secrets"
}
