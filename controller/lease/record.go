package lease

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
)

// Record is what the matcher's comment holds.
type Record struct {
	// Holder is the identity of the leader ("" when released).
	Holder string
	// Epoch grows by one at every acquisition: the fencing token.
	Epoch uint64
	// Renew grows by one at every renewal within an epoch.
	Renew uint64
}

const commentPrefix = "lxc-autoscale leader lease, do not edit:"

var recordRe = regexp.MustCompile(`^` + regexp.QuoteMeta(commentPrefix) + ` holder=(\S*) epoch=(\d+) renew=(\d+)$`)

// Comment is the record as the matcher's comment (one line).
func (r Record) Comment() string {
	return fmt.Sprintf("%s holder=%s epoch=%d renew=%d", commentPrefix, r.Holder, r.Epoch, r.Renew)
}

// ParseRecord reads a comment; ok is false for one this package did not
// write (an operator's edit).
func ParseRecord(comment string) (r Record, ok bool) {
	m := recordRe.FindStringSubmatch(strings.TrimSpace(comment))
	if m == nil {
		return Record{}, false
	}
	epoch, err1 := strconv.ParseUint(m[2], 10, 64)
	renew, err2 := strconv.ParseUint(m[3], 10, 64)
	if err1 != nil || err2 != nil {
		return Record{}, false
	}
	return Record{Holder: m[1], Epoch: epoch, Renew: renew}, true
}

var unsafeChars = regexp.MustCompile(`[^A-Za-z0-9.-]+`)

// NewIdentity is host:pid:random, unique per process start: a restarted
// instance is a new holder and must acquire the lease again.
func NewIdentity() string {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "unknown"
	}
	host = unsafeChars.ReplaceAllString(host, "-")
	var b [4]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("%s:%d:%s", host, os.Getpid(), hex.EncodeToString(b[:]))
}
