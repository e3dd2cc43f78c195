package notifier_test

import (
	"strings"
	"testing"

	"github.com/slack-go/slack"
	"github.com/stretchr/testify/require"

	"github.com/watchkeeper/watchkeeper/bot/parse"
	"github.com/watchkeeper/watchkeeper/notifier"
)

// TestAlertButtonsAreValidCommands: every alert button carries a command
// the chat parser accepts, with the policy action the label promises, and
// only the restart is mutating (and asks for confirmation).
func TestAlertButtonsAreValidCommands(t *testing.T) {
	v := notifier.View{
		State: notifier.StateFiring,
		Alert: notifier.Alert{
			Object:    notifier.ObjectRef{Kind: notifier.KindPod, Namespace: "shop", Name: "checkout-7d9f8b6c5d-x2x9k"},
			Owner:     notifier.Owner{Kind: "Deployment", Name: "checkout"},
			Container: "checkout", Reason: "CrashLoopBackOff",
		},
	}
	want := map[string]string{"logs": "logs", "describe": "describe", "events": "events", "restart": "rollout-restart", "silence": "silence"}
	buttons := actionButtons(t, notifier.RenderSlack(v))
	require.Len(t, buttons, len(want))
	for _, b := range buttons {
		suffix := strings.TrimPrefix(b.ActionID, notifier.ActionRunPrefix+"_")
		cmd, err := parse.Parse(b.Value, "")
		require.NoError(t, err, b.Value)
		require.Equal(t, want[suffix], cmd.Action, b.Value)
		require.Equal(t, suffix == "restart", cmd.Mutating, b.Value)
		require.Equal(t, suffix == "restart", b.Confirm != nil, "only mutating buttons confirm")
	}

	// Resolved incidents and names that could not be typed get no buttons.
	v.State = notifier.StateResolved
	require.Empty(t, actionButtons(t, notifier.RenderSlack(v)))
	v.State, v.Alert.Object.Name = notifier.StateFiring, "Bad_Name"
	require.Empty(t, actionButtons(t, notifier.RenderSlack(v)))
}

func actionButtons(t *testing.T, m notifier.Message) []*slack.ButtonBlockElement {
	t.Helper()
	var out []*slack.ButtonBlockElement
	for _, b := range m.Blocks {
		if ab, ok := b.(*slack.ActionBlock); ok {
			for _, e := range ab.Elements.ElementSet {
				out = append(out, e.(*slack.ButtonBlockElement))
			}
		}
	}
	return out
}
