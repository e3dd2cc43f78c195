package bot_test

import (
	"context"
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
		{"delete pods --all", []string{"I don't know `delete`"}, true},
		{"`rm` -rf", []string{"I don't know `?rm?`"}, true},
		{"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", []string{"`aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa…`"}, true},
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
