package detectors

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
)

func TestTerminationCause(t *testing.T) {
	tests := []struct {
		reason string
		exit   int32
		signal int32
		msg    string
		want   string
	}{
		{"OOMKilled", 137, 0, "", "OOMKilled (exit code 137)"},
		{"Error", 1, 0, "", "Error (exit code 1)"},
		{"Error", 137, 0, "", "Error (exit code 137)"},
		{"Error", 143, 0, "", "Error (exit code 143)"},
		{"Error", 134, 0, "", "killed by signal SIGABRT (exit code 134)"},
		{"Error", 255, 0, "", "Error (exit code 255)"},
		{"Error", 137, 9, "", "killed by signal SIGKILL (exit code 137)"},
		{"", 3, 0, "", "exit code 3"},
		{"Unknown", 255, 0, "", "Unknown (exit code 255)"},
		{"ContainerCannotRun", 127, 0, "", "ContainerCannotRun (exit code 127)"},
		{"StartError", 128, 0, "rpc error: code = Unknown desc = failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: chdir to cwd (\"/nope\") set in config.json failed: no such file or directory: unknown",
			`StartError: chdir to cwd ("/nope") set in config.json failed: no such file or directory`},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			got := terminationCause(&corev1.ContainerStateTerminated{Reason: tt.reason, ExitCode: tt.exit, Signal: tt.signal, Message: tt.msg})
			require.Equal(t, tt.want, got)
		})
	}
}

func TestPullCause(t *testing.T) {
	tests := []struct {
		name, reason, msg, image, want string
	}{
		{"manifest unknown", "ErrImagePull", `failed to resolve reference "quay.io/a/b:1": quay.io/a/b:1: manifest unknown`, "quay.io/a/b:1", pullNotFound},
		{"404", "ErrImagePull", `unexpected status code 404 Not Found`, "x", pullNotFound},
		{"repository does not exist alone", "ErrImagePull", `repository does not exist`, "x", pullNotFound},
		{"authentication required", "ImagePullBackOff", `Back-off pulling image "r.io/a:1": ErrImagePull: authentication required`, "r.io/a:1", pullUnauthorized},
		{"403", "ErrImagePull", `failed to fetch oauth token: unexpected status: 403 Forbidden`, "x", pullUnauthorized},
		{"no basic auth credentials (ECR)", "ErrImagePull", `no basic auth credentials`, "x", pullUnauthorized},
		{"digest digits are not a status", "ErrImagePull", `failed to copy: httpReadSeeker: failed open: unexpected status code https://r/v2/a/blobs/sha256:4040aa: 403 Forbidden`, "r/a:1", pullUnauthorized},
		{"i/o timeout", "ErrImagePull", `dial tcp 10.0.0.9:443: i/o timeout`, "x", pullNetwork},
		{"connection refused", "ErrImagePull", `dial tcp 127.0.0.1:5000: connect: connection refused`, "x", pullNetwork},
		{"TLS", "ErrImagePull", `tls: failed to verify certificate: x509: certificate signed by unknown authority`, "x", pullNetwork},
		{"TLS handshake timeout", "ErrImagePull", `net/http: TLS handshake timeout`, "x", pullNetwork},
		{"signature", "SignatureValidationFailed", `image pull failed for a:1 because the signature validation failed: no signature`, "a:1", pullSignature},
		{"back-off without a previous error", "ImagePullBackOff", `Back-off pulling image "a:1"`, "a:1", pullOther},
		{"short image name inside error words", "ErrImagePull", `authentication required`, "auth", pullUnauthorized},
		{"image ref with error words removed unquoted", "ErrImagePull", `docker.io/library/notfound:latest: timeout`, "notfound", pullNetwork},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, pullCause(tt.reason, tt.msg, tt.image))
		})
	}
}

func TestImageRefs(t *testing.T) {
	require.Equal(t, []string{"docker.io/library/nginx:latest", "docker.io/library/nginx", "nginx:latest", "nginx"}, imageRefs("nginx"))
	require.Equal(t, []string{"docker.io/acme/app:1", "acme/app:1"}, imageRefs("acme/app:1"))
	require.Equal(t, []string{"localhost:5000/app:latest", "localhost:5000/app"}, imageRefs("localhost:5000/app"))
	require.Equal(t, []string{"ghcr.io/a/b@sha256:00"}, imageRefs("ghcr.io/a/b@sha256:00"))
	require.Nil(t, imageRefs(""))
}

func TestRemoveRef(t *testing.T) {
	require.Equal(t, ": not found", removeRef("docker.io/acme/auth:1: not found", "docker.io/acme/auth:1"))
	require.Equal(t, "authentication required", removeRef("authentication required", "auth"))
	require.Equal(t, " is  here", removeRef("auth is auth here", "auth"))
}

func TestCleanMessage(t *testing.T) {
	tests := []struct{ in, want string }{
		{`secret "db" not found`, `secret "db" not found`},
		{"  Error: rpc error: code = Unknown desc = failed\n\tto reserve container name  \"app\"  ", `failed to reserve container name "app"`},
		{"", ""},
	}
	for _, tt := range tests {
		require.Equal(t, tt.want, cleanMessage(tt.in))
	}
}

func TestTruncate(t *testing.T) {
	long := strings.Repeat("é", 300) // two bytes each
	got := truncate(long)
	require.LessOrEqual(t, len(got), maxCause)
	require.True(t, utf8.ValidString(got))
	require.True(t, strings.HasSuffix(got, "…"))
	require.Equal(t, "short", truncate("short"))
}
