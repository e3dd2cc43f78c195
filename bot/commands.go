package bot

import (
	"context"
	"fmt"
	"strings"
)

// CommandsConfig configures the built-in command handler.
type CommandsConfig struct {
	// ClusterName is shown in replies.
	ClusterName string
	// Version is the build version shown by `version`.
	Version string
}

// Commands is the command path behind every adapter. Until the policy engine
// and the executors are wired in, it answers the built-ins that need no
// authorization and politely refuses everything else: the default is deny.
type Commands struct {
	cfg CommandsConfig
}

// NewCommands returns the command handler.
func NewCommands(cfg CommandsConfig) *Commands { return &Commands{cfg: cfg} }

// Handle answers one request.
func (c *Commands) Handle(_ context.Context, env Envelope) Reply {
	fields := strings.Fields(env.Text)
	if env.Source == SourceMention && len(fields) > 0 && strings.HasPrefix(fields[0], "<@") && strings.HasSuffix(fields[0], ">") {
		fields = fields[1:] // the mention that addressed us
	}
	if len(fields) == 0 {
		return Reply{Text: c.help(), Ephemeral: true}
	}
	switch strings.ToLower(fields[0]) {
	case "help":
		return Reply{Text: c.help(), Ephemeral: true}
	case "version":
		return Reply{Text: fmt.Sprintf("Watchkeeper %s on cluster `%s`", c.cfg.Version, c.cfg.ClusterName), Ephemeral: true}
	case "whoami":
		return Reply{Text: fmt.Sprintf("You are `%s` (user ID `%s`) in channel `%s` on cluster `%s`.",
			env.UserName, env.UserID, env.ChannelID, c.cfg.ClusterName), Ephemeral: true}
	case "ping":
		return Reply{Text: "pong", Ephemeral: true}
	default:
		return Reply{Text: fmt.Sprintf("Sorry, I don't know `%s` or you are not allowed to run it. Try `help`.", firstWord(fields[0])), Ephemeral: true}
	}
}

func (c *Commands) help() string {
	return strings.Join([]string{
		"*Watchkeeper* on cluster `" + c.cfg.ClusterName + "`",
		"• `help`: this message",
		"• `whoami`: your Slack identity as Watchkeeper sees it",
		"• `version`: Watchkeeper's version",
	}, "\n")
}

// firstWord bounds what is echoed back so a reply never repeats a long or
// hostile input.
func firstWord(s string) string {
	const max = 32
	var b strings.Builder
	for _, r := range s {
		if b.Len() >= max {
			b.WriteString("…")
			break
		}
		if r < 0x20 || r > 0x7e || r == '`' {
			r = '?'
		}
		b.WriteRune(r)
	}
	return b.String()
}

var _ Handler = (*Commands)(nil)
