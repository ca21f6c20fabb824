package config

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
)

// Notify is where events are posted.
type Notify struct {
	// Webhooks receive the events they ask for.
	Webhooks []Webhook `koanf:"webhooks"`
}

// Webhook is one receiver of notifications.
type Webhook struct {
	// Name is unique; logs, metrics and the audit name the webhook by it.
	Name string `koanf:"name"`
	// URL is http:// or https://, from here or URLFile. It is a Secret
	// because it often is one (a Slack webhook's path, Gotify's ?token=,
	// ntfy's user:token@); URLFile lets it come from a systemd credential.
	URL     Secret `koanf:"url"`
	URLFile string `koanf:"url_file"`
	// Format is one of WebhookFormats; "" means json.
	Format string `koanf:"format"`
	// Secret signs each body (HMAC-SHA256); from here or SecretFile.
	Secret     Secret `koanf:"secret"`
	SecretFile string `koanf:"secret_file"`
	// Events are names of WebhookEvents; none means all.
	Events []string `koanf:"events"`
}

// WebhookFormats are the values of notify.webhooks[].format.
var WebhookFormats = []string{"json", "ntfy", "gotify", "slack"}

// WebhookEvents are the values of notify.webhooks[].events.
var WebhookEvents = []string{"applied", "failed", "recommended", "anomaly", "leader_change", "node_unreachable"}

// maxWebhooks bounds the list: each webhook is a goroutine and a queue,
// and its name a label value of the notify metrics.
const maxWebhooks = 32

func (v *validator) notify(n *Notify) {
	if len(n.Webhooks) > maxWebhooks {
		v.add("notify.webhooks", "%d webhooks, at most %d", len(n.Webhooks), maxWebhooks)
	}
	names := make(map[string]int)
	for i, w := range n.Webhooks {
		key := fmt.Sprintf("notify.webhooks[%d]", i)
		v.uniqueName(names, "notify.webhooks", i, w.Name)
		v.webhookURL(key+".url", w.URL)
		v.oneOf(key+".format", w.Format, WebhookFormats...)
		if !w.Secret.IsZero() {
			v.secret(key+".secret", w.Secret, "")
		}
		for j, e := range w.Events {
			if !slices.Contains(WebhookEvents, e) {
				v.add(fmt.Sprintf("%s.events[%d]", key, j), "must be one of %s", strings.Join(WebhookEvents, ", "))
			} else if slices.Index(w.Events, e) < j {
				v.add(fmt.Sprintf("%s.events[%d]", key, j), "repeats %s.events[%d]", key, slices.Index(w.Events, e))
			}
		}
	}
}

// webhookURL checks a webhook's URL without ever quoting it.
func (v *validator) webhookURL(key string, s Secret) {
	if s.IsZero() {
		v.add(key, "is required: the http:// or https:// URL to post to (or url_file)")
		return
	}
	if s.Value() == Redacted {
		v.add(key, "holds the redaction placeholder of check-config output, not a URL")
		return
	}
	u, err := url.Parse(s.Value())
	switch {
	case err != nil || u.Hostname() == "":
		v.add(key, "must be an http:// or https:// URL with a host")
	case u.Scheme != "http" && u.Scheme != "https":
		v.add(key, "scheme must be http or https")
	case u.Fragment != "":
		v.add(key, "must not have a #fragment, which is never sent")
	}
}

// normalize gives an unset format its default.
func (n *Notify) normalize() {
	for i := range n.Webhooks {
		if n.Webhooks[i].Format == "" {
			n.Webhooks[i].Format = "json"
		}
	}
}

// readSecretFiles fills each webhook's url and secret from their files.
func (n *Notify) readSecretFiles(read func(string) ([]byte, error)) []error {
	var problems []error
	for i := range n.Webhooks {
		w := &n.Webhooks[i]
		key := fmt.Sprintf("notify.webhooks[%d].", i)
		for _, err := range []error{
			w.URL.fromFile(key+"url", w.URLFile, read),
			w.Secret.fromFile(key+"secret", w.SecretFile, read),
		} {
			if err != nil {
				problems = append(problems, err)
			}
		}
	}
	return problems
}

// secretFiles are the webhooks' url_file and secret_file keys and paths,
// for ReadableSecrets.
func (n *Notify) secretFiles() []struct{ key, path string } {
	var out []struct{ key, path string }
	for i, w := range n.Webhooks {
		key := fmt.Sprintf("notify.webhooks[%d].", i)
		out = append(out, struct{ key, path string }{key + "url_file", w.URLFile}, struct{ key, path string }{key + "secret_file", w.SecretFile})
	}
	return out
}

// inlineWebhookSecrets returns the secret keys of the webhooks that the
// file itself sets: the URL and the secret.
func inlineWebhookSecrets(raw map[string]any) []string {
	n, _ := raw["notify"].(map[string]any)
	list, _ := n["webhooks"].([]any)
	var keys []string
	for i, elem := range list {
		w, _ := elem.(map[string]any)
		for _, name := range []string{"url", "secret"} {
			if s, ok := w[name].(string); ok && s != "" {
				keys = append(keys, fmt.Sprintf("notify.webhooks[%d].%s", i, name))
			}
		}
	}
	return keys
}
