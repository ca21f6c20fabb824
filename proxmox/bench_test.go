package proxmox

import (
	"context"
	"testing"

	"github.com/rs/zerolog"
	"golang.org/x/sync/errgroup"

	"github.com/lxc-autoscale/lxc-autoscale/test/pvesim"
)

// listCluster is one full listing as the controller does it every tick:
// GET /nodes, then GET /nodes/{n}/lxc for every online node, concurrently
// within the client's bound.
func listCluster(ctx context.Context, c *Client) (int, error) {
	nodes, err := c.Nodes(ctx)
	if err != nil {
		return 0, err
	}
	counts := make([]int, len(nodes))
	g, gctx := errgroup.WithContext(ctx)
	for i, n := range nodes {
		if !n.Online {
			continue
		}
		g.Go(func() error {
			cs, err := c.Containers(gctx, n.Name)
			counts[i] = len(cs)
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return 0, err
	}
	total := 0
	for _, n := range counts {
		total += n
	}
	return total, nil
}

// BenchmarkListCluster lists 10,000 containers on 32 nodes from pvesim over
// loopback. Target: under 100 ms per listing on one core (-cpu 1).
func BenchmarkListCluster(b *testing.B) {
	_, c := newSimClient(b, pvesim.Options{Nodes: 32, Containers: 10000}, func(o *Options) { o.Logger = zerolog.Nop() })
	ctx := context.Background()
	if n, err := listCluster(ctx, c); err != nil || n != 10000 {
		b.Fatalf("listCluster = %d, %v; want 10000 containers", n, err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := listCluster(ctx, c); err != nil {
			b.Fatal(err)
		}
	}
}

// simBody fetches one answer body from a 10,000-container pvesim, for
// benchmarks that isolate decoding from the simulator and HTTP.
func simBody(b testing.TB, route, path string) []byte {
	_, c := newSimClient(b, pvesim.Options{Nodes: 32, Containers: 10000}, func(o *Options) { o.Logger = zerolog.Nop() })
	ex, err := c.call(context.Background(), get(route, path))
	if err != nil {
		b.Fatal(err)
	}
	defer releaseBody(ex)
	return append([]byte(nil), ex.body.Bytes()...)
}

// BenchmarkDecodeContainers isolates the decoding of one node's listing
// (313 containers).
func BenchmarkDecodeContainers(b *testing.B) {
	body := simBody(b, "/nodes/{node}/lxc", "/nodes/pve1/lxc")
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := decodeContainers(body, "pve1"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecodeRRD isolates the decoding of one container's day of RRD
// rows (1440 on PVE 9), as the backfill reads it for every container.
func BenchmarkDecodeRRD(b *testing.B) {
	body := simBody(b, "/nodes/{node}/lxc/{vmid}/rrddata", "/nodes/pve1/lxc/100/rrddata?timeframe=day")
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if rows, err := decodeRRD(body); err != nil || len(rows) != 1440 {
			b.Fatalf("decodeRRD = %d rows, %v; want 1440", len(rows), err)
		}
	}
}
