package proxmox

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// credentialSink records whatever credentials reach it: the place a
// redirect would send them to.
type credentialSink struct {
	mu   sync.Mutex
	hits []string // one line per request: method, Authorization, Cookie, body
}

func (s *credentialSink) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	s.mu.Lock()
	s.hits = append(s.hits, r.Method+" "+r.Header.Get("Authorization")+" "+r.Header.Get("Cookie")+" "+string(body))
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	_, _ = io.WriteString(w, `{"data":{"ticket":"PVE:stolen","CSRFPreventionToken":"x","username":"root@pam"}}`)
}

func (s *credentialSink) seen() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.hits...)
}

// TestRedirectNeverFollowed checks that an endpoint answering 3xx gets a
// clear error and that nothing (token, password, ticket) reaches the
// address in Location: PVE's API never redirects, so a redirect means a
// wrong or hostile endpoint.
func TestRedirectNeverFollowed(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		status int
		ticket bool
	}{
		{"token, 302", http.StatusFound, false},
		{"token, 307", http.StatusTemporaryRedirect, false},
		{"ticket login, 307", http.StatusTemporaryRedirect, true},
		{"ticket login, 308", http.StatusPermanentRedirect, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			sink := &credentialSink{}
			elsewhere := httptest.NewServer(sink)
			t.Cleanup(elsewhere.Close)
			redirector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				http.Redirect(w, r, elsewhere.URL+r.URL.RequestURI(), tc.status)
			}))
			t.Cleanup(redirector.Close)

			c, _ := newTestClient(t, []string{redirector.URL}, func(o *Options) {
				if tc.ticket {
					o.TokenID, o.TokenSecret = "", ""
					o.Username, o.Password = testUser, testPassword
				}
			})
			_, err := c.Nodes(context.Background())
			if err == nil {
				t.Fatal("Nodes through a redirecting endpoint succeeded, want an error")
			}
			if !strings.Contains(err.Error(), "redirect to "+elsewhere.URL+" not followed") {
				t.Errorf("error %q does not say the redirect to %s was refused", err, elsewhere.URL)
			}
			if Retryable(err) {
				t.Errorf("error %v is retryable; a redirect will not go away by itself", err)
			}
			assertNoSecret(t, err, testTokenSecret, testPassword)
			if hits := sink.seen(); len(hits) > 0 {
				t.Fatalf("the redirect target got %d requests, first %q; want none", len(hits), hits[0])
			}
		})
	}
}

// TestRedirectClientOptionIgnored checks that a caller's HTTPClient cannot
// switch redirects back on.
func TestRedirectClientOptionIgnored(t *testing.T) {
	t.Parallel()
	sink := &credentialSink{}
	elsewhere := httptest.NewServer(sink)
	t.Cleanup(elsewhere.Close)
	redirector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, elsewhere.URL+r.URL.RequestURI(), http.StatusFound)
	}))
	t.Cleanup(redirector.Close)
	follow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return nil }}
	c, _ := newTestClient(t, []string{redirector.URL}, func(o *Options) { o.HTTPClient = follow })
	if _, err := c.Nodes(context.Background()); err == nil {
		t.Fatal("Nodes through a redirecting endpoint succeeded, want an error")
	}
	if hits := sink.seen(); len(hits) > 0 {
		t.Fatalf("the redirect target got %q; want nothing", hits)
	}
}
