package parse_test

import (
	"errors"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/watchkeeper/watchkeeper/bot/parse"
	"github.com/watchkeeper/watchkeeper/executors"
)

// botID is our own Slack user ID in every test.
const botID = "UBOT42"

type acceptCase struct {
	name string
	in   string
	want executors.Command
}

type rejectCase struct {
	name string
	in   string
	code parse.Code
	// msg, when set, must appear in Error.Msg.
	msg string
}

func runAccept(t *testing.T, cases []acceptCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parse.Parse(tc.in, botID)
			require.NoError(t, err)
			require.Equal(t, tc.want, got)
			requireRoundTrip(t, got)
		})
	}
}

func runReject(t *testing.T, cases []rejectCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parse.Parse(tc.in, botID)
			require.Error(t, err, "accepted as %q", got.String())
			require.Equal(t, executors.Command{}, got)
			var perr *parse.Error
			require.True(t, errors.As(err, &perr))
			require.Equal(t, tc.code, perr.Code, "msg: %s", perr.Msg)
			if tc.msg != "" {
				require.Contains(t, perr.Msg, tc.msg)
			}
			requireSafeError(t, perr)
		})
	}
}

// requireRoundTrip checks the canonical rendering parses back to the same
// command, with and without the mention that addresses us.
func requireRoundTrip(t testing.TB, c executors.Command) {
	t.Helper()
	text := c.String()
	again, err := parse.Parse(text, "")
	require.NoError(t, err, "re-parse of %q", text)
	require.Equal(t, c, again, "re-parse of %q", text)
	// The mention counts towards the size gate (step 1 runs before step 2).
	if withMention := "<@" + botID + "> " + text; len(withMention) <= parse.MaxBytes && len(c.Tokens()) < parse.MaxTokens {
		again, err = parse.Parse(withMention, botID)
		require.NoError(t, err, "re-parse of %q", withMention)
		require.Equal(t, c, again)
	}
}

var codeSpan = regexp.MustCompile("`([^`]*)`")

// requireSafeError checks what a refusal may say: printable ASCII only, and
// no quoted span longer than the echo limit.
func requireSafeError(t testing.TB, e *parse.Error) {
	t.Helper()
	require.NotEmpty(t, e.Code)
	require.NotEmpty(t, e.Msg)
	for _, s := range []string{e.Msg, e.Hint} {
		for _, r := range s {
			require.True(t, r >= 0x20 && r <= 0x7e, "non-printable-ASCII %U in %q", r, s)
		}
	}
	require.LessOrEqual(t, len(e.Msg), 200, e.Msg)
	for _, m := range codeSpan.FindAllStringSubmatch(e.Msg, -1) {
		// Our own words may precede the echoed input inside one span.
		quoted := m[1]
		for _, prefix := range []string{"helm get ", "helm ", "rollout ", "top "} {
			if strings.HasPrefix(quoted, prefix) {
				quoted = quoted[len(prefix):]
				break
			}
		}
		require.LessOrEqual(t, len(quoted), 32, "quoted span too long in %q", e.Msg)
	}
}

func ptr32(v int32) *int32 { return &v }

func TestErrorText(t *testing.T) {
	_, err := parse.Parse("kubectl get pods --server=https://evil.example.com", botID)
	var perr *parse.Error
	require.True(t, errors.As(err, &perr))
	require.Equal(t, "Unknown flag `--server`.", perr.Msg)
	require.True(t, strings.HasPrefix(perr.Hint, "Connection, identity"), perr.Hint)
	require.Contains(t, perr.Hint, "Allowed for `get`: -n NAMESPACE, -A, -l SELECTOR, -o wide|name|yaml|json.")
	require.NotContains(t, perr.Error(), "evil")
	require.Equal(t, "parse flag: Unknown flag `--server`.", err.Error())

	// A long hostile verb is echoed at most 32 characters, non-ASCII never.
	_, err = parse.Parse(strings.Repeat("x", 100)+" pods", botID)
	require.True(t, errors.As(err, &perr))
	require.Equal(t, "`"+strings.Repeat("x", 29)+"...` is not available from chat.", perr.Msg)

	_, err = parse.Parse("get pods -n &lt;!channel&gt;", botID)
	require.True(t, errors.As(err, &perr))
	require.Equal(t, parse.CodeFlagValue, perr.Code)
	require.Equal(t, "`?!channel?` is not a valid namespace.", perr.Msg)
}
