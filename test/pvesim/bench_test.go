package pvesim_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/lxc-autoscale/lxc-autoscale/test/pvesim"
)

// BenchmarkListContainers lists 10,000 containers on 32 nodes with one
// GET /nodes/{node}/lxc per node over a real loopback server; one op is a
// full listing. "fresh" moves the clock one pvestatd cycle per op, so every
// container's usage is recomputed; "cached" stays within one cycle.
func BenchmarkListContainers(b *testing.B) {
	sim, err := pvesim.New(pvesim.Options{Nodes: 32, Containers: 10000, Seed: 1, Start: testStart, Tokens: []string{testToken}})
	if err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(sim)
	defer srv.Close()
	defer sim.Close()
	client := srv.Client()
	nodes := sim.NodeNames()
	list := func(b *testing.B) int {
		total := 0
		for _, n := range nodes {
			r, _ := http.NewRequest(http.MethodGet, srv.URL+"/api2/json/nodes/"+n+"/lxc", nil)
			r.Header.Set("Authorization", "PVEAPIToken="+testToken)
			resp, err := client.Do(r)
			if err != nil {
				b.Fatal(err)
			}
			nb, err := io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if err != nil || resp.StatusCode != http.StatusOK {
				b.Fatalf("%s: %s %v", n, resp.Status, err)
			}
			total += int(nb)
		}
		return total
	}
	for _, mode := range []string{"fresh", "cached"} {
		b.Run(mode, func(b *testing.B) {
			b.ReportAllocs()
			var bytes int
			for b.Loop() {
				if mode == "fresh" {
					sim.Clock().Advance(10 * time.Second)
				}
				bytes = list(b)
			}
			b.SetBytes(int64(bytes))
		})
	}
}
