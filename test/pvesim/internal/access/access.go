package access

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"maps"
	"strings"
	"sync"
	"time"
)

// ticketLifetime is PVE's ticket_lifetime (pve-access-control
// src/PVE/AccessControl.pm).
const ticketLifetime = 2 * time.Hour

type ticket struct {
	user    string
	csrf    string
	expires time.Time // simulated
}

// Store holds a cluster's API tokens, users and issued tickets.
type Store struct {
	tokens map[string]string // token id -> secret; fixed after New
	users  map[string]string // user@realm -> password; fixed after New

	mu      sync.Mutex
	tickets map[string]ticket
}

// New accepts tokens as "USER@REALM!ID=SECRET" and users as user@realm ->
// password (copied: the caller may keep using its map).
func New(tokens []string, users map[string]string) (*Store, error) {
	st := &Store{tokens: map[string]string{}, users: maps.Clone(users), tickets: map[string]ticket{}}
	for _, t := range tokens {
		id, secret, ok := strings.Cut(t, "=")
		if !ok || !strings.Contains(id, "@") || !strings.Contains(id, "!") || secret == "" {
			return nil, fmt.Errorf("token %q is not USER@REALM!ID=SECRET", id+"=…") // never the secret
		}
		st.tokens[id] = secret
	}
	return st, nil
}

// TokenValid reports whether the token id ("user@realm!name") exists with
// this secret.
func (st *Store) TokenValid(id, secret string) bool {
	want, known := st.tokens[id]
	return known && want == secret
}

// Ticket is the user and CSRF prevention token of a ticket still valid at
// now (simulated time).
func (st *Store) Ticket(value string, now time.Time) (user, csrf string, ok bool) {
	st.mu.Lock()
	defer st.mu.Unlock()
	t, known := st.tickets[value]
	if !known || !now.Before(t.expires) {
		return "", "", false
	}
	return t.user, t.csrf, true
}

// TicketUser is the user a ticket was issued to, expired or not, "" for an
// unknown ticket: who a request claims to be before it is checked.
func (st *Store) TicketUser(value string) string {
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.tickets[value].user
}

// Login checks a password, or a still valid ticket of the same user passed
// as the password (PVE's renewal), and issues a new ticket and CSRF token
// in PVE's formats.
func (st *Store) Login(user, password string, now time.Time) (tk, csrf string, ok bool) {
	st.mu.Lock()
	defer st.mu.Unlock()
	valid := false
	if pw, known := st.users[user]; known && pw == password {
		valid = true
	} else if t, known := st.tickets[password]; known && t.user == user && now.Before(t.expires) {
		valid = true
	}
	if !valid {
		return "", "", false
	}
	for k, t := range st.tickets { // keep the map from growing in long demos
		if !now.Before(t.expires) {
			delete(st.tickets, k)
		}
	}
	tk = fmt.Sprintf("PVE:%s:%08X::%s", user, uint32(now.Unix()), randomString(96))
	csrf = fmt.Sprintf("%08X:%s", uint32(now.Unix()), randomString(32))
	st.tickets[tk] = ticket{user: user, csrf: csrf, expires: now.Add(ticketLifetime)}
	return tk, csrf, true
}

func randomString(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return base64.RawStdEncoding.EncodeToString(b)
}
