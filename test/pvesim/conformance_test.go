package pvesim

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/lxc-autoscale/lxc-autoscale/test/pvesim/internal/schema"
)

// schemaNode is one node of PVE's apidoc tree (pve-docs api-viewer/apidata.js).
type schemaNode struct {
	Path     string                  `json:"path"`
	Info     map[string]schemaMethod `json:"info"`
	Children []schemaNode            `json:"children"`
}

type schemaMethod struct {
	ProxyTo    string `json:"proxyto"`
	AllowToken *int   `json:"allowtoken"`
	Parameters struct {
		Properties map[string]schemaParam `json:"properties"`
	} `json:"parameters"`
}

type schemaParam struct {
	Type      string   `json:"type"`
	Optional  any      `json:"optional"`
	Minimum   any      `json:"minimum"`
	Maximum   any      `json:"maximum"`
	Enum      []string `json:"enum"`
	Pattern   string   `json:"pattern"`
	MaxLength any      `json:"maxLength"`
}

// loadSchema reads the file named by PVE_APIDOC; a relative path is taken
// from the repository root, as CI passes ../shared/pve-apidoc.json.
func loadSchema(t *testing.T) map[string]schemaNode {
	t.Helper()
	p := os.Getenv("PVE_APIDOC")
	if p == "" {
		t.Skip("PVE_APIDOC is not set: point it at pve-apidoc.json (CI uses ../shared/pve-apidoc.json) to run the schema conformance test")
	}
	if !filepath.IsAbs(p) {
		root, err := repoRoot()
		if err != nil {
			t.Fatal(err)
		}
		p = filepath.Join(root, p)
	}
	raw, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("read PVE_APIDOC: %v", err)
	}
	var tree []schemaNode
	if err := json.Unmarshal(raw, &tree); err != nil {
		t.Fatalf("decode %s: %v", p, err)
	}
	index := map[string]schemaNode{}
	var walk func(n schemaNode)
	walk = func(n schemaNode) {
		index[n.Path] = n
		for _, c := range n.Children {
			walk(c)
		}
	}
	for _, n := range tree {
		walk(n)
	}
	return index
}

func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no go.mod above the test directory")
		}
		dir = parent
	}
}

func schemaNumber(v any) (*float64, error) {
	switch v := v.(type) {
	case nil:
		return nil, nil
	case float64:
		return &v, nil
	case string:
		f, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return nil, err
		}
		return &f, nil
	}
	return nil, fmt.Errorf("unexpected %T", v)
}

func truthy(v any) bool {
	switch v := v.(type) {
	case float64:
		return v != 0
	case string:
		return v == "1"
	case bool:
		return v
	}
	return false
}

func floatPtrString(f *float64) string {
	if f == nil {
		return "none"
	}
	return strconv.FormatFloat(*f, 'f', -1, 64)
}

func TestRoutesConformToSchema(t *testing.T) {
	schema := loadSchema(t)
	for _, rt := range routes {
		t.Run(rt.method+" "+rt.template, func(t *testing.T) {
			node, found := schema[rt.template]
			if !found {
				t.Fatalf("path %s is not in the PVE schema", rt.template)
			}
			m, found := node.Info[rt.method]
			if !found {
				t.Fatalf("method %s %s is not in the PVE schema", rt.method, rt.template)
			}
			if got, want := rt.proxied, m.ProxyTo == "node"; got != want {
				t.Errorf("proxied = %v, schema proxyto = %q", got, m.ProxyTo)
			}
			if got, want := rt.noToken, m.AllowToken != nil && *m.AllowToken == 0; got != want {
				t.Errorf("noToken = %v, schema allowtoken = %v", got, m.AllowToken)
			}
			props := m.Parameters.Properties
			for name, spec := range rt.specs {
				sp, found := props[name]
				if !found {
					t.Errorf("parameter %q is not in the schema", name)
					continue
				}
				compareSpec(t, name, spec, sp)
			}
			for name := range props {
				if _, known := rt.specs[name]; !known {
					t.Errorf("schema parameter %q is neither simulated nor listed as unsupported", name)
				}
			}
		})
	}
}

func compareSpec(t *testing.T, name string, spec schema.Spec, sp schemaParam) {
	t.Helper()
	if spec.Unsupported {
		// Listed, not specified: it only has to exist in the schema and be optional there.
		if !truthy(sp.Optional) {
			t.Errorf("%s: a required parameter cannot be unsupported", name)
		}
		return
	}
	if spec.Type != sp.Type {
		t.Errorf("%s: type %q, schema %q", name, spec.Type, sp.Type)
	}
	if spec.Optional != truthy(sp.Optional) {
		t.Errorf("%s: optional %v, schema %v", name, spec.Optional, sp.Optional)
	}
	for _, c := range []struct {
		what   string
		ours   *float64
		schema any
	}{{"minimum", spec.Min, sp.Minimum}, {"maximum", spec.Max, sp.Maximum}} {
		want, err := schemaNumber(c.schema)
		if err != nil {
			t.Errorf("%s: schema %s %v: %v", name, c.what, c.schema, err)
			continue
		}
		if floatPtrString(c.ours) != floatPtrString(want) {
			t.Errorf("%s: %s %s, schema %s", name, c.what, floatPtrString(c.ours), floatPtrString(want))
		}
	}
	if !slices.Equal(spec.Enum, sp.Enum) {
		t.Errorf("%s: enum %v, schema %v", name, spec.Enum, sp.Enum)
	}
	if spec.Pattern != sp.Pattern {
		t.Errorf("%s: pattern %q, schema %q", name, spec.Pattern, sp.Pattern)
	}
	maxLen, err := schemaNumber(sp.MaxLength)
	if err != nil {
		t.Errorf("%s: schema maxLength: %v", name, err)
	} else if wantLen := 0; maxLen != nil && int(*maxLen) != spec.MaxLength || maxLen == nil && spec.MaxLength != wantLen {
		t.Errorf("%s: maxLength %d, schema %v", name, spec.MaxLength, sp.MaxLength)
	}
}

// TestUnsupportedParametersAreRejected sends every schema parameter pvesim
// lists as unsupported and expects PVE-shaped 400s naming it.
func TestUnsupportedParametersAreRejected(t *testing.T) {
	sim, err := New(Options{Nodes: 1, Containers: 1, Tokens: []string{"root@pam!t=s"}})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sim)
	defer srv.Close()
	fill := strings.NewReplacer("{node}", "pve1", "{vmid}", "100", "{snapname}", "snap1",
		"{upid}", "UPID:pve1:00001234:00000001:65A1B2C3:vzstart:100:root@pam:")
	checked := 0
	for _, rt := range routes {
		for name, spec := range rt.specs {
			if !spec.Unsupported {
				continue
			}
			param := strings.Replace(name, "[n]", "0", 1)
			u := srv.URL + "/api2/json" + fill.Replace(rt.template)
			v := url.Values{param: {"1"}}
			var body *strings.Reader
			if rt.method == http.MethodGet || rt.method == http.MethodDelete {
				u += "?" + v.Encode()
				body = strings.NewReader("")
			} else {
				body = strings.NewReader(v.Encode())
			}
			r, _ := http.NewRequest(rt.method, u, body)
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			if !rt.noAuth {
				r.Header.Set("Authorization", "PVEAPIToken=root@pam!t=s")
			}
			resp, err := srv.Client().Do(r)
			if err != nil {
				t.Fatal(err)
			}
			var env struct {
				Errors map[string]string `json:"errors"`
			}
			_ = json.NewDecoder(resp.Body).Decode(&env)
			resp.Body.Close()
			if resp.StatusCode != http.StatusBadRequest || env.Errors[param] != schema.UnsupportedMessage {
				t.Errorf("%s %s with %s: %s %v, want 400 naming it unsupported", rt.method, rt.template, param, resp.Status, env.Errors)
			}
			checked++
		}
	}
	if checked == 0 {
		t.Fatal("no unsupported parameters were checked")
	}
}
