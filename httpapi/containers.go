package httpapi

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/lxc-autoscale/lxc-autoscale/controller"
	"github.com/lxc-autoscale/lxc-autoscale/controller/manual"
)

// GET /api/v1/containers, from the loop's snapshot (encoded once per
// pass) or the live listing, and GET /api/v1/containers/{vmid}, live.

// v1Allocation is what a container is given. SwapMB is absent when the
// source does not report it (the live cluster listing).
type v1Allocation struct {
	Cores     int    `json:"cores"`
	MemoryMB  int    `json:"memory_mb"`
	SwapMB    *int   `json:"swap_mb,omitempty"`
	DiskBytes uint64 `json:"disk_bytes"`
}

// v1Usage is what a container uses: CPU as a fraction of its allocated
// cores, memory and root filesystem in bytes and as fractions of their
// limits (absent when the limit is unknown).
type v1Usage struct {
	CPU            float64  `json:"cpu"`
	MemoryBytes    uint64   `json:"memory_bytes"`
	MemoryFraction *float64 `json:"memory_fraction,omitempty"`
	DiskBytes      uint64   `json:"disk_bytes"`
	DiskFraction   *float64 `json:"disk_fraction,omitempty"`
}

// v1Container is one container as the API shows it.
type v1Container struct {
	VMID           int               `json:"vmid"`
	Node           string            `json:"node"`
	Name           string            `json:"name"`
	Status         string            `json:"status"`
	Lock           string            `json:"lock"`
	Paused         bool              `json:"paused"`
	Allocation     v1Allocation      `json:"allocation"`
	Usage          v1Usage           `json:"usage"`
	AnomalyScore   *float64          `json:"anomaly_score"` // null without a model
	Anomalous      bool              `json:"anomalous"`
	Samples        int               `json:"samples"`
	Decision       *v1Decision       `json:"decision"`
	Recommendation *v1Recommendation `json:"recommendation"`
	// Recommender is what the usage histograms recommend under the
	// container's policy profile; null while there is no history.
	Recommender *v1Recommender `json:"recommender"`
}

// v1Bounds is a recommendation of one resource in its unit: the target
// and the bounds (widened while the history is short).
type v1Bounds struct {
	Target int64 `json:"target"`
	Lower  int64 `json:"lower"`
	Upper  int64 `json:"upper"`
}

// v1Recommender is the recommender's view of a container: cores, memory
// in MiB, and the days of history they rest on.
type v1Recommender struct {
	Days     float64  `json:"history_days"`
	Cores    v1Bounds `json:"cores"`
	MemoryMB v1Bounds `json:"memory_mb"`
}

func newV1Recommender(r [2]controller.Recommendation) *v1Recommender {
	if !(r[0].Days > 0) {
		return nil
	}
	b := func(x controller.Recommendation) v1Bounds {
		return v1Bounds{Target: x.Target, Lower: x.Lower, Upper: x.Upper}
	}
	return &v1Recommender{Days: math.Round(r[0].Days*100) / 100, Cores: b(r[0]), MemoryMB: b(r[1])}
}

// v1ContainerList is GET /containers: Source says where it comes from,
// "snapshot" (the loop's latest pass, at Time) or "live" (the cluster
// listing, without a loop in this process).
type v1ContainerList struct {
	Source     string        `json:"source"`
	Time       time.Time     `json:"time"`
	Containers []v1Container `json:"containers"`
}

func newV1ContainerFromView(v controller.ContainerView) v1Container {
	swap := v.Alloc.SwapMiB
	memLimit := uint64(v.Alloc.MemoryMiB) << 20
	out := v1Container{
		VMID: v.VMID, Node: v.Node, Name: v.Name, Status: v.Status, Lock: v.Lock, Paused: v.Paused,
		Allocation: v1Allocation{Cores: v.Alloc.Cores, MemoryMB: v.Alloc.MemoryMiB, SwapMB: &swap, DiskBytes: v.Alloc.DiskBytes},
		Usage: v1Usage{
			CPU: v.CPUUtilisation, MemoryBytes: v.MemoryUsed, MemoryFraction: v1Fraction(v.MemoryUsed, memLimit),
			DiskBytes: v.DiskUsed, DiskFraction: v1Fraction(v.DiskUsed, v.Alloc.DiskBytes),
		},
		AnomalyScore: v1Finite(v.Score), Anomalous: v.Anomalous, Samples: v.Samples,
	}
	if v1Finite(v.CPUUtilisation) == nil {
		// No sample yet; JSON has no NaN, and encoding would fail.
		out.Usage.CPU = 0
	}
	out.Decision, out.Recommendation = newV1Decision(v.Decision)
	out.Recommender = newV1Recommender(v.Recommended)
	return out
}

func newV1ContainerFromSummary(ct manual.ContainerSummary) v1Container {
	return v1Container{
		VMID: ct.VMID, Node: ct.Node, Name: ct.Name, Status: ct.Status, Lock: ct.Lock,
		Allocation: v1Allocation{Cores: int(math.Ceil(ct.CPUs)), MemoryMB: int(ct.MaxMem >> 20), DiskBytes: ct.MaxDisk},
		Usage: v1Usage{
			CPU: ct.CPU, MemoryBytes: ct.Mem, MemoryFraction: v1Fraction(ct.Mem, ct.MaxMem),
			DiskBytes: ct.Disk, DiskFraction: v1Fraction(ct.Disk, ct.MaxDisk),
		},
	}
}

// v1ListingCache holds the encoded listing of the latest snapshot: the
// snapshot changes once per pass while the listing may be asked for many
// times a second (the status of 1,000 containers is about 450 KB of JSON,
// a few milliseconds to encode).
type v1ListingCache struct {
	latest atomic.Pointer[v1EncodedListing]
	mu     sync.Mutex // one encoding at a time, so a new pass is encoded once
}

// v1EncodedListing is the listing of one snapshot, identified by its time
// and its container slice (each pass publishes a new one).
type v1EncodedListing struct {
	time  time.Time
	first *controller.ContainerView
	n     int
	body  []byte
}

func (e *v1EncodedListing) of(snap controller.Snapshot) bool {
	if e == nil || !e.time.Equal(snap.Time) || e.n != len(snap.Containers) {
		return false
	}
	return e.n == 0 || e.first == &snap.Containers[0]
}

// get returns the encoded listing of snap, encoding it on the first ask.
func (l *v1ListingCache) get(snap controller.Snapshot) ([]byte, error) {
	if e := l.latest.Load(); e.of(snap) {
		return e.body, nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if e := l.latest.Load(); e.of(snap) {
		return e.body, nil
	}
	out := v1ContainerList{Source: "snapshot", Time: snap.Time.UTC(), Containers: make([]v1Container, len(snap.Containers))}
	for i, v := range snap.Containers {
		out.Containers[i] = newV1ContainerFromView(v)
	}
	body, err := json.Marshal(out)
	if err != nil {
		return nil, fmt.Errorf("encode the container listing: %w", err)
	}
	e := &v1EncodedListing{time: snap.Time, n: len(snap.Containers), body: append(body, '\n')}
	if e.n > 0 {
		e.first = &snap.Containers[0]
	}
	l.latest.Store(e)
	return e.body, nil
}

func (s *Server) v1ListContainers(c echo.Context, listing *v1ListingCache) error {
	if s.opts.Snapshots != nil {
		body, err := listing.get(s.opts.Snapshots.Snapshot())
		if err != nil {
			return err
		}
		return c.Blob(http.StatusOK, echo.MIMEApplicationJSON, body)
	}
	ctx, cancel := s.v1Ctx(c)
	defer cancel()
	cts, err := s.opts.Operations.Containers(ctx)
	if err != nil {
		return v1Failure(err, "")
	}
	out := v1ContainerList{Source: "live", Time: s.now().UTC(), Containers: make([]v1Container, len(cts))}
	for i, ct := range cts {
		out.Containers[i] = newV1ContainerFromSummary(ct)
	}
	return c.JSON(http.StatusOK, out)
}

// v1Volume is a disk of a container's config.
type v1Volume struct {
	Storage   string `json:"storage"`
	Volume    string `json:"volume"`
	SizeBytes uint64 `json:"size_bytes"`
}

type v1Config struct {
	Digest      string              `json:"digest"`
	Hostname    string              `json:"hostname"`
	Cores       int                 `json:"cores"` // 0: unset (every host CPU)
	CPULimit    float64             `json:"cpulimit"`
	MemoryMB    int                 `json:"memory_mb"`
	SwapMB      int                 `json:"swap_mb"`
	Protection  bool                `json:"protection"`
	Tags        []string            `json:"tags"`
	RootFS      v1Volume            `json:"rootfs"`
	MountPoints map[string]v1Volume `json:"mountpoints"`
}

type v1LiveStatus struct {
	Status        string  `json:"status"`
	CPUs          float64 `json:"cpus"`
	CPU           float64 `json:"cpu"`
	MemoryBytes   uint64  `json:"memory_bytes"`
	MaxMemory     uint64  `json:"max_memory_bytes"`
	SwapBytes     uint64  `json:"swap_bytes"`
	MaxSwap       uint64  `json:"max_swap_bytes"`
	DiskBytes     uint64  `json:"disk_bytes"`
	MaxDisk       uint64  `json:"max_disk_bytes"`
	UptimeSeconds int64   `json:"uptime_seconds"`
}

// v1ContainerDetail is GET /containers/{vmid}: the live state read from
// Proxmox now, and Controller, the loop's view of it at its latest pass
// (null without a loop, or when the loop does not track it).
type v1ContainerDetail struct {
	VMID       int          `json:"vmid"`
	Node       string       `json:"node"`
	Name       string       `json:"name"`
	Lock       string       `json:"lock"`
	Template   bool         `json:"template"`
	Live       v1LiveStatus `json:"live"`
	Config     v1Config     `json:"config"`
	Snapshots  []v1Snapshot `json:"snapshots"`
	Controller *v1Container `json:"controller"`
}

func (s *Server) v1GetContainer(c echo.Context) error {
	vmid, d, err := v1ReadContainer(s, c, s.opts.Operations.Container)
	if err != nil {
		return err
	}
	st, cfg := d.Status, d.Config
	out := v1ContainerDetail{
		VMID: vmid, Node: d.Ref.Node, Name: st.Name, Lock: cfg.Lock, Template: st.Template,
		Live: v1LiveStatus{
			Status: st.Status, CPUs: st.CPUs, CPU: st.CPU, MemoryBytes: st.Mem, MaxMemory: st.MaxMem,
			SwapBytes: st.Swap, MaxSwap: st.MaxSwap, DiskBytes: st.Disk, MaxDisk: st.MaxDisk,
			UptimeSeconds: int64(st.Uptime / time.Second),
		},
		Config: v1Config{
			Digest: cfg.Digest, Hostname: cfg.Hostname, Cores: cfg.Cores, CPULimit: cfg.CPULimit,
			MemoryMB: cfg.MemoryMiB, SwapMB: cfg.SwapMiB, Protection: cfg.Protection, Tags: cfg.Tags,
			RootFS:      v1Volume{Storage: cfg.RootFS.Storage, Volume: cfg.RootFS.Volume, SizeBytes: cfg.RootFS.SizeBytes},
			MountPoints: make(map[string]v1Volume, len(cfg.MountPoints)),
		},
		Snapshots: newV1Snapshots(d.Snapshots),
	}
	if out.Name == "" {
		out.Name = cfg.Hostname
	}
	if out.Config.Tags == nil {
		out.Config.Tags = []string{}
	}
	for name, v := range cfg.MountPoints {
		out.Config.MountPoints[name] = v1Volume{Storage: v.Storage, Volume: v.Volume, SizeBytes: v.SizeBytes}
	}
	if s.opts.Snapshots != nil {
		snap := s.opts.Snapshots.Snapshot()
		i := sort.Search(len(snap.Containers), func(i int) bool { return snap.Containers[i].VMID >= vmid })
		if i < len(snap.Containers) && snap.Containers[i].VMID == vmid {
			view := newV1ContainerFromView(snap.Containers[i])
			out.Controller = &view
		}
	}
	if cfg.Digest != "" {
		c.Response().Header().Set("ETag", strconv.Quote(cfg.Digest))
	}
	return c.JSON(http.StatusOK, out)
}
