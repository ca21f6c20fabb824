package proxmox

import (
	"context"
	"net/url"
	"slices"
)

// Permissions returns the privileges the client's own credentials hold on
// path ("/vms", "/storage", "/nodes/pve1"), as PVE computes them: inherited
// from the paths above and, for a token with privilege separation, limited
// to its user's (GET /access/permissions?path=). Sorted; none is an empty
// list, not an error.
func (c *Client) Permissions(ctx context.Context, path string) ([]string, error) {
	r := get("/access/permissions", "/access/permissions?path="+url.QueryEscape(path))
	return decodeWith(c, ctx, r, func(b []byte) ([]string, error) {
		var tree map[string]map[string]int
		if _, err := decodeData(b, &tree); err != nil {
			return nil, err
		}
		var out []string
		for priv := range tree[path] {
			out = append(out, priv)
		}
		slices.Sort(out)
		return out, nil
	})
}
