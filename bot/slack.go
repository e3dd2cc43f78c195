package bot

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"
	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"
	"golang.org/x/sync/errgroup"
)

// SlackConfig configures the Slack Socket Mode adapter.
type SlackConfig struct {
	BotToken string
	AppToken string
	// APIURL is the Web API base URL, ending in "/".
	APIURL string
	// Workers is how many requests run at once. Default 8.
	Workers int
	// Queue is how many acked requests may wait for a worker before users are
	// told the bot is busy. Default 64.
	Queue int
	// CommandTimeout bounds each request, reply included. Default 30s.
	CommandTimeout time.Duration
	// MaxBackoff caps the wait between reconnect attempts. Default 30s.
	MaxBackoff time.Duration
	// HTTPClient is used for the Web API and response_url. Default: a client
	// with a 30s timeout.
	HTTPClient *http.Client
	// SlashCommand is the command this app answers. Default "/kube".
	SlashCommand string
	// DedupWindow is how long a delivered envelope or event ID is
	// remembered, so a redelivery runs once. Default 15m.
	DedupWindow time.Duration
}

func (c SlackConfig) withDefaults() SlackConfig {
	if c.Workers <= 0 {
		c.Workers = 8
	}
	if c.Queue <= 0 {
		c.Queue = 64
	}
	if c.CommandTimeout <= 0 {
		c.CommandTimeout = 30 * time.Second
	}
	if c.MaxBackoff <= 0 {
		c.MaxBackoff = 30 * time.Second
	}
	if c.HTTPClient == nil {
		c.HTTPClient = &http.Client{Timeout: 30 * time.Second}
	}
	if c.SlashCommand == "" {
		c.SlashCommand = "/kube"
	}
	if c.DedupWindow <= 0 {
		c.DedupWindow = 15 * time.Minute
	}
	return c
}

// Slack is the Slack adapter: it keeps a Socket Mode connection up, acks
// every envelope first, and runs requests on a bounded worker pool.
type Slack struct {
	cfg     SlackConfig
	api     *slack.Client
	handler Handler
	log     zerolog.Logger
	metrics *slackMetrics
	pool    *pool
	seen    *seenSet

	hellos atomic.Int64 // connections established, to reset the backoff

	mu        sync.RWMutex
	connected bool
	botUserID string
	teamID    string
}

// NewSlack builds the adapter. It makes no network calls; Start does.
func NewSlack(cfg SlackConfig, handler Handler, reg prometheus.Registerer, log zerolog.Logger) (*Slack, error) {
	if cfg.BotToken == "" || cfg.AppToken == "" {
		return nil, errors.New("slack adapter: bot token and app token are both required")
	}
	if handler == nil {
		return nil, errors.New("slack adapter: handler is required")
	}
	cfg = cfg.withDefaults()
	m, err := newSlackMetrics(reg)
	if err != nil {
		return nil, fmt.Errorf("slack adapter metrics: %w", err)
	}
	api := slack.New(cfg.BotToken,
		slack.OptionAppLevelToken(cfg.AppToken),
		slack.OptionAPIURL(cfg.APIURL),
		slack.OptionHTTPClient(cfg.HTTPClient),
	)
	return &Slack{
		cfg:     cfg,
		api:     api,
		handler: handler,
		log:     log.With().Str("component", "slack").Logger(),
		metrics: m,
		pool:    newPool(cfg.Workers, cfg.Queue),
		seen:    newSeenSet(cfg.DedupWindow, time.Now),
	}, nil
}

// Notify posts text to a channel (operational notices such as a broken
// policy reload), not in reply to anyone.
func (s *Slack) Notify(ctx context.Context, channel, text string) error {
	if _, _, err := s.api.PostMessageContext(ctx, channel, slack.MsgOptionText(text, false)); err != nil {
		return fmt.Errorf("chat.postMessage to %s: %w", channel, err)
	}
	return nil
}

// Ready reports nil while the Socket Mode connection is up (hello received).
func (s *Slack) Ready() error {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if !s.connected {
		return errors.New("slack socket mode not connected")
	}
	return nil
}

// BotUserID is our own user ID from auth.test, empty before Start has
// authenticated.
func (s *Slack) BotUserID() string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.botUserID
}

func (s *Slack) setConnected(up bool) {
	s.mu.Lock()
	changed := s.connected != up
	s.connected = up
	s.mu.Unlock()
	if changed {
		s.metrics.connected.Set(boolGauge(up))
	}
}

// Start authenticates, then keeps Socket Mode connected until ctx ends. It
// returns an error only for problems a retry cannot fix (revoked or invalid
// tokens), which must stop the process loudly.
func (s *Slack) Start(ctx context.Context) error {
	if err := s.authenticate(ctx); err != nil {
		return err
	}
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error { s.pool.Run(gctx); return nil })
	g.Go(func() error { return s.supervise(gctx) })
	err := g.Wait()
	s.setConnected(false)
	return err
}

// authenticate calls auth.test with backoff until it succeeds, ctx ends, or
// Slack says the token can never work.
func (s *Slack) authenticate(ctx context.Context) error {
	for attempt := 0; ; attempt++ {
		resp, err := s.api.AuthTestContext(ctx)
		if err == nil {
			s.mu.Lock()
			s.botUserID, s.teamID = resp.UserID, resp.TeamID
			s.mu.Unlock()
			s.log.Info().Str("bot_user_id", resp.UserID).Str("team_id", resp.TeamID).Msg("authenticated to slack")
			return nil
		}
		if isFatal(err) {
			return fmt.Errorf("slack auth.test: %w (check slack.botToken)", err)
		}
		d := backoff(attempt, s.cfg.MaxBackoff)
		s.log.Warn().Err(err).Dur("retry_in", d).Msg("slack auth.test failed, retrying")
		if err := sleepCtx(ctx, d); err != nil {
			return nil
		}
	}
}

// supervise runs the Socket Mode client, restarting it with jittered backoff
// whenever it stops for a reason that a retry may fix.
func (s *Slack) supervise(ctx context.Context) error {
	for attempt := 0; ; attempt++ {
		before := s.hellos.Load()
		sm := socketmode.New(s.api)
		readCtx, stopReading := context.WithCancel(ctx)
		loopDone := make(chan struct{})
		go func() { defer close(loopDone); s.readEvents(readCtx, sm) }()
		err := sm.RunContext(ctx)
		stopReading()
		<-loopDone
		s.setConnected(false)
		if ctx.Err() != nil {
			return nil
		}
		if isFatal(err) {
			s.log.Error().Err(err).Msg("slack rejected the app token; stopping (check slack.appToken)")
			return fmt.Errorf("slack socket mode: %w", err)
		}
		if s.hellos.Load() != before {
			attempt = 0 // it was connected: start the backoff afresh
		}
		d := backoff(attempt, s.cfg.MaxBackoff)
		s.log.Warn().Err(err).Dur("retry_in", d).Msg("slack socket mode stopped, reconnecting")
		if err := sleepCtx(ctx, d); err != nil {
			return nil
		}
	}
}

// readEvents drains the client's event channel: connection state changes
// are recorded and every request is acked before any work happens.
func (s *Slack) readEvents(ctx context.Context, sm *socketmode.Client) {
	for {
		select {
		case <-ctx.Done():
			return
		case evt := <-sm.Events:
			s.onEvent(ctx, sm, evt)
		}
	}
}

func (s *Slack) onEvent(ctx context.Context, sm *socketmode.Client, evt socketmode.Event) {
	switch evt.Type {
	case socketmode.EventTypeHello:
		s.setConnected(true)
		s.hellos.Add(1)
		s.metrics.connects.Inc()
		s.log.Info().Msg("slack socket mode connected")
	case socketmode.EventTypeConnecting:
		s.setConnected(false)
	case socketmode.EventTypeDisconnect:
		s.setConnected(false)
		s.log.Info().Msg("slack asked us to reconnect")
	case socketmode.EventTypeConnectionError, socketmode.EventTypeIncomingError, socketmode.EventTypeInvalidAuth:
		s.setConnected(false)
		s.log.Warn().Str("event", string(evt.Type)).Interface("detail", evt.Data).Msg("slack connection problem")
	case socketmode.EventTypeSlashCommand, socketmode.EventTypeEventsAPI, socketmode.EventTypeInteractive:
		if evt.Request == nil {
			return
		}
		// Ack first: Slack retries anything not acked within 3 seconds.
		if err := sm.AckCtx(ctx, evt.Request.EnvelopeID, nil); err != nil {
			s.log.Warn().Err(err).Str("envelope_id", evt.Request.EnvelopeID).Msg("ack failed")
		}
		env, ok := s.normalize(evt)
		if !ok {
			return
		}
		// Slack redelivers what it thinks was not acked (same envelope ID),
		// and retries events (new envelope, same event ID): run each once.
		if !s.seen.first(evt.Request.EnvelopeID, env.ID) {
			s.metrics.duplicates.Inc()
			s.log.Info().Str("envelope_id", evt.Request.EnvelopeID).Str("id", env.ID).Msg("duplicate delivery ignored")
			return
		}
		s.metrics.envelopes.WithLabelValues(string(env.Source)).Inc()
		if err := s.pool.Submit(func(ctx context.Context) { s.run(ctx, env) }); err != nil {
			s.metrics.busy.Inc()
			s.log.Warn().Str("envelope_id", env.ID).Str("user_id", env.UserID).Msg("all workers busy, refusing request")
			go s.reply(context.WithoutCancel(ctx), env, Reply{Text: "I'm busy right now, please try again in a moment.", Ephemeral: true})
		}
	}
}

// run handles one request under its own deadline and sends the reply.
func (s *Slack) run(ctx context.Context, env Envelope) {
	ctx, cancel := context.WithTimeout(ctx, s.cfg.CommandTimeout)
	defer cancel()
	log := s.log.With().Str("envelope_id", env.ID).Str("user_id", env.UserID).Str("channel_id", env.ChannelID).Str("source", string(env.Source)).Logger()
	reply := s.handler.Handle(ctx, env)
	if err := s.reply(ctx, env, reply); err != nil {
		log.Error().Err(err).Msg("reply failed")
		return
	}
	log.Debug().Dur("latency", time.Since(env.ReceivedAt)).Msg("request answered")
}

func isFatal(err error) bool {
	if err == nil {
		return false
	}
	// slack-go reports some auth failures as SlackErrorResponse and others
	// as a bare error whose text is Slack's error code.
	msg := err.Error()
	var se slack.SlackErrorResponse
	if errors.As(err, &se) {
		msg = se.Err
	}
	switch msg {
	case "invalid_auth", "account_inactive", "not_authed", "token_revoked", "token_expired", "not_allowed_token_type", "team_access_not_granted", "missing_scope":
		return true
	}
	var sc slack.StatusCodeError
	return errors.As(err, &sc) && sc.Code == http.StatusNotFound
}

// backoff is exponential with full jitter, from 500ms up to max.
func backoff(attempt int, max time.Duration) time.Duration {
	d := 500 * time.Millisecond << min(attempt, 10)
	if d > max {
		d = max
	}
	return d/2 + rand.N(d/2+1)
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

func boolGauge(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
