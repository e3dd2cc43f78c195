package bot

import (
	"context"
	"fmt"
	"net/http"

	"github.com/slack-go/slack"
)

// SlackGroups resolves Slack user groups (S…) to their members with
// usergroups.users.list (scope usergroups:read), for the policy's g rows.
// The policy caches the answers.
type SlackGroups struct{ api *slack.Client }

// NewSlackGroups returns a resolver using the bot token.
func NewSlackGroups(botToken, apiURL string, hc *http.Client) *SlackGroups {
	if hc == nil {
		hc = http.DefaultClient
	}
	return &SlackGroups{api: slack.New(botToken, slack.OptionAPIURL(apiURL), slack.OptionHTTPClient(hc))}
}

// Members returns the user IDs in groupID.
func (g *SlackGroups) Members(ctx context.Context, groupID string) ([]string, error) {
	m, err := g.api.GetUserGroupMembersContext(ctx, groupID)
	if err != nil {
		return nil, fmt.Errorf("usergroups.users.list %s: %w", groupID, err)
	}
	return m, nil
}
