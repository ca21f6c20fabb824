package importer

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/lxc-autoscale/lxc-autoscale/config"
)

// Result is an imported configuration.
type Result struct {
	// YAML is the whole lxc-autoscale configuration, with comments.
	YAML []byte
	// Summary is what was read, mapped and left out, and what to do next,
	// a line each, for the operator (stderr).
	Summary []string
	// Files are the original files read; Mapped and Skipped count their
	// keys that were and were not imported.
	Files           []string
	Mapped, Skipped int
}

// ErrNoFiles is returned when the directory holds none of the files
// Import knows.
var ErrNoFiles = errors.New("none of lxc_autoscale_ml.yaml, lxc_autoscale_api.yaml, lxc_monitor.yaml, lxc_autoscale.yaml found")

// source is one key of an original file.
type source struct {
	file, key string
	value     any
}

func (s source) String() string {
	if isSecretKey(s.key) {
		return fmt.Sprintf("%s %s (value not copied)", s.file, s.key)
	}
	return fmt.Sprintf("%s %s: %s", s.file, s.key, flat(s.value))
}

// flat writes a value of an original file on one line.
func flat(v any) string {
	if s, ok := v.(string); ok {
		return fmt.Sprintf("%q", s)
	}
	n := &yaml.Node{}
	if err := n.Encode(v); err != nil {
		return fmt.Sprint(v)
	}
	n.Style = yaml.FlowStyle // a list or a mapping on one line
	b, err := yaml.Marshal(n)
	if err != nil {
		return fmt.Sprint(v)
	}
	return strings.TrimSpace(string(b))
}

var secretKey = regexp.MustCompile(`(?i)(key|token|secret|password|passwd|webhook)`)

// isSecretKey reports whether a key of an original file holds a credential
// (api_keys, token_value, ssh_password, an Uptime Kuma push URL): such a
// value is never written anywhere.
func isSecretKey(key string) bool {
	// A token's name or ID says which token, not how to use it.
	key = strings.NewReplacer("token_name", "", "token_id", "").Replace(strings.ToLower(key))
	return secretKey.MatchString(key)
}

// skip is a key that is not imported, and why.
type skip struct {
	src source
	why string
}

// policy is a sibling tier: its own keys only; the rest comes from the
// scaling section, as in a hand-written policy.
type policy struct {
	name  string
	tier  string
	vmids []int
	keys  map[string]any    // relative to the rules: "cpu.max"
	from  map[string]source // where each came from
}

// state is one import in progress.
type state struct {
	out      map[string]any    // dotted lxc-autoscale key -> value as written
	from     map[string]source // dotted key -> where it came from
	skipped  []skip
	policies []*policy
	notes    []string
	secrets  bool // a credential was seen, and left out
}

func (st *state) skip(src source, format string, args ...any) {
	st.skipped = append(st.skipped, skip{src: src, why: fmt.Sprintf(format, args...)})
	if isSecretKey(src.key) {
		st.secrets = true
	}
}

// set imports one value. A key another file already set to a different
// value keeps the first (files are read in a fixed order) and the second
// is listed as not imported, naming the first.
func (st *state) set(key string, value any, src source) {
	if prev, ok := st.from[key]; ok {
		if key == "scaling.ignore" {
			st.out[key] = union(st.out[key].([]int), value.([]int))
			return
		}
		if fmt.Sprint(st.out[key]) != fmt.Sprint(value) {
			st.skip(src, "conflicts with %s, which is kept as %s", prev, key)
		}
		return
	}
	st.out[key] = value
	st.from[key] = src
}

func union(a, b []int) []int {
	out := slices.Clone(a)
	for _, v := range b {
		if !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	slices.Sort(out)
	return out
}

// leaf is a key of an original file with its value; lists are leaves.
type leaf struct {
	key   string
	value any
}

// leaves flattens a YAML mapping into its keys in file order, "a.b" for b
// in a.
func leaves(n *yaml.Node, prefix string, out []leaf) ([]leaf, error) {
	if n.Kind == yaml.DocumentNode {
		if len(n.Content) == 0 {
			return out, nil
		}
		n = n.Content[0]
	}
	if n.Kind != yaml.MappingNode {
		if prefix == "" {
			return nil, errors.New("not a YAML mapping")
		}
		var v any
		if err := n.Decode(&v); err != nil {
			return nil, err
		}
		return append(out, leaf{prefix, v}), nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		key := n.Content[i].Value
		if prefix != "" {
			key = prefix + "." + key
		}
		var err error
		if out, err = leaves(n.Content[i+1], key, out); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// Import reads the original files present in fsys (its root) and returns
// the configuration they make. A file that is not YAML is an error naming
// it; no file at all is ErrNoFiles.
func Import(fsys fs.FS) (*Result, error) {
	st := &state{out: make(map[string]any), from: make(map[string]source)}
	res := &Result{}
	for _, f := range readers {
		data, err := fs.ReadFile(fsys, f.name)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, err
		}
		var doc yaml.Node
		if err := yaml.Unmarshal(data, &doc); err != nil {
			return nil, fmt.Errorf("%s: %w", f.name, err)
		}
		keys, err := leaves(&doc, "", nil)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f.name, err)
		}
		skipped := len(st.skipped)
		f.read(st, f.name, keys)
		skipped = len(st.skipped) - skipped
		res.Files = append(res.Files, f.name)
		res.Mapped += len(keys) - skipped
		res.Summary = append(res.Summary, fmt.Sprintf("read %s: %d keys, %d imported, %d not imported (comments at the end of the output)",
			f.name, len(keys), len(keys)-skipped, skipped))
	}
	if len(res.Files) == 0 {
		return nil, ErrNoFiles
	}
	st.fix()
	out, err := st.render(res.Files)
	if err != nil {
		return nil, err
	}
	_, endpoints := st.out["proxmox.endpoints"]
	_, tokenID := st.out["proxmox.token_id"]
	if err := validate(out, endpoints, tokenID); err != nil {
		// A mapping that makes a configuration check-config refuses is a
		// bug of the importer, not of the input: say so.
		return nil, fmt.Errorf("the imported configuration does not validate (please report it): %w", err)
	}
	res.YAML, res.Skipped = out, len(st.skipped)
	res.Summary = append(res.Summary, st.summary()...)
	return res, nil
}

func (st *state) summary() []string {
	var lines []string
	for _, p := range st.policies {
		lines = append(lines, fmt.Sprintf("TIER_%s became scaling.policies %q matching vmids %v", p.tier, p.name, p.vmids))
	}
	lines = append(lines, st.notes...)
	if st.secrets {
		lines = append(lines, "API keys, tokens and passwords were not copied: for the REST API make a token with `lxc-autoscale token` and put its sha256 in api.tokens")
	}
	lines = append(lines,
		"scaling.mode is dry-run: nothing is resized until you set it to enforce",
		"next: create a Proxmox VE API token (README: Connecting to a real cluster), set proxmox.endpoints, proxmox.token_id and the secret (token_secret_file or LXCA_PROXMOX_TOKEN_SECRET), then run lxc-autoscale check-config --config FILE")
	return lines
}

// validate loads an imported configuration as check-config would once the
// operator has added what the originals could not say: the Proxmox
// credentials (and an endpoint, when none was imported).
func validate(yaml []byte, endpoints, tokenID bool) error {
	dir, err := os.MkdirTemp("", "lxc-autoscale-import-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	file := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(file, yaml, 0o600); err != nil {
		return err
	}
	// What was imported must validate itself; only what is missing is
	// given.
	environ := []string{"LXCA_PROXMOX_TOKEN_SECRET=check"}
	if !tokenID {
		environ = append(environ, "LXCA_PROXMOX_TOKEN_ID=import@pve!check")
	}
	if !endpoints {
		environ = append(environ, "LXCA_PROXMOX_ENDPOINTS=https://pve.invalid:8006")
	}
	_, err = config.Load(config.LoadOptions{File: file, Environ: environ})
	return err
}
