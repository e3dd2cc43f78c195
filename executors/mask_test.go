package executors

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestGetEnvMasker(t *testing.T) {
	m := (&Runner{opts: Options{SecretEnvNames: DefaultSecretEnvNames()}}).envMasker()
	for name, want := range map[string]bool{
		"DB_PASSWORD": true, "db_password": true, "API_TOKEN": true, "tokenfile": true,
		"AWS_SECRET_ACCESS_KEY": true, "SSH_KEY": true, "GCP_CREDENTIALS": true, "MYSQL_PASSWD": true,
		"LOG_LEVEL": false, "PORT": false, "": false, "PASS": false,
	} {
		require.Equal(t, want, m.secret(name), name)
	}
	q := (&Runner{opts: Options{SecretEnvNames: []string{"A?C", "x.y*"}}}).envMasker()
	require.True(t, q.secret("abc"))
	require.False(t, q.secret("abbc"))
	require.True(t, q.secret("X.Yz"))
	require.False(t, q.secret("xayz"), "a dot is literal, not a regexp")
	require.False(t, (&Runner{}).envMasker().secret("DB_PASSWORD"), "no patterns, nothing masked")
}

func TestGetEnvMaskerObject(t *testing.T) {
	m := (&Runner{opts: Options{SecretEnvNames: DefaultSecretEnvNames()}}).envMasker()
	in := `{"kind":"List","items":[{"spec":{"template":{"spec":{
		"initContainers":[{"env":[{"name":"INIT_TOKEN","value":"s1"}]}],
		"containers":[{"env":[{"name":"DB_PASSWORD","value":"s2"},{"name":"LEVEL","value":"debug"},
			{"name":"FROM_REF_KEY","valueFrom":{"secretKeyRef":{"name":"x","key":"k"}}}]}],
		"ephemeralContainers":[{"env":[{"name":"SECRET","value":"s3"}]}]}}}},
		{"data":{"env":[{"name":"PASSWORD","value":"not-a-container"}]}, "n": 12345678901234567890}]}`
	out, err := m.maskJSON([]byte(in))
	require.NoError(t, err)
	s := string(out)
	for _, secret := range []string{"s1", "s2", "s3"} {
		require.NotContains(t, s, `"`+secret+`"`)
	}
	require.Equal(t, 3, strings.Count(s, `"***"`))
	require.Contains(t, s, `"debug"`)
	require.Contains(t, s, `"valueFrom":{"secretKeyRef"`, "references are not values")
	require.Contains(t, s, "not-a-container", "only container env lists")
	require.Contains(t, s, "12345678901234567890", "numbers keep their precision")

	same := []byte(`{"kind":"Pod"}`)
	out, err = m.maskJSON(same)
	require.NoError(t, err)
	require.Equal(t, same, out)
}

type fakeRT struct {
	ct, body string
}

func (f fakeRT) RoundTrip(*http.Request) (*http.Response, error) {
	h := http.Header{}
	if f.ct != "" {
		h.Set("Content-Type", f.ct)
	}
	return &http.Response{StatusCode: 200, Header: h, Body: io.NopCloser(strings.NewReader(f.body))}, nil
}

func TestDescribeMaskTransport(t *testing.T) {
	m := (&Runner{opts: Options{SecretEnvNames: DefaultSecretEnvNames()}}).envMasker()
	body := `{"spec":{"containers":[{"env":[{"name":"DB_PASSWORD","value":"hunter2"}]}]}}`
	req, err := http.NewRequest(http.MethodGet, "https://example/api/v1/pods", nil)
	require.NoError(t, err)

	resp, err := (&maskTransport{next: fakeRT{ct: "application/json", body: body}, mask: m}).RoundTrip(req)
	require.NoError(t, err)
	data, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.NotContains(t, string(data), "hunter2")
	require.EqualValues(t, len(data), resp.ContentLength)

	resp, err = (&maskTransport{next: fakeRT{ct: "application/json;as=Table;v=v1;g=meta.k8s.io", body: body}, mask: m}).RoundTrip(req)
	require.NoError(t, err)
	data, err = io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.NotContains(t, string(data), "hunter2")

	// What it cannot read, it does not pass on.
	for _, ct := range []string{"application/vnd.kubernetes.protobuf", "application/cbor", "text/plain"} {
		_, err = (&maskTransport{next: fakeRT{ct: ct, body: "hunter2"}, mask: m}).RoundTrip(req)
		require.Error(t, err, ct)
	}
}
