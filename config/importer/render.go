package importer

import (
	"bytes"
	"cmp"
	"fmt"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/lxc-autoscale/lxc-autoscale/config"
)

// sections is the order of the top-level sections, as in example.yaml.
var sections = []string{"proxmox", "monitor", "model", "scaling", "api", "logging", "state"}

func comment(s source) string {
	if s.file == "import-config" {
		return "set by import-config: " + s.key
	}
	return "from " + s.String()
}

// render writes the configuration: the defaults with the imported values
// on top, each commented with its origin, then the keys not imported.
func (st *state) render(files []string) ([]byte, error) {
	defaults := config.Default()
	root := defaults.Redacted()
	px := root["proxmox"].(map[string]any)
	// The originals had no Proxmox credentials (they ran pct on the host):
	// the operator adds them; an empty secret key would only mislead.
	for _, k := range []string{"token_secret", "token_secret_file", "username", "password", "password_file"} {
		delete(px, k)
	}
	comments := make(map[string]string)
	for key, v := range st.out {
		put(root, key, v)
		comments[key] = comment(st.from[key])
	}
	var policies []any
	for i, p := range st.policies {
		m := map[string]any{"name": p.name, "match": map[string]any{"vmids": p.vmids}}
		prefix := fmt.Sprintf("scaling.policies[%d]", i)
		comments[prefix+".name"] = fmt.Sprintf("from TIER_%s of lxc_autoscale.yaml", p.tier)
		for k, v := range p.keys {
			put(m, k, v)
			comments[prefix+"."+k] = comment(p.from[k])
		}
		policies = append(policies, m)
	}
	put(root, "scaling.policies", policies)

	doc := &yaml.Node{Kind: yaml.MappingNode}
	for _, s := range sections {
		key, val := node(s, root[s], s, comments)
		doc.Content = append(doc.Content, key, val)
	}
	doc.Content[0].HeadComment = strings.Join([]string{
		"lxc-autoscale configuration imported by `lxc-autoscale import-config` from " + strings.Join(files, ", ") + ".",
		"Values the originals set carry a comment naming the key they came from; every other",
		"value is lxc-autoscale's default (config/example.yaml explains each). The keys that",
		"could not be imported are listed at the end, with why.",
		"",
		"Before running it: create a Proxmox VE API token (README: Connecting to a real cluster),",
		"set proxmox.endpoints and proxmox.token_id below and the token's secret in a file",
		"(token_secret_file, mode 0600, or LXCA_PROXMOX_TOKEN_SECRET_FILE as the systemd unit",
		"does), pin the certificate (proxmox.fingerprint), then check it with",
		"  lxc-autoscale check-config --config /etc/lxc-autoscale/config.yaml",
		"scaling.mode is dry-run: read what it would do, then set enforce.",
	}, "\n")
	if len(st.skipped) > 0 {
		lines := []string{"Not imported:"}
		for _, s := range st.skipped {
			lines = append(lines, "  "+s.src.String(), "      "+s.why)
		}
		doc.Content[len(doc.Content)-1].FootComment = strings.Join(lines, "\n")
	}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(&yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{doc}}); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// put sets a dotted key in nested maps, making the maps on the way.
func put(m map[string]any, key string, v any) {
	first, rest, nested := strings.Cut(key, ".")
	if !nested {
		m[first] = v
		return
	}
	sub, ok := m[first].(map[string]any)
	if !ok {
		sub = make(map[string]any)
		m[first] = sub
	}
	put(sub, rest, v)
}

// node builds the key and value nodes of one key; maps have their keys
// sorted, lists of scalars are written on one line, and the comment of a
// key goes on its line.
func node(key string, v any, path string, comments map[string]string) (*yaml.Node, *yaml.Node) {
	k := &yaml.Node{Kind: yaml.ScalarNode, Value: key}
	var val *yaml.Node
	switch x := v.(type) {
	case map[string]any:
		val = &yaml.Node{Kind: yaml.MappingNode}
		keys := make([]string, 0, len(x))
		for name := range x {
			keys = append(keys, name)
		}
		// A policy reads best with its name and match first.
		slices.SortFunc(keys, func(a, b string) int { return cmp.Compare(rank(a), rank(b)) })
		for _, name := range keys {
			ck, cv := node(name, x[name], path+"."+name, comments)
			val.Content = append(val.Content, ck, cv)
		}
	case []any:
		val = &yaml.Node{Kind: yaml.SequenceNode}
		for i, item := range x {
			_, iv := node("", item, fmt.Sprintf("%s[%d]", path, i), comments)
			val.Content = append(val.Content, iv)
		}
		if len(x) == 0 || !isMapping(x[0]) {
			val.Style = yaml.FlowStyle
		}
	default:
		val = &yaml.Node{}
		if err := val.Encode(v); err != nil {
			val = &yaml.Node{Kind: yaml.ScalarNode, Value: fmt.Sprint(v)}
		}
		if val.Kind == yaml.SequenceNode {
			val.Style = yaml.FlowStyle
		}
	}
	if c, ok := comments[path]; ok {
		switch {
		case val.Kind == yaml.MappingNode || (val.Kind == yaml.SequenceNode && val.Style != yaml.FlowStyle):
			k.HeadComment = c
		case val.Kind == yaml.SequenceNode:
			// On the key of a flow list yaml.v3 writes it on the next line.
			val.LineComment = c
		default:
			k.LineComment = c
		}
	}
	return k, val
}

func isMapping(v any) bool {
	_, ok := v.(map[string]any)
	return ok
}

func rank(key string) string {
	switch key {
	case "name":
		return "\x00"
	case "match":
		return "\x01"
	}
	return key
}
