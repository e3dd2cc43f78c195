package redact_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/watchkeeper/watchkeeper/internal/redact"
)

func TestLine(t *testing.T) {
	tests := []struct{ name, in, want string }{
		// Slack.
		{"slack bot token", "using token xoxb-1234567890-0987654321-AbCdEfGhIjKlMnOp", "using token xoxb-[REDACTED]"},
		{"slack user token", "xoxp-1-2-3-abcdef in header", "xoxp-[REDACTED] in header"},
		{"slack app token", "socket mode with xapp-1-A0123-456-deadbeef", "socket mode with xapp-[REDACTED]"},
		{"slack refresh token", "rotated xoxe.xoxp-1-Mi0yLTEyMw", "rotated xoxe.xoxp-[REDACTED]"},

		// Authorization.
		{"bearer header", "GET /api Authorization: Bearer abcdef0123456789", "GET /api Authorization: Bearer [REDACTED]"},
		{"basic header", "authorization: Basic dXNlcjpodW50ZXIy", "authorization: Basic [REDACTED]"},
		{"header without scheme", "Authorization: 0123456789abcdef", "Authorization: [REDACTED]"},
		{"header in JSON", `{"Authorization":"Bearer abc.def.ghi"}`, `{"Authorization":"Bearer [REDACTED]"}`},
		{"Go header dump", "headers=map[Authorization:[Bearer s3cr3tvalue] Accept:[*/*]]", "headers=map[Authorization:[Bearer [REDACTED]] Accept:[*/*]]"},
		{"proxy authorization", "Proxy-Authorization: Basic Zm9vOmJhcg==", "Proxy-Authorization: Basic [REDACTED]"},
		{"bare bearer", "retrying with bearer 9f8e7d6c5b4a3f2e1d", "retrying with bearer [REDACTED]"},
		{"bearer in prose", "bearer token expired", "bearer token expired"},

		// key=value and friends.
		{"password=", "connecting with password=hunter2 user=app", "connecting with password=[REDACTED] user=app"},
		{"PASSWORD env", "DB_PASSWORD=hunter2", "DB_PASSWORD=[REDACTED]"},
		{"passwd", "passwd=abc pwd=def", "passwd=[REDACTED] pwd=[REDACTED]"},
		{"secret", "client_secret=s3cr3t&grant_type=client_credentials", "client_secret=[REDACTED]&grant_type=client_credentials"},
		{"token in query", "GET /cb?code=1&access_token=abc123&state=x", "GET /cb?code=1&access_token=[REDACTED]&state=x"},
		{"api_key", "api_key=AIzaSyA-1234", "api_key=[REDACTED]"},
		{"apikey", "apikey=1234", "apikey=[REDACTED]"},
		{"api-key header", "X-Api-Key: 0123abcd", "X-Api-Key: [REDACTED]"},
		{"access_key", "aws access_key=wJalrXUtnFEMI", "aws access_key=[REDACTED]"},
		{"key: value", "Password: hunter2", "Password: [REDACTED]"},
		{"spaces around =", "token = abc123", "token = [REDACTED]"},
		{"single quoted", "password='hunter 2'", "password='[REDACTED]'"},
		{"double quoted", `password="hunter 2" ok`, `password="[REDACTED]" ok`},
		{"JSON", `{"user":"app","password":"hunter2","retries":3}`, `{"user":"app","password":"[REDACTED]","retries":3}`},
		{"JSON with spaces", `{"password": "hunter2"}`, `{"password": "[REDACTED]"}`},
		{"JSON with escaped quote in value", `{"password":"hun\"ter2"}`, `{"password":"[REDACTED]"}`},
		{"JSON escaped inside JSON", `{"msg":"body={\"password\":\"hunter2\"}"}`, `{"msg":"body={\"password\":\"[REDACTED]\"}"}`},
		{"JSON non-string", `{"token": 12345}`, `{"token": [REDACTED]}`},
		{"empty JSON value stays", `{"password":""}`, `{"password":""}`},
		{"case-insensitive", "PassWord=x Secret=y TOKEN=z", "PassWord=[REDACTED] Secret=[REDACTED] TOKEN=[REDACTED]"},
		{"already redacted", "password=[REDACTED] Authorization: [REDACTED]", "password=[REDACTED] Authorization: [REDACTED]"},

		// Other shapes.
		{"AWS access key ID", "using AKIAIOSFODNN7EXAMPLE for s3", "using [REDACTED] for s3"},
		{"AWS session key ID", "ASIAY34FZKBOKMUTVV7A", "[REDACTED]"},
		{"JWT", "id token eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxMjMifQ.c2lnbmF0dXJl rejected", "id token [REDACTED] rejected"},
		{"basic auth URL", "dial postgres://app:hunter2@db.shop:5432/orders", "dial postgres://app:[REDACTED]@db.shop:5432/orders"},
		{"basic auth URL without user", "redis://:s3cr3t@cache:6379/0", "redis://:[REDACTED]@cache:6379/0"},
		{"private key on one line", `key="-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA\n-----END RSA PRIVATE KEY-----"`, `key="-----BEGIN RSA PRIVATE KEY-----[REDACTED]-----END RSA PRIVATE KEY-----"`},
		{"closed key then an open one", "a -----BEGIN PRIVATE KEY-----x-----END PRIVATE KEY----- b -----BEGIN PRIVATE KEY-----MIIE", "a -----BEGIN PRIVATE KEY-----[REDACTED]-----END PRIVATE KEY----- b -----BEGIN PRIVATE KEY-----[REDACTED]"},
		{"private key begins", "loaded -----BEGIN PRIVATE KEY-----MIIEvQIBADANBg", "loaded -----BEGIN PRIVATE KEY-----[REDACTED]"},
		{"lone base64 run", "MIIEpAIBAAKCAQEA3Tz2mr7SZiAMfQyuvBjM9Oi6Z1pGgYf8Wv0YdC+1a", "[REDACTED]"},

		// Must survive: Kubernetes messages the enricher shows.
		{"missing secret", `secret "db" not found`, `secret "db" not found`},
		{"missing secret key", "couldn't find key password in Secret shop/db", "couldn't find key password in Secret shop/db"},
		{"secret volume", `MountVolume.SetUp failed for volume "db-secret" : secret "db-secret" not found`, `MountVolume.SetUp failed for volume "db-secret" : secret "db-secret" not found`},
		{"registry auth failure", "pull access denied, repository does not exist or may require authorization: server message: insufficient_scope: authorization failed", "pull access denied, repository does not exist or may require authorization: server message: insufficient_scope: authorization failed"},
		{"URL with port", "GET http://api.shop:8080/health@v2 200", "GET http://api.shop:8080/health@v2 200"},
		{"prose", "token refreshed for user app", "token refreshed for user app"},
		{"plain", "INFO listening on :8080", "INFO listening on :8080"},
		{"empty", "", ""},
	}
	r, err := redact.New(nil)
	require.NoError(t, err)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := r.Line(tt.in)
			require.Equal(t, tt.want, got)
			require.Equal(t, got, r.Line(got), "redaction must be idempotent")
		})
	}
}

func TestLinesPrivateKeyBlock(t *testing.T) {
	in := []string{
		"writing key",
		"-----BEGIN EC PRIVATE KEY-----",
		"MHcCAQEEIIrYSSNQFaA2Hwf1duRSxKtLYX5CB04fSeQ6tF1aY/PuoAoGCCqGSM49",
		"AwEHoUQDQgAEPR3tU2Fta9ktY+6P9G0cWO+0kETA6SQdpDXTuCuYvD8Ug4CRDcSa",
		"-----END EC PRIVATE KEY----- written",
		"password=x",
	}
	orig := append([]string(nil), in...)

	got := redact.Default().Lines(in)

	require.Equal(t, []string{
		"writing key",
		"-----BEGIN EC PRIVATE KEY-----[REDACTED]",
		"[REDACTED]",
		"[REDACTED]",
		"[REDACTED]-----END EC PRIVATE KEY----- written",
		"password=[REDACTED]",
	}, got)
	require.Equal(t, orig, in, "Lines must not change its input")
	require.Nil(t, redact.Default().Lines(nil))
}

func TestExtraPatterns(t *testing.T) {
	r, err := redact.New([]string{
		`(?i)card=(\d{12,19})`,  // group: only the number
		`\bshop-internal-\w+\b`, // no group: whole match
	})
	require.NoError(t, err)

	require.Equal(t, "card=[REDACTED] ok", r.Line("card=4111111111111111 ok"))
	require.Equal(t, "host [REDACTED] down", r.Line("host shop-internal-db7 down"))
	require.Equal(t, "password=[REDACTED]", r.Line("password=x"), "defaults still apply")
}

func TestNewErrorsNameThePattern(t *testing.T) {
	tests := []struct {
		patterns []string
		want     string
	}{
		{[]string{`ok`, `(`, `ok`}, "redact.patterns[1]: error parsing regexp"},
		{[]string{`a`, `b`, `x*`}, `redact.patterns[2]: "x*" matches the empty string`},
	}
	for _, tt := range tests {
		r, err := redact.New(tt.patterns)
		require.Nil(t, r)
		require.ErrorContains(t, err, tt.want)
	}
}

func BenchmarkLine(b *testing.B) {
	r := redact.Default()
	lines := map[string]string{
		"plain":  `2026-03-01T12:00:00Z INFO http: GET /api/orders?limit=50 200 12ms user_agent="kube-probe/1.37"`,
		"secret": `2026-03-01T12:00:00Z ERROR db: connect postgres://app:hunter2@db:5432/orders failed password=hunter2 Authorization: Bearer abcdef0123456789`,
	}
	for name, line := range lines {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(line)))
			for b.Loop() {
				if strings.Contains(r.Line(line), "hunter2") {
					b.Fatal("leaked")
				}
			}
		})
	}
}
