package bot_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"github.com/stretchr/testify/require"

	"github.com/watchkeeper/watchkeeper/bot"
)

func TestAuditorFileAndTokenMasking(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.log")
	var logged strings.Builder
	a, err := bot.NewAuditor(zerolog.New(&logged), path)
	require.NoError(t, err)
	a.Record(bot.AuditRecord{RequestID: "E1", UserID: "U0ALICE01", ChannelID: "C0DEV1", Text: "get pods --token xoxb-1234-abcd",
		Decision: bot.DecisionInvalid, Outcome: bot.OutcomeRefused, Duration: 3 * time.Millisecond})
	require.NoError(t, a.Close())

	data, err := os.ReadFile(path)
	require.NoError(t, err)
	info, err := os.Stat(path)
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o600), info.Mode().Perm())
	for _, out := range []string{string(data), logged.String()} {
		require.Equal(t, 1, strings.Count(out, "\n"), "one line per decision")
		var m map[string]any
		require.NoError(t, json.Unmarshal([]byte(out), &m))
		require.Equal(t, "audit", m["component"])
		require.Equal(t, "invalid", m["decision"])
		require.Equal(t, "get pods --token xoxb-***", m["text"])
		require.NotContains(t, out, "1234-abcd")
	}
}
