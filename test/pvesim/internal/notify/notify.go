package notify

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"slices"
	"strings"

	"github.com/lxc-autoscale/lxc-autoscale/test/pvesim/internal/answer"
	"github.com/lxc-autoscale/lxc-autoscale/test/pvesim/internal/jsonw"
	"github.com/lxc-autoscale/lxc-autoscale/test/pvesim/internal/schema"
)

// The routes' parameters as PVE's schema has them; the list-valued ones
// and the match rules are not simulated (a lease needs none of them).
var (
	specName    = schema.Spec{Type: "string", Format: "pve-configid"}
	unsimulated = []string{"invert-match", "match-calendar", "match-field", "match-severity", "mode", "target"}
	NameSpecs   = map[string]schema.Spec{"name": specName}
	CreateSpecs = withUnsimulated(map[string]schema.Spec{"name": specName, "comment": schema.SpecOptionalString, "disable": schema.SpecBool})
	UpdateSpecs = withUnsimulated(map[string]schema.Spec{"name": specName, "comment": schema.SpecOptionalString, "disable": schema.SpecBool,
		"delete": schema.SpecUnsupported, "digest": {Type: "string", Optional: true, MaxLength: 64}})
)

func withUnsimulated(m map[string]schema.Spec) map[string]schema.Spec {
	for _, k := range unsimulated {
		m[k] = schema.SpecUnsupported
	}
	return m
}

// DigestMismatch is proxmox-notify's message for a stale digest.
const DigestMismatch = "detected modified configuration - file changed by other user? Try again."

type matcher struct {
	name, comment string
	disable       bool
}

// Config is notifications.cfg: its matchers in file order.
type Config struct {
	matchers []*matcher
}

func (c *Config) find(name string) *matcher {
	for _, m := range c.matchers {
		if m.name == name {
			return m
		}
	}
	return nil
}

// Digest is the SHA-256 hex of the file as pmxcfs would hold it.
func (c *Config) Digest() string {
	var b strings.Builder
	for _, m := range c.matchers {
		b.WriteString("matcher: " + m.name + "\n")
		if m.comment != "" {
			b.WriteString("\tcomment " + m.comment + "\n")
		}
		if m.disable {
			b.WriteString("\tdisable true\n")
		}
		b.WriteString("\n")
	}
	sum := sha256.Sum256([]byte(b.String()))
	return hex.EncodeToString(sum[:])
}

func notFound(name string) answer.Answer {
	return answer.Fail(http.StatusNotFound, "matcher '"+name+"' not found")
}

// Get answers GET /cluster/notifications/matchers/{name}.
func (c *Config) Get(name string) answer.Answer {
	m := c.find(name)
	if m == nil {
		return notFound(name)
	}
	j := jsonw.Sized(256)
	j.BeginObject()
	j.KeyStr("name", m.name)
	j.KeyStrOmitEmpty("comment", m.comment)
	if m.disable {
		j.KeyRaw("disable", []byte("true"))
	}
	j.KeyStr("digest", c.Digest())
	j.EndObject()
	return answer.OK(j.Bytes())
}

// Create answers POST /cluster/notifications/matchers.
func (c *Config) Create(p schema.Params) answer.Answer {
	name := p.Str("name")
	if c.find(name) != nil {
		return answer.Fail(http.StatusBadRequest, "Cannot create '"+name+"', an entity with the same name already exists")
	}
	c.matchers = append(c.matchers, &matcher{name: name, comment: p.Str("comment"), disable: p.Bool("disable")})
	return answer.OK(nil)
}

// Update answers PUT /cluster/notifications/matchers/{name}: the matcher
// must exist, then the digest (when given) must be the file's, then the
// deletions and the new values apply, as update_matcher does.
func (c *Config) Update(p schema.Params) answer.Answer {
	name := p.Str("name")
	m := c.find(name)
	if m == nil {
		return notFound(name)
	}
	if d := p.Str("digest"); d != "" && !strings.EqualFold(d, c.Digest()) {
		return answer.Fail(http.StatusBadRequest, DigestMismatch)
	}
	if p.Has("comment") {
		m.comment = p.Str("comment")
	}
	if p.Has("disable") {
		m.disable = p.Bool("disable")
	}
	return answer.OK(nil)
}

// Delete answers DELETE /cluster/notifications/matchers/{name}.
func (c *Config) Delete(name string) answer.Answer {
	i := slices.IndexFunc(c.matchers, func(m *matcher) bool { return m.name == name })
	if i < 0 {
		return notFound(name)
	}
	c.matchers = slices.Delete(c.matchers, i, i+1)
	return answer.OK(nil)
}
