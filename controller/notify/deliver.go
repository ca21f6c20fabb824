package notify

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// attemptError is why one POST did not deliver: reason labels
// lxc_autoscale_notify_attempt_failures_total, retry says whether the same
// event is tried again.
type attemptError struct {
	reason string // timeout, connection, status_5xx, status_4xx, redirect
	retry  bool
	after  time.Duration // the receiver's Retry-After, 0 when none
	msg    string
}

func (e *attemptError) Error() string { return e.msg }

// Attempt failure reasons, the label values.
var attemptReasons = []string{"timeout", "connection", "status_5xx", "status_4xx", "redirect"}

// deliver posts ev until the receiver takes it, refuses it for good (a 4xx
// but 408 and 429, a redirect), GiveUpAfter has passed since the first
// attempt, or the Notifier stops. Every attempt sends the same body and
// ID.
func (n *Notifier) deliver(s *sink, ev Event) {
	body, contentType, header, err := render(s.Format, ev)
	if err != nil {
		n.fail(s, ev, 0, fmt.Errorf("render %s body: %w", s.Format, err))
		return
	}
	header.Set("Content-Type", contentType)
	header.Set("User-Agent", "lxc-autoscale")
	header.Set(HeaderEventID, ev.ID)
	header.Set(HeaderEvent, string(ev.Kind))
	if len(s.Secret) > 0 {
		mac := hmac.New(sha256.New, s.Secret)
		mac.Write(body)
		header.Set(HeaderSignature, "sha256="+hex.EncodeToString(mac.Sum(nil)))
	}
	first := time.Now()
	backoff := n.opts.MinBackoff
	for attempt := 1; ; attempt++ {
		err := n.post(s.URL, header, body)
		if err == nil {
			s.m.delivered.Inc()
			n.log.Debug().Str("webhook", s.Name).Str("event", string(ev.Kind)).Str("event_id", ev.ID).
				Int("attempts", attempt).Msg("notification delivered")
			return
		}
		var ae *attemptError
		if !errors.As(err, &ae) { // stopped
			n.fail(s, ev, attempt, err)
			return
		}
		s.m.attemptFailures[ae.reason].Inc()
		wait := min(max(backoff, ae.after), n.opts.MaxBackoff)
		// Up to a quarter less, so that webhooks failing together do
		// not retry together.
		wait -= time.Duration(rand.Int64N(int64(wait)/4 + 1))
		if !ae.retry || time.Since(first)+wait > n.opts.GiveUpAfter {
			n.fail(s, ev, attempt, err)
			return
		}
		n.log.Debug().Str("webhook", s.Name).Str("event_id", ev.ID).Int("attempt", attempt).
			Str("error", err.Error()).Dur("retry_in", wait).Msg("notification attempt failed; retrying")
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-n.stop.Done():
			t.Stop()
			n.fail(s, ev, attempt, fmt.Errorf("shutting down after: %w", err))
			return
		}
		backoff = min(2*backoff, n.opts.MaxBackoff)
	}
}

// post makes one attempt. Its errors are *attemptError, or the stop's
// when the Notifier stopped; none holds the URL.
func (n *Notifier) post(target string, header http.Header, body []byte) error {
	ctx, cancel := context.WithTimeout(n.stop, n.opts.AttemptTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		// Validation checks the URL; say nothing of it here either.
		return &attemptError{reason: "connection", msg: "invalid webhook URL"}
	}
	req.Header = header.Clone()
	resp, err := n.client.Do(req)
	if err != nil {
		switch {
		case n.stop.Err() != nil:
			return errors.New("shutting down")
		case ctx.Err() != nil, isTimeout(err):
			return &attemptError{reason: "timeout", retry: true, msg: "no answer within " + n.opts.AttemptTimeout.String()}
		}
		return &attemptError{reason: "connection", retry: true, msg: "connection failed: " + withoutURL(err, target)}
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10)) // lets the connection be reused
	code := resp.StatusCode
	msg := "status " + strconv.Itoa(code)
	switch {
	case code >= 200 && code < 300:
		return nil
	case code >= 300 && code < 400:
		return &attemptError{reason: "redirect", msg: msg + ": redirects are not followed; configure the URL it points to"}
	case code == http.StatusRequestTimeout || code == http.StatusTooManyRequests:
		return &attemptError{reason: "status_4xx", retry: true, after: retryAfter(resp.Header), msg: msg}
	case code >= 500:
		return &attemptError{reason: "status_5xx", retry: true, after: retryAfter(resp.Header), msg: msg}
	}
	return &attemptError{reason: "status_4xx", msg: msg + ": refused, not retried"}
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// retryAfter reads a Retry-After in seconds; 0 when absent or a date.
func retryAfter(h http.Header) time.Duration {
	s, err := strconv.Atoi(strings.TrimSpace(h.Get("Retry-After")))
	if err != nil || s <= 0 {
		return 0
	}
	return time.Duration(s) * time.Second
}

// withoutURL is a transport error's text without the URL that *url.Error
// puts in it, which may hold a credential.
func withoutURL(err error, target string) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	return strings.ReplaceAll(err.Error(), target, "[url]")
}
