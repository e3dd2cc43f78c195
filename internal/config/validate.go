package config

import (
	"net"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"github.com/rs/zerolog"
)

var (
	// Slack conversation IDs: public (C), private/legacy group (G), DM (D).
	channelIDPattern = regexp.MustCompile(`^[CGD][A-Z0-9]{6,}$`)
	// Printable ASCII keeps the cluster name safe in Slack mrkdwn and logs.
	clusterNamePattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$`)
)

// Validate checks a defaulted config and returns every problem found, each
// naming its key.
func (c *Config) Validate() Problems {
	var ps Problems

	if !clusterNamePattern.MatchString(c.ClusterName) {
		ps.add("clusterName", "%q must be 1-63 characters of letters, digits, '.', '_' or '-'", c.ClusterName)
	}

	s := c.Slack
	if s.Enabled() || s.AlertChannel != "" {
		checkToken(&ps, "slack.botToken", s.BotToken, "xoxb-", "the bot user OAuth token")
		checkToken(&ps, "slack.appToken", s.AppToken, "xapp-", "an app-level token with connections:write, needed for Socket Mode")
		switch {
		case s.AlertChannel == "":
			ps.add("slack.alertChannel", "is required when Slack is configured: the ID of the default alert channel (e.g. C0123456789)")
		case strings.HasPrefix(s.AlertChannel, "#") || !channelIDPattern.MatchString(s.AlertChannel):
			ps.add("slack.alertChannel", "%q is not a channel ID: use the ID from the channel's details (e.g. C0123456789), not its name", s.AlertChannel)
		}
	}
	if u, err := url.Parse(s.APIURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		ps.add("slack.apiURL", "%q must be an absolute http(s) URL such as %s", s.APIURL, DefaultSlackAPIURL)
	} else if !strings.HasSuffix(s.APIURL, "/") {
		// slack-go joins method names onto this base; a missing slash would
		// silently call the wrong path.
		c.Slack.APIURL += "/"
	}

	if host, port, err := net.SplitHostPort(c.Server.Listen); err != nil {
		ps.add("server.listen", "%q must be host:port or :port", c.Server.Listen)
	} else if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		ps.add("server.listen", "%q has an invalid port", c.Server.Listen)
	} else if host != "" && net.ParseIP(host) == nil && strings.ContainsAny(host, " /") {
		ps.add("server.listen", "%q has an invalid host", c.Server.Listen)
	}

	switch c.Log.Format {
	case "json", "console":
	default:
		ps.add("log.format", "%q must be json or console", c.Log.Format)
	}
	if _, err := zerolog.ParseLevel(c.Log.Level); err != nil || c.Log.Level == "" {
		ps.add("log.level", "%q must be one of trace, debug, info, warn, error, fatal, panic, disabled", c.Log.Level)
	}
	c.validateAlerts(&ps)
	c.validateCommands(&ps)
	c.validateLeader(&ps)
	return ps
}

func checkToken(ps *Problems, key string, tok Secret, prefix, what string) {
	v := tok.Reveal()
	switch {
	case v == "":
		ps.add(key, "is required when Slack is configured: %s (%s...)", what, prefix)
	case !strings.HasPrefix(v, prefix):
		// Never echo the value: it may be a real token of another kind.
		ps.add(key, "must start with %q (%s); the configured value does not", prefix, what)
	case strings.ContainsAny(v, " \t\r\n"):
		ps.add(key, "must not contain whitespace")
	}
}
