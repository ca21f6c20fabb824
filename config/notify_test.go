package config

import (
	"os"
	"strings"
	"testing"
)

func TestWebhooks(t *testing.T) {
	t.Parallel()
	secretFile := writeFile(t, "hmac", "hmac-key-from-file\n")
	urlFile := writeFile(t, "url", "https://hooks.example.com/in\n")
	cfg := mustLoad(t, LoadOptions{File: writeFile(t, "c.yaml", minimalYAML+`
notify:
  webhooks:
    - {name: ops, url_file: `+urlFile+`, secret_file: `+secretFile+`}
    - name: phone
      url: https://ntfy.example.com/autoscale
      format: ntfy
      events: [failed, node_unreachable, leader_change]
`)})
	w := cfg.Notify.Webhooks
	if len(w) != 2 || w[0].Format != "json" || w[0].Secret.Value() != "hmac-key-from-file" || w[0].URL.Value() != "https://hooks.example.com/in" ||
		w[1].Format != "ntfy" || strings.Join(w[1].Events, ",") != "failed,node_unreachable,leader_change" || !w[1].Secret.IsZero() {
		t.Errorf("webhooks = %+v", w)
	}

	env := mustLoad(t, LoadOptions{Environ: append(credentials,
		`LXCA_NOTIFY_WEBHOOKS=[{"name":"chat","url":"https://chat.example.com/hooks/x","format":"slack","secret":"k"}]`)})
	if w := env.Notify.Webhooks; len(w) != 1 || w[0].Format != "slack" || w[0].Secret.Value() != "k" {
		t.Errorf("webhooks from the environment = %+v", w)
	}
}

// Every problem names the key and the allowed values, never the URL or
// the secret, which may be credentials.
func TestWebhookProblems(t *testing.T) {
	t.Parallel()
	const leak = "leakedtoken0123"
	secretFile := writeFile(t, "hmac", leak)
	_, err := Load(LoadOptions{File: writeFile(t, "c.yaml", minimalYAML+`
notify:
  webhooks:
    - {name: a, url: "ftp://host/`+leak+`"}
    - {name: b, url: "/`+leak+`"}
    - {name: c, url: "https://host/`+leak+`", format: teams}
    - {name: d, url: "https://host/`+leak+`", secret: `+leak+`, secret_file: `+secretFile+`}
    - {name: e, url: "https://host/`+leak+`", events: [applied, "leader change", applied]}
    - {name: a, url: "https://host/`+leak+`#`+leak+`"}
    - {name: g, url: "[redacted]"}
    - {name: h}
    - {name: i, url: "https://host/`+leak+`", url_file: `+secretFile+`}
    - {name: j, url_file: `+writeFile(t, "bad-url", "gopher://"+leak)+`}
`)})
	if err == nil {
		t.Fatal("Load() = nil error")
	}
	for _, want := range []string{
		"notify.webhooks[0].url: scheme must be http or https",
		"notify.webhooks[1].url: must be an http:// or https:// URL with a host",
		"notify.webhooks[2].format: must be one of json, ntfy, gotify, slack",
		"notify.webhooks[3].secret: set only one of notify.webhooks[3].secret and notify.webhooks[3].secret_file",
		"notify.webhooks[4].events[1]: must be one of applied, failed, recommended, anomaly, leader_change, node_unreachable",
		"notify.webhooks[4].events[2]: repeats notify.webhooks[4].events[0]",
		"notify.webhooks[5].name: duplicates notify.webhooks[0].name",
		"notify.webhooks[5].url: must not have a #fragment",
		"notify.webhooks[6].url: holds the redaction placeholder",
		"notify.webhooks[7].url: is required",
		"notify.webhooks[8].url: set only one of notify.webhooks[8].url and notify.webhooks[8].url_file",
		"notify.webhooks[9].url: scheme must be http or https",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("Load() error lacks %q", want)
		}
	}
	if strings.Contains(err.Error(), leak) {
		t.Errorf("Load() error quotes a URL or secret:\n%v", err)
	}
}

// check-config's output hides a webhook's URL and secret; a file that
// sets them is a file holding secrets.
func TestWebhookSecretsHidden(t *testing.T) {
	t.Parallel()
	const leak = "T000/B000/leakedtoken0123"
	file := writeFile(t, "c.yaml", minimalYAML+`
notify:
  webhooks: [{name: slack, url: "https://hooks.slack.com/services/`+leak+`", format: slack, secret: "`+leak+`"}]
`)
	cfg := mustLoad(t, LoadOptions{File: file})
	out, err := cfg.RedactedYAML()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(out), leak) || !strings.Contains(string(out), "name: slack") {
		t.Errorf("RedactedYAML:\n%s", out)
	}
	if err := os.Chmod(file, 0o644); err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, r := range cfg.ReadableSecrets() {
		keys = append(keys, r.Key)
	}
	if got := strings.Join(keys, ","); !strings.Contains(got, "notify.webhooks[0].url") || !strings.Contains(got, "notify.webhooks[0].secret") {
		t.Errorf("ReadableSecrets keys %s, want the webhook's url and secret", got)
	}
}
