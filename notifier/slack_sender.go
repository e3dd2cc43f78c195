package notifier

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"
	"github.com/slack-go/slack"
)

// SlackSenderConfig configures a SlackSender. Zero values take the
// documented defaults.
type SlackSenderConfig struct {
	// BotToken is the bot's xoxb- token. Required.
	BotToken string
	// APIURL is the Web API base URL. Default slack-go's,
	// "https://slack.com/api/". A missing trailing slash is added.
	APIURL string
	// PerChannelRate is the messages per second each channel may take.
	// Default 1, Slack's documented limit.
	PerChannelRate float64
	// Burst is how many messages a quiet channel takes at once. Default 1.
	Burst int
	// HTTPClient makes the calls. Default a client with a 30s timeout.
	HTTPClient *http.Client
}

func (c SlackSenderConfig) withDefaults() (SlackSenderConfig, error) {
	switch {
	case c.BotToken == "":
		return c, errors.New("slack sender: bot token is required")
	case c.PerChannelRate < 0:
		return c, fmt.Errorf("slack sender: per-channel rate %v: must not be negative", c.PerChannelRate)
	case c.Burst < 0:
		return c, fmt.Errorf("slack sender: burst %d: must not be negative", c.Burst)
	}
	if c.PerChannelRate == 0 {
		// Just under Slack's one message per second per channel: sending
		// at the limit collects a 429 for every message under load.
		c.PerChannelRate = 0.9
	}
	if c.Burst == 0 {
		c.Burst = 1
	}
	if c.APIURL != "" {
		u, err := url.Parse(c.APIURL)
		if err != nil || u.Scheme == "" || u.Host == "" {
			return c, fmt.Errorf("slack sender: api url %q: must be an absolute URL", c.APIURL)
		}
		if !strings.HasSuffix(c.APIURL, "/") {
			c.APIURL += "/"
		}
	}
	if c.HTTPClient == nil {
		c.HTTPClient = &http.Client{Timeout: 30 * time.Second}
	}
	return c, nil
}

// SlackSender sends alert messages through the Slack Web API. It makes one
// attempt per call, waiting first for the channel's throttle, and classifies
// failures into retryable and permanent for the pipeline's deliver loop.
type SlackSender struct {
	client   *slack.Client
	throttle *throttle
	metrics  *senderMetrics
	log      zerolog.Logger
}

// NewSlackSender builds a sender. It makes no network calls.
func NewSlackSender(cfg SlackSenderConfig, reg prometheus.Registerer, log zerolog.Logger) (*SlackSender, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	m, err := newSenderMetrics(reg)
	if err != nil {
		return nil, fmt.Errorf("slack sender metrics: %w", err)
	}
	opts := []slack.Option{slack.OptionHTTPClient(cfg.HTTPClient)}
	if cfg.APIURL != "" {
		opts = append(opts, slack.OptionAPIURL(cfg.APIURL))
	}
	return &SlackSender{
		client:   slack.New(cfg.BotToken, opts...),
		throttle: newThrottle(cfg.PerChannelRate, cfg.Burst),
		metrics:  m,
		log:      log.With().Str("component", "slack_sender").Logger(),
	}, nil
}

const (
	methodPostMessage = "chat.postMessage"
	methodUpdate      = "chat.update"
)

// Post sends m to channel (an ID, or a name Slack resolves). The returned
// ref carries the channel ID Slack answered with, which chat.update needs.
func (s *SlackSender) Post(ctx context.Context, channel string, m Message) (MessageRef, bool, error) {
	if err := s.throttle.Wait(ctx, channel); err != nil {
		return MessageRef{}, false, fmt.Errorf("%s %s: %w", methodPostMessage, channel, err)
	}
	ch, ts, err := s.client.PostMessageContext(ctx, channel, messageOptions(m, false)...)
	if retry, err := s.result(ctx, methodPostMessage, channel, err); err != nil {
		return MessageRef{}, retry, err
	}
	if ch == "" {
		ch = channel
	}
	return MessageRef{Channel: ch, TS: ts}, false, nil
}

// Update replaces the message at ref with m, blocks included: a message
// without blocks clears them.
func (s *SlackSender) Update(ctx context.Context, ref MessageRef, m Message) (bool, error) {
	if err := s.throttle.Wait(ctx, ref.Channel); err != nil {
		return false, fmt.Errorf("%s %s: %w", methodUpdate, ref.Channel, err)
	}
	_, _, _, err := s.client.UpdateMessageContext(ctx, ref.Channel, ref.TS, messageOptions(m, true)...)
	return s.result(ctx, methodUpdate, ref.Channel, err)
}

// Reply posts m in the thread under ref.
func (s *SlackSender) Reply(ctx context.Context, ref MessageRef, m Message) (bool, error) {
	if err := s.throttle.Wait(ctx, ref.Channel); err != nil {
		return false, fmt.Errorf("%s %s: %w", methodPostMessage, ref.Channel, err)
	}
	opts := append(messageOptions(m, false), slack.MsgOptionTS(ref.TS))
	_, _, err := s.client.PostMessageContext(ctx, ref.Channel, opts...)
	return s.result(ctx, methodPostMessage, ref.Channel, err)
}

// messageOptions turns m into slack-go options. Text is sent as rendered:
// the renderer has already escaped it. Link unfurls are off: an alert about
// an image or URL should not grow a preview card.
func messageOptions(m Message, update bool) []slack.MsgOption {
	opts := []slack.MsgOption{
		slack.MsgOptionText(m.Text, false),
		slack.MsgOptionDisableLinkUnfurl(),
		slack.MsgOptionDisableMediaUnfurl(),
	}
	if len(m.Blocks) > 0 || update {
		opts = append(opts, slack.MsgOptionBlocks(m.Blocks...))
	}
	return opts
}

// result counts and logs one call's outcome and says whether to retry it.
func (s *SlackSender) result(ctx context.Context, method, channel string, err error) (bool, error) {
	if err == nil {
		s.metrics.requests.WithLabelValues(method, "ok").Inc()
		return false, nil
	}
	o := classifySlackError(err)
	if ctx.Err() != nil && o.code == codeTransport {
		// The caller gave up; the call's fate is unknown and not ours to retry.
		o = slackOutcome{code: codeCanceled}
	}
	s.metrics.requests.WithLabelValues(method, o.code).Inc()
	if o.rateLimited {
		s.metrics.rateLimited.WithLabelValues(method).Inc()
	}
	wrapped := fmt.Errorf("%s %s: %w", method, channel, err)
	if o.rateLimited && o.after > 0 {
		wrapped = fmt.Errorf("%s %s: %w", method, channel, &RetryAfterError{After: o.after, Err: err})
	}
	if o.rateLimited {
		after := o.after
		if after <= 0 {
			after = time.Second
		}
		s.throttle.Penalize(channel, after)
	}
	level := zerolog.DebugLevel // rate limits are routine; the metric tells
	switch {
	case o.code == codeCanceled:
	case !o.retry:
		level = zerolog.ErrorLevel // a message is lost unless someone acts
	case !o.rateLimited:
		level = zerolog.WarnLevel
	}
	ev := s.log.WithLevel(level).Str("method", method).Str("channel_id", channel).Str("error_code", o.code)
	if se, ok := errors.AsType[slack.SlackErrorResponse](err); ok && se.Needed != "" {
		ev = ev.Str("needed_scope", se.Needed)
	}
	ev.Bool("retry", o.retry).Err(err).Msg(o.logMessage())
	return o.retry, wrapped
}

// slackOutcome is what a failed call means for the next attempt.
type slackOutcome struct {
	code        string        // metric label and log field
	retry       bool          // another attempt may succeed
	rateLimited bool          // a 429 or ok:false ratelimited
	after       time.Duration // Slack's Retry-After, when it sent one
}

const (
	codeTransport = "transport_error"
	codeUnknown   = "error"
	codeCanceled  = "canceled"
)

func (o slackOutcome) logMessage() string {
	switch {
	case o.code == codeCanceled:
		return "slack call abandoned: context ended"
	case !o.retry:
		return "slack refused the message permanently; not retrying"
	case o.rateLimited:
		return "slack rate limited the call; will retry"
	case o.retry:
		return "slack call failed; will retry"
	}
	return "slack call failed"
}

// permanentCode reports ok:false errors that fail the same way however
// often they are retried: a configuration, permission or payload problem.
func permanentCode(code string) bool {
	switch code {
	case "channel_not_found", "not_in_channel", "is_archived",
		"invalid_auth", "account_inactive", "token_revoked", "token_expired", "not_authed",
		"missing_scope", "no_permission", "restricted_action", "team_access_not_granted",
		"ekm_access_denied", "org_login_required",
		"msg_too_long", "invalid_blocks", "invalid_blocks_format", "no_text", "too_many_attachments",
		"invalid_arguments", "invalid_form_data", "invalid_charset", "invalid_arg_name",
		"invalid_array_arg", "invalid_post_type", "missing_post_type",
		"message_not_found", "cant_update_message", "edit_window_closed":
		return true
	}
	return false
}

// classifySlackError reads a slack-go error. Anything not known to be permanent is
// retried: a redundant retry costs a message's delay, a wrong give-up costs
// the message.
func classifySlackError(err error) slackOutcome {
	if rl, ok := errors.AsType[*slack.RateLimitedError](err); ok {
		return slackOutcome{code: strconv.Itoa(http.StatusTooManyRequests), retry: true, rateLimited: true, after: rl.RetryAfter}
	}
	if sc, ok := errors.AsType[slack.StatusCodeError](err); ok {
		o := slackOutcome{code: strconv.Itoa(sc.Code)}
		switch {
		case sc.Code == http.StatusTooManyRequests: // without a Retry-After header
			o.retry, o.rateLimited = true, true
		case sc.Code >= 500, sc.Code == http.StatusRequestTimeout:
			o.retry = true
		}
		return o
	}
	if se, ok := errors.AsType[slack.SlackErrorResponse](err); ok {
		code := se.Err
		if permanentCode(code) {
			return slackOutcome{code: code}
		}
		return slackOutcome{code: code, retry: true, rateLimited: code == "ratelimited"}
	}
	if isTransport(err) {
		return slackOutcome{code: codeTransport, retry: true}
	}
	return slackOutcome{code: codeUnknown, retry: true}
}

// isTransport reports a failure to get an answer at all: the request may or
// may not have reached Slack.
func isTransport(err error) bool {
	if _, ok := errors.AsType[net.Error](err); ok {
		return true
	}
	if _, ok := errors.AsType[*url.Error](err); ok {
		return true
	}
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.ECONNREFUSED)
}
