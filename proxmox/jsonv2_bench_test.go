package proxmox

import (
	"context"
	"net/url"
	"testing"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
	"github.com/rs/zerolog"
	"golang.org/x/sync/errgroup"

	"github.com/lxc-autoscale/lxc-autoscale/proxmox/internal/jsonscan"
	"github.com/lxc-autoscale/lxc-autoscale/test/pvesim"
)

// The listing decoder written with json v2 instead of the scanner, kept to
// measure the scanner against it (see the comment of jsonscan.Scanner):
// the same tolerance (numbers as strings, booleans as 0/1, odd values as 0),
// the same output.

type v2Num float64

func (n *v2Num) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	tok, err := dec.ReadToken()
	if err != nil {
		return err
	}
	switch tok.Kind() {
	case '0':
		*n = v2Num(tok.Float())
	case '"':
		f, _ := jsonscan.ParseNumber([]byte(tok.String()))
		*n = v2Num(f)
	case 't':
		*n = 1
	case '{', '[':
		*n = 0
		return dec.SkipValue()
	default:
		*n = 0
	}
	return nil
}

type v2Text string

func (t *v2Text) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	tok, err := dec.ReadToken()
	if err != nil {
		return err
	}
	switch tok.Kind() {
	case '"', '0':
		*t = v2Text(tok.String())
	case 't':
		*t = "1"
	case 'f':
		*t = "0"
	case '{', '[':
		*t = ""
		return dec.SkipValue()
	default:
		*t = ""
	}
	return nil
}

type v2Container struct {
	VMID               v2Num  `json:"vmid"`
	Name               v2Text `json:"name"`
	Status             v2Text `json:"status"`
	Template           v2Num  `json:"template"`
	Lock               v2Text `json:"lock"`
	Tags               v2Text `json:"tags"`
	CPUs               v2Num  `json:"cpus"`
	CPU                v2Num  `json:"cpu"`
	Mem                v2Num  `json:"mem"`
	MaxMem             v2Num  `json:"maxmem"`
	Swap               v2Num  `json:"swap"`
	MaxSwap            v2Num  `json:"maxswap"`
	Disk               v2Num  `json:"disk"`
	MaxDisk            v2Num  `json:"maxdisk"`
	NetIn              v2Num  `json:"netin"`
	NetOut             v2Num  `json:"netout"`
	DiskRead           v2Num  `json:"diskread"`
	DiskWrite          v2Num  `json:"diskwrite"`
	Uptime             v2Num  `json:"uptime"`
	PressureCPUSome    *v2Num `json:"pressurecpusome"`
	PressureCPUFull    *v2Num `json:"pressurecpufull"`
	PressureIOSome     *v2Num `json:"pressureiosome"`
	PressureIOFull     *v2Num `json:"pressureiofull"`
	PressureMemorySome *v2Num `json:"pressurememorysome"`
	PressureMemoryFull *v2Num `json:"pressurememoryfull"`
}

func decodeContainersJSONv2(body []byte, node string) ([]Container, error) {
	var env struct {
		Data []v2Container `json:"data"`
	}
	// PVE's member names are lower case: exact matching, v2's default
	if err := jsonv2.Unmarshal(body, &env); err != nil {
		return nil, err
	}
	out := make([]Container, len(env.Data))
	for i, w := range env.Data {
		out[i] = Container{
			VMID: toInt(w.VMID), Node: node, Name: string(w.Name), Status: string(w.Status),
			Template: w.Template != 0, Lock: string(w.Lock), Tags: splitTags(string(w.Tags)),
			CPUs: float64(w.CPUs), CPU: float64(w.CPU),
			Mem: toUint(w.Mem), MaxMem: toUint(w.MaxMem), Swap: toUint(w.Swap), MaxSwap: toUint(w.MaxSwap),
			Disk: toUint(w.Disk), MaxDisk: toUint(w.MaxDisk),
			NetIn: toUint(w.NetIn), NetOut: toUint(w.NetOut), DiskRead: toUint(w.DiskRead), DiskWrite: toUint(w.DiskWrite),
			Uptime: seconds(w.Uptime),
		}
		if w.PressureCPUSome != nil {
			out[i].Pressure = &Pressure{
				CPUSome: orZero(w.PressureCPUSome), CPUFull: orZero(w.PressureCPUFull),
				IOSome: orZero(w.PressureIOSome), IOFull: orZero(w.PressureIOFull),
				MemorySome: orZero(w.PressureMemorySome), MemoryFull: orZero(w.PressureMemoryFull),
			}
		}
	}
	return out, nil
}

func orZero(n *v2Num) float64 {
	if n == nil {
		return 0
	}
	return float64(*n)
}

// TestDecodeContainersJSONv2Agrees keeps the comparison honest: the v2
// decoder reads the benchmark's body into the same containers.
func TestDecodeContainersJSONv2Agrees(t *testing.T) {
	body := simBody(t, "/nodes/{node}/lxc", "/nodes/pve1/lxc")
	want, err := decodeContainers(body, "pve1")
	if err != nil {
		t.Fatal(err)
	}
	got, err := decodeContainersJSONv2(body, "pve1")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) || len(want) == 0 {
		t.Fatalf("v2 decoded %d containers, scanner %d", len(got), len(want))
	}
	for i := range want {
		w, g := want[i], got[i]
		if (w.Pressure == nil) != (g.Pressure == nil) || w.Pressure != nil && *w.Pressure != *g.Pressure {
			t.Fatalf("container %d: v2 pressure %+v, scanner %+v", i, g.Pressure, w.Pressure)
		}
		w.Pressure, g.Pressure = nil, nil
		if w.Name != g.Name || w.VMID != g.VMID || w.Mem != g.Mem || w.MaxMem != g.MaxMem || w.CPUs != g.CPUs || w.Uptime != g.Uptime || w.Status != g.Status {
			t.Fatalf("container %d: v2 %+v, scanner %+v", i, g, w)
		}
	}
}

// BenchmarkDecodeContainersJSONv2 is BenchmarkDecodeContainers with json v2.
func BenchmarkDecodeContainersJSONv2(b *testing.B) {
	body := simBody(b, "/nodes/{node}/lxc", "/nodes/pve1/lxc")
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := decodeContainersJSONv2(body, "pve1"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkListClusterJSONv2 is BenchmarkListCluster with the listings
// decoded by json v2, over the same client path (decodeWith).
func BenchmarkListClusterJSONv2(b *testing.B) {
	_, c := newSimClient(b, pvesim.Options{Nodes: 32, Containers: 10000}, func(o *Options) { o.Logger = zerolog.Nop() })
	ctx := context.Background()
	list := func() (int, error) {
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
				r := get("/nodes/{node}/lxc", "/nodes/"+url.PathEscape(n.Name)+"/lxc")
				cs, err := decodeWith(c, gctx, r, func(b []byte) ([]Container, error) { return decodeContainersJSONv2(b, n.Name) })
				counts[i] = len(cs)
				return err
			})
		}
		err = g.Wait()
		total := 0
		for _, n := range counts {
			total += n
		}
		return total, err
	}
	if n, err := list(); err != nil || n != 10000 {
		b.Fatalf("list = %d, %v; want 10000 containers", n, err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := list(); err != nil {
			b.Fatal(err)
		}
	}
}
