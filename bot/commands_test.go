package bot_test

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/watchkeeper/watchkeeper/bot"
)

func TestCommandsBuiltins(t *testing.T) {
	c := bot.NewCommands(bot.CommandsConfig{ClusterName: "prod", Version: "v1.2.3"})
	env := bot.Envelope{UserID: "U123", UserName: "alice", ChannelID: "C999"}
	tests := []struct {
		text      string
		want      []string
		ephemeral bool
	}{
		{"", []string{"*Watchkeeper* on cluster `prod`", "`whoami`"}, true},
		{"help", []string{"`help`"}, true},
		{"  HELP  ", []string{"`help`"}, true},
		{"version", []string{"v1.2.3", "`prod`"}, true},
		{"whoami", []string{"`U123`", "`alice`", "`C999`"}, true},
		{"delete pods --all", []string{"Sorry, I can't run that.", "Unknown flag `--all`"}, true},
		{"`rm` -rf", []string{"Sorry, I can't run that."}, true},
		{strings.Repeat("a", 60), []string{"`aaaaaaaaaaaaaaaaaaaaaaaaaaaaa...` is not available"}, true},
		// Parsed but not authorized: default deny, the command re-rendered canonically.
		{"k get po -n shop", []string{"not allowed to run `kubectl get po -n shop`", "no policy allows it"}, true},
		// Refused by the parser, with its reason.
		{"get pods --server https://evil.example", []string{"Sorry, I can't run that.", "--server"}, true},
		{"exec -it api -- sh", []string{"Sorry, I can't run that.", "exec"}, true},
		{"<@U0OTHER> get pods", []string{"Sorry, I can't run that."}, true},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			env.Text = tt.text
			r := c.Handle(context.Background(), env)
			for _, w := range tt.want {
				require.Contains(t, r.Text, w)
			}
			require.Equal(t, tt.ephemeral, r.Ephemeral)
		})
	}
}

func TestCommandsMentionStripsOnlyOurID(t *testing.T) {
	c := bot.NewCommands(bot.CommandsConfig{ClusterName: "prod", Version: "v1"})
	env := bot.Envelope{Source: bot.SourceMention, BotUserID: "U0BOT", UserID: "U123", ChannelID: "C999"}
	env.Text = "<@U0BOT> whoami"
	require.Contains(t, c.Handle(context.Background(), env).Text, "`U123`")
	env.Text = "<@U0SOMEONE> whoami"
	require.Contains(t, c.Handle(context.Background(), env).Text, "Sorry, I can't run that.")
	// In a slash command the same text is not a mention of us.
	env.Source, env.Text = bot.SourceSlash, "<@U0BOT> whoami"
	require.Contains(t, c.Handle(context.Background(), env).Text, "Sorry, I can't run that.")
}
