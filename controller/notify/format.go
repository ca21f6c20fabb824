package notify

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Format is how a webhook's body is written.
type Format string

// The formats.
const (
	// FormatJSON posts the event itself (jsonBody), for receivers of
	// one's own.
	FormatJSON Format = "json"
	// FormatNtfy posts the message as text to an ntfy topic URL, with
	// Title, Priority and Tags headers.
	FormatNtfy Format = "ntfy"
	// FormatGotify posts {title, message, priority} to Gotify's /message
	// (the application token in the URL: ?token=…).
	FormatGotify Format = "gotify"
	// FormatSlack posts {text} to a Slack incoming webhook (Mattermost and
	// Discord's /slack endpoint take it too).
	FormatSlack Format = "slack"
)

// Formats are all the formats.
var Formats = []Format{FormatJSON, FormatNtfy, FormatGotify, FormatSlack}

// jsonBody is the body of FormatJSON. The fields of a change are always
// present (a swap change may well start from 0); the others only when set.
type jsonBody struct {
	ID        string    `json:"id"`
	Event     Kind      `json:"event"`
	Time      time.Time `json:"time"`
	VMID      int       `json:"vmid"`
	Name      string    `json:"name,omitempty"`
	Node      string    `json:"node"`
	Resource  string    `json:"resource"`
	Direction string    `json:"direction,omitempty"`
	From      int64     `json:"from"`
	To        int64     `json:"to"`
	Unit      string    `json:"unit,omitempty"`
	Result    string    `json:"result"`
	Reason    string    `json:"reason"`
	Mode      string    `json:"mode,omitempty"`
	Policy    string    `json:"policy,omitempty"`
	Source    string    `json:"source,omitempty"`
	Error     string    `json:"error,omitempty"`
	Score     float64   `json:"score,omitempty"`
	Leader    string    `json:"leader,omitempty"`
}

// render writes ev in format f: the body, its content type and the
// headers the format adds.
func render(f Format, ev Event) (body []byte, contentType string, header http.Header, err error) {
	header = http.Header{}
	title, text := title(ev), message(ev)
	switch f {
	case FormatNtfy:
		header.Set("Title", headerSafe(title))
		header.Set("Priority", strconv.Itoa(priority(ev.Kind, 3, 4)))
		header.Set("Tags", tag(ev))
		return []byte(text), "text/plain; charset=utf-8", header, nil
	case FormatGotify:
		body, err = json.Marshal(struct {
			Title    string `json:"title"`
			Message  string `json:"message"`
			Priority int    `json:"priority"`
		}{title, text, priority(ev.Kind, 5, 8)})
	case FormatSlack:
		body, err = json.Marshal(struct {
			Text string `json:"text"`
		}{"*" + slackEscape(title) + "*\n" + slackEscape(text)})
	default:
		body, err = json.Marshal(jsonBody{
			ID: ev.ID, Event: ev.Kind, Time: ev.Time.UTC(), VMID: ev.VMID, Name: ev.Name, Node: ev.Node,
			Resource: ev.Resource, Direction: ev.Direction, From: ev.From, To: ev.To, Unit: unit(ev.Resource),
			Result: ev.Result, Reason: ev.Reason, Mode: ev.Mode, Policy: ev.Policy, Source: ev.Source,
			Error: ev.Error, Score: ev.Score, Leader: ev.Leader,
		})
	}
	return body, "application/json", header, err
}

// priority is the receiver's priority of an event: high for what needs a
// person (a failure, a node or the leader lost), normal otherwise.
func priority(k Kind, normal, high int) int {
	switch k {
	case KindFailed, KindNodeUnreachable, KindLeaderChange:
		return high
	}
	return normal
}

// tag is ntfy's emoji tag of an event.
func tag(ev Event) string {
	switch {
	case ev.Kind == KindFailed:
		return "x"
	case ev.Kind == KindNodeUnreachable && ev.Result == "reachable":
		return "white_check_mark"
	case ev.Kind == KindNodeUnreachable, ev.Kind == KindAnomaly:
		return "warning"
	case ev.Kind == KindLeaderChange:
		return "crown"
	case ev.Direction == "down":
		return "arrow_down"
	}
	return "arrow_up"
}

// container names a container: "CT 101 (web1)".
func container(ev Event) string {
	if ev.Name == "" {
		return "CT " + strconv.Itoa(ev.VMID)
	}
	return "CT " + strconv.Itoa(ev.VMID) + " (" + ev.Name + ")"
}

// title is one line naming what happened to what.
func title(ev Event) string {
	switch {
	case ev.Kind == KindAnomaly && ev.VMID == 0:
		return "containers anomalous"
	case ev.Kind == KindAnomaly:
		return container(ev) + " anomalous"
	case ev.Kind == KindNodeUnreachable:
		return "node " + ev.Node + " " + ev.Result
	case ev.Kind == KindLeaderChange:
		if ev.Leader == "" {
			return "no instance leads"
		}
		return "leader: " + ev.Leader
	}
	return fmt.Sprintf("%s %s %s", container(ev), ev.Resource, ev.Result)
}

// message is the text of the chat formats: what changed, where, why.
func message(ev Event) string {
	var b strings.Builder
	switch {
	case ev.Kind == KindAnomaly && ev.VMID == 0: // a summary
		b.WriteString(title(ev))
	case ev.Kind == KindAnomaly:
		fmt.Fprintf(&b, "%s on %s is anomalous: score %.2f", container(ev), ev.Node, ev.Score)
	case ev.Kind == KindNodeUnreachable:
		fmt.Fprintf(&b, "node %s %s", ev.Node, ev.Result)
	case ev.Kind == KindLeaderChange:
		b.WriteString(title(ev))
	default:
		fmt.Fprintf(&b, "%s on %s: %s %s -> %s (%s)", container(ev), ev.Node, ev.Resource,
			amount(ev.Resource, ev.From), amount(ev.Resource, ev.To), ev.Result)
		if ev.Mode != "" {
			fmt.Fprintf(&b, ", mode %s", ev.Mode)
		}
		if ev.Policy != "" {
			fmt.Fprintf(&b, ", policy %s", ev.Policy)
		}
		if ev.Source != "" && ev.Source != "controller" {
			fmt.Fprintf(&b, ", by %s", ev.Source)
		}
	}
	if ev.Reason != "" {
		b.WriteString("\nreason: " + ev.Reason)
	}
	if ev.Error != "" {
		b.WriteString("\nerror: " + ev.Error)
	}
	return b.String()
}

// amount writes a resource's value in its unit; a disk in GiB.
func amount(resource string, v int64) string {
	switch resource {
	case "disk":
		return strconv.FormatFloat(float64(v)/(1<<30), 'f', -1, 64) + " GiB"
	case "cores":
		return strconv.FormatInt(v, 10)
	}
	return strconv.FormatInt(v, 10) + " " + unit(resource)
}

// slackEscape escapes the three characters Slack's mrkdwn gives a meaning.
func slackEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

// headerSafe keeps printable ASCII: a header value with a newline or a
// byte beyond ASCII would be refused or mangled.
func headerSafe(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r > 0x7e {
			return '?'
		}
		return r
	}, s)
}
