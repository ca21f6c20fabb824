package notify

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"slices"
	"time"
)

// Kind is what an event reports; a webhook subscribes to kinds by these
// names (notify.webhooks[].events).
type Kind string

// The kinds of event.
const (
	// KindApplied is a resource change written to Proxmox, by the loop or
	// through the API.
	KindApplied Kind = "applied"
	// KindFailed is a change that failed, or whose write was sent and never
	// answered (Result "unknown": it may have landed).
	KindFailed Kind = "failed"
	// KindRecommended is a change decided in recommend or dry-run mode
	// (Result "recommended" or "dry_run"), reported when it changes.
	KindRecommended Kind = "recommended"
	// KindAnomaly is a container whose score reached the anomaly threshold.
	KindAnomaly Kind = "anomaly"
	// KindLeaderChange is a change of the instance that acts (the lease of
	// issue 16): see Notifier.LeaderChanged.
	KindLeaderChange Kind = "leader_change"
	// KindNodeUnreachable is a node whose containers cannot be listed (or
	// that the cluster reports offline), Result "unreachable", and the same
	// node answering again, Result "reachable".
	KindNodeUnreachable Kind = "node_unreachable"
)

// Kinds are all the kinds, in the order the documentation lists them.
var Kinds = []Kind{KindApplied, KindFailed, KindRecommended, KindAnomaly, KindLeaderChange, KindNodeUnreachable}

// ParseKind returns the Kind named s, or an error listing the names.
func ParseKind(s string) (Kind, error) {
	if k := Kind(s); slices.Contains(Kinds, k) {
		return k, nil
	}
	return "", fmt.Errorf("unknown event %q: want one of %v", s, Kinds)
}

// KindOfResult maps the result of a resource change (the actions
// counter's result label) to the kind of event that reports it; ok is
// false for results nobody is notified of (skipped).
func KindOfResult(result string) (kind Kind, ok bool) {
	switch result {
	case "applied":
		return KindApplied, true
	case "failed", "unknown":
		return KindFailed, true
	case "recommended", "dry_run":
		return KindRecommended, true
	}
	return "", false
}

// Event is one thing worth telling a person. Which fields are set depends
// on the kind: a change has VMID to Reason, an anomaly VMID, Node and
// Score (and a runaway's hold Resource, Result and Reason), a node event Node, Result and Reason, a leader change Leader and
// Reason. No field holds a secret.
type Event struct {
	// ID identifies the event to receivers; Notify sets a random one when
	// empty. Every retry of every webhook sends the same ID.
	ID   string
	Kind Kind
	// Time is when it happened; Notify sets it when zero.
	Time time.Time

	VMID int
	// Name is the container's name when the sender knows it.
	Name string
	Node string
	// Resource is cores, memory, swap or disk; From and To are in its unit
	// (cores, MiB, MiB, bytes).
	Resource  string
	Direction string
	From, To  int64
	Result    string
	Reason    string
	Mode      string
	Policy    string
	// Source is "controller" or "api:<token name>".
	Source string
	// Error is why a change failed.
	Error string
	// Score is the anomaly score; 0 when none.
	Score float64
	// Leader is the identity of the instance now acting ("" when none).
	Leader string
}

// NodeEvent is the event of a node whose containers cannot be listed
// (err says why) or, with err nil, are listed again.
func NodeEvent(node string, err error) Event {
	if err != nil {
		return Event{Kind: KindNodeUnreachable, Node: node, Result: "unreachable", Reason: err.Error()}
	}
	return Event{Kind: KindNodeUnreachable, Node: node, Result: "reachable"}
}

// AnomalyEvent is the event of a container whose score reached the
// threshold; the sender adds its node and name.
func AnomalyEvent(vmid int, score float64) Event {
	return Event{Kind: KindAnomaly, VMID: vmid, Score: score, Result: "anomalous"}
}

// RunawayEvent is a container whose cores are held as pinned by a
// runaway process (controller/scaling/runaway.go): an anomaly with the
// hold's detail as its reason.
func RunawayEvent(vmid int, score float64, detail string) Event {
	return Event{Kind: KindAnomaly, VMID: vmid, Score: score, Resource: "cores", Result: "held", Reason: detail}
}

// AnomalySummary stands for more containers turned anomalous than were
// told one by one.
func AnomalySummary(more int) Event {
	return Event{Kind: KindAnomaly, Result: "anomalous", Reason: fmt.Sprintf("%d more containers turned anomalous in this pass", more)}
}

// newID returns a random UUID (version 4), unique per event.
func newID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // never fails (crypto/rand documents it)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// unit is the unit From and To of a resource are in.
func unit(resource string) string {
	switch resource {
	case "cores":
		return "cores"
	case "memory", "swap":
		return "MiB"
	case "disk":
		return "bytes"
	}
	return ""
}
