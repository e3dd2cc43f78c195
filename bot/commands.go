package bot

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/watchkeeper/watchkeeper/bot/parse"
	"github.com/watchkeeper/watchkeeper/executors"
)

// CommandsConfig configures the command handler.
type CommandsConfig struct {
	// ClusterName is shown in replies.
	ClusterName string
	// Version is the build version shown by `version`.
	Version string
}

// Commands is the command path behind every adapter: every request goes
// through the strict parser (bot/parse) first. Until the policy engine and
// the executors are wired in, it answers the built-ins that need no
// authorization and politely refuses everything else: the default is deny.
type Commands struct {
	cfg CommandsConfig
}

// NewCommands returns the command handler.
func NewCommands(cfg CommandsConfig) *Commands { return &Commands{cfg: cfg} }

// Handle answers one request.
func (c *Commands) Handle(_ context.Context, env Envelope) Reply {
	botID := ""
	if env.Source == SourceMention {
		botID = env.BotUserID
	}
	cmd, err := parse.Parse(env.Text, botID)
	if err != nil {
		var perr *parse.Error
		if errors.As(err, &perr) {
			if perr.Code == parse.CodeEmpty {
				return Reply{Text: c.help(), Ephemeral: true}
			}
			text := "Sorry, I can't run that. " + perr.Msg
			if perr.Hint != "" {
				text += "\n" + perr.Hint
			}
			return Reply{Text: text, Ephemeral: true}
		}
		return Reply{Text: "Sorry, I can't run that. Try `help`.", Ephemeral: true}
	}
	if cmd.Tool == executors.ToolBuiltin {
		switch cmd.Verb {
		case "help":
			return Reply{Text: c.help(), Ephemeral: true}
		case "version":
			return Reply{Text: fmt.Sprintf("Watchkeeper %s on cluster `%s`", c.cfg.Version, c.cfg.ClusterName), Ephemeral: true}
		case "whoami":
			return Reply{Text: fmt.Sprintf("You are `%s` (user ID `%s`) in channel `%s` on cluster `%s`.",
				env.UserName, env.UserID, env.ChannelID, c.cfg.ClusterName), Ephemeral: true}
		}
	}
	// Default deny: no policy grants anything yet.
	return Reply{Text: fmt.Sprintf("You are not allowed to run `%s` from this channel: no policy allows it. Ask an admin, or run `whoami`.",
		strings.Join(cmd.Tokens(), " ")), Ephemeral: true}
}

func (c *Commands) help() string {
	return strings.Join([]string{
		"*Watchkeeper* on cluster `" + c.cfg.ClusterName + "`",
		"• `help`: this message",
		"• `whoami`: your Slack identity as Watchkeeper sees it",
		"• `version`: Watchkeeper's version",
	}, "\n")
}

var _ Handler = (*Commands)(nil)
