package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"mime"
	"net/http"
	"net/url"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/lxc-autoscale/lxc-autoscale/controller"
	"github.com/lxc-autoscale/lxc-autoscale/controller/manual"
)

// The versioned API under /api/v1. Containers are addressed by VMID alone;
// Operations resolves the node. Handlers never call Proxmox themselves:
// reads come from the loop's snapshot (or, without a loop, from Operations'
// live reads) and writes go through Operations, which audits them.
//
// Input is strict: a write's body is one JSON object sent as
// application/json (anything else is 415, so a form post can never act),
// unknown fields are refused, and every field is checked before anything
// is sent, with one 400 naming every bad field and what is allowed.

// v1Prefix is where the versioned API lives.
const v1Prefix = "/api/v1"

// Bounds of the API's own inputs; the rest are controller's.
const (
	// maxGrowGiB is controller.MaxGrowBytes in GiB (16 TiB).
	maxGrowGiB = controller.MaxGrowBytes >> 30
	// maxDescriptionLen bounds a snapshot description (PVE keeps it in
	// the container's config, which is small).
	maxDescriptionLen = 8192
	// maxTaskWait is the longest ?wait= a task query may ask for.
	maxTaskWait = time.Minute
	// maxTaskIDLen bounds a task id (a UPID is about 80 characters).
	maxTaskIDLen = 512
	// Audit entries a query may ask for, and how many it gets by default.
	maxAuditLimit     = 1000
	defaultAuditLimit = 100
)

var (
	// A config digest as PVE writes it (hex).
	v1DigestRe = regexp.MustCompile(`^[0-9a-fA-F]{1,128}$`)
)

// v1Route is one route of the versioned API, with the scope it needs. The
// table is the single list the router, the OpenAPI test and the scope
// matrix test agree on.
type v1Route struct {
	method string
	path   string // echo's template under v1Prefix, e.g. /containers/:vmid
	scope  Scope
	handle echo.HandlerFunc
}

func (s *Server) v1RouteTable() []v1Route {
	listing := &v1ListingCache{}
	return []v1Route{
		{http.MethodGet, "/containers", ScopeRead, func(c echo.Context) error { return s.v1ListContainers(c, listing) }},
		{http.MethodGet, "/containers/:vmid", ScopeRead, s.v1GetContainer},
		{http.MethodDelete, "/containers/:vmid", ScopeAdmin, s.v1DeleteContainer},
		{http.MethodPut, "/containers/:vmid/resources", ScopeOperate, s.v1SetResources},
		{http.MethodPost, "/containers/:vmid/disks/:disk/grow", ScopeOperate, s.v1GrowDisk},
		{http.MethodGet, "/containers/:vmid/snapshots", ScopeRead, s.v1ListSnapshots},
		{http.MethodPost, "/containers/:vmid/snapshots", ScopeOperate, s.v1CreateSnapshot},
		{http.MethodPost, "/containers/:vmid/snapshots/:name/rollback", ScopeAdmin, s.v1RollbackSnapshot},
		{http.MethodDelete, "/containers/:vmid/snapshots/:name", ScopeOperate, s.v1DeleteSnapshot},
		{http.MethodPost, "/containers/:vmid/clone", ScopeAdmin, s.v1Clone},
		{http.MethodPost, "/containers/:vmid/pause", ScopeOperate, s.v1Pause},
		{http.MethodPost, "/containers/:vmid/resume", ScopeOperate, s.v1Resume},
		{http.MethodGet, "/nodes", ScopeRead, s.v1ListNodes},
		{http.MethodGet, "/decisions", ScopeRead, s.v1Decisions},
		{http.MethodGet, "/audit", ScopeRead, s.v1Audit},
		{http.MethodGet, "/tasks/:id", ScopeRead, s.v1GetTask},
		// The document needs a token like every other route: it says
		// nothing secret, but one rule (health alone is public) is easier
		// to reason about than a list of exceptions.
		{http.MethodGet, "/openapi.json", ScopeRead, s.v1OpenAPI},
	}
}

func (s *Server) v1Routes() {
	for _, r := range s.v1RouteTable() {
		s.echo.Add(r.method, v1Prefix+r.path, r.handle, s.require(r.scope))
	}
}

// ctx bounds a handler's work by the request timeout.
func (s *Server) v1Ctx(c echo.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(c.Request().Context(), s.opts.RequestTimeout)
}

// ---- Responses: snake_case, base units unless the name says otherwise.

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

type v1Change struct {
	Resource  string `json:"resource"`
	Unit      string `json:"unit"`
	Direction string `json:"direction"`
	From      int64  `json:"from"`
	To        int64  `json:"to"`
	Reason    string `json:"reason"`
}

type v1Hold struct {
	Resource string `json:"resource"`
	Reason   string `json:"reason"`
	Detail   string `json:"detail,omitempty"`
}

// v1Decision is what the loop decided for a container at its latest pass.
type v1Decision struct {
	Source  string     `json:"source"` // "controller" or "api:<token name>"
	Policy  string     `json:"policy"` // "" for the default rules
	Mode    string     `json:"mode"`
	Score   *float64   `json:"anomaly_score"`
	Changes []v1Change `json:"changes"`
	Holds   []v1Hold   `json:"holds"`
}

// v1Recommendation is the target of each resource the latest decision
// changes (or, in recommend and dry-run modes, would change).
type v1Recommendation struct {
	Cores     *int64 `json:"cores,omitempty"`
	MemoryMB  *int64 `json:"memory_mb,omitempty"`
	SwapMB    *int64 `json:"swap_mb,omitempty"`
	DiskBytes *int64 `json:"disk_bytes,omitempty"`
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
}

// v1ContainerList is GET /containers: Source says where it comes from,
// "snapshot" (the loop's latest pass, at Time) or "live" (the cluster
// listing, without a loop in this process).
type v1ContainerList struct {
	Source     string        `json:"source"`
	Time       time.Time     `json:"time"`
	Containers []v1Container `json:"containers"`
}

// v1Finite returns a pointer to f, or nil for NaN and infinities (which JSON
// cannot carry).
func v1Finite(f float64) *float64 {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return nil
	}
	return &f
}

func v1Fraction(used, limit uint64) *float64 {
	if limit == 0 {
		return nil
	}
	return v1Finite(float64(used) / float64(limit))
}

// v1ResourceUnit is the unit of a resource's Change values.
func v1ResourceUnit(r controller.Resource) string {
	switch r {
	case controller.ResourceCores:
		return "cores"
	case controller.ResourceMemory, controller.ResourceSwap:
		return "MiB"
	}
	return "bytes"
}

func newV1Decision(d *controller.Decision) (*v1Decision, *v1Recommendation) {
	if d == nil {
		return nil, nil
	}
	out := &v1Decision{
		Source: d.Source, Policy: d.Policy, Mode: string(d.Mode), Score: v1Finite(d.Score),
		Changes: make([]v1Change, 0, len(d.Changes)), Holds: make([]v1Hold, 0, len(d.Holds)),
	}
	if out.Source == "" {
		out.Source = "controller"
	}
	var rec *v1Recommendation
	for _, ch := range d.Changes {
		out.Changes = append(out.Changes, v1Change{
			Resource: string(ch.Resource), Unit: v1ResourceUnit(ch.Resource), Direction: string(ch.Direction),
			From: ch.From, To: ch.To, Reason: ch.Reason,
		})
		if rec == nil {
			rec = &v1Recommendation{}
		}
		to := ch.To
		switch ch.Resource {
		case controller.ResourceCores:
			rec.Cores = &to
		case controller.ResourceMemory:
			rec.MemoryMB = &to
		case controller.ResourceSwap:
			rec.SwapMB = &to
		case controller.ResourceDisk:
			rec.DiskBytes = &to
		}
	}
	for _, h := range d.Holds {
		out.Holds = append(out.Holds, v1Hold{Resource: string(h.Resource), Reason: string(h.Reason), Detail: h.Detail})
	}
	return out, rec
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
	return out
}

func newV1ContainerFromSummary(ct controller.ContainerSummary) v1Container {
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

type v1Snapshot struct {
	Name        string     `json:"name"`
	Description string     `json:"description"`
	Parent      string     `json:"parent"`
	Time        *time.Time `json:"time"` // null while PVE is still preparing it
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

func newV1Snapshots(snaps []controller.SnapshotInfo) []v1Snapshot {
	out := make([]v1Snapshot, len(snaps))
	for i, sn := range snaps {
		out[i] = v1Snapshot{Name: sn.Name, Description: sn.Description, Parent: sn.Parent}
		if !sn.Time.IsZero() {
			t := sn.Time.UTC()
			out[i].Time = &t
		}
	}
	return out
}

func (s *Server) v1GetContainer(c echo.Context) error {
	vmid, err := v1VMID(c)
	if err != nil {
		return err
	}
	ctx, cancel := s.v1Ctx(c)
	defer cancel()
	d, err := s.opts.Operations.Container(ctx, vmid)
	if err != nil {
		return v1Failure(err, "")
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

type v1Node struct {
	Name            string  `json:"name"`
	Status          string  `json:"status"`
	Online          bool    `json:"online"`
	CPUs            int     `json:"cpus"`
	CPU             float64 `json:"cpu"`
	MemoryBytes     uint64  `json:"memory_bytes"`
	MemoryUsedBytes uint64  `json:"memory_used_bytes"`
	DiskBytes       uint64  `json:"disk_bytes"`
	DiskUsedBytes   uint64  `json:"disk_used_bytes"`
	UptimeSeconds   int64   `json:"uptime_seconds"`
}

type v1NodeList struct {
	Nodes []v1Node `json:"nodes"`
}

func (s *Server) v1ListNodes(c echo.Context) error {
	ctx, cancel := s.v1Ctx(c)
	defer cancel()
	nodes, err := s.opts.Operations.Nodes(ctx)
	if err != nil {
		return v1Failure(err, "")
	}
	out := v1NodeList{Nodes: make([]v1Node, len(nodes))}
	for i, n := range nodes {
		out.Nodes[i] = v1Node{
			Name: n.Name, Status: n.Status, Online: n.Online, CPUs: n.CPUs, CPU: n.CPU,
			MemoryBytes: n.MemoryBytes, MemoryUsedBytes: n.MemUsedBytes,
			DiskBytes: n.DiskBytes, DiskUsedBytes: n.DiskUsedBytes, UptimeSeconds: int64(n.Uptime / time.Second),
		}
	}
	sort.Slice(out.Nodes, func(i, j int) bool { return out.Nodes[i].Name < out.Nodes[j].Name })
	return c.JSON(http.StatusOK, out)
}

// ---- Writes.

type v1ResourcesRequest struct {
	Cores    *int `json:"cores"`
	MemoryMB *int `json:"memory_mb"`
	SwapMB   *int `json:"swap_mb"`
}

type v1ResourcesResponse struct {
	VMID   int    `json:"vmid"`
	Digest string `json:"digest"`
}

func (s *Server) v1SetResources(c echo.Context) error {
	bad := map[string]string{}
	vmid := v1VMIDInto(c, bad)
	var req v1ResourcesRequest
	if err := v1DecodeBody(c, &req, bad); err != nil {
		return err
	}
	if _, typed := bad["cores"]; !typed {
		v1CheckRange(bad, "cores", req.Cores, 1, controller.MaxCores)
	}
	if _, typed := bad["memory_mb"]; !typed {
		v1CheckRange(bad, "memory_mb", req.MemoryMB, controller.MinMemoryMiB, controller.MaxMemoryMiB)
	}
	if _, typed := bad["swap_mb"]; !typed {
		v1CheckRange(bad, "swap_mb", req.SwapMB, 0, controller.MaxSwapMiB)
	}
	if len(bad) == 0 && req.Cores == nil && req.MemoryMB == nil && req.SwapMB == nil {
		bad["body"] = "set at least one of cores, memory_mb and swap_mb"
	}
	digest, ok := v1IfMatch(c.Request().Header.Get("If-Match"))
	if !ok {
		bad["If-Match"] = "must be the config digest (hex) as the ETag of GET /api/v1/containers/{vmid} gives it, or *"
	}
	if len(bad) > 0 {
		return invalid(bad)
	}
	ctx, cancel := s.v1Ctx(c)
	defer cancel()
	newDigest, err := s.opts.Operations.SetResources(ctx, caller(c), vmid, controller.ResourceRequest{
		Cores: req.Cores, MemoryMiB: req.MemoryMB, SwapMiB: req.SwapMB, Digest: digest,
	})
	if err != nil {
		return v1Failure(err, "")
	}
	if newDigest != "" {
		c.Response().Header().Set("ETag", strconv.Quote(newDigest))
	}
	return c.JSON(http.StatusOK, v1ResourcesResponse{VMID: vmid, Digest: newDigest})
}

// v1IfMatch reads an If-Match header: "" or * (no condition), or one
// (possibly quoted, possibly weak) digest.
func v1IfMatch(h string) (digest string, ok bool) {
	h = strings.TrimSpace(h)
	if h == "" || h == "*" {
		return "", true
	}
	h = strings.TrimPrefix(h, "W/")
	if len(h) >= 2 && h[0] == '"' && h[len(h)-1] == '"' {
		h = h[1 : len(h)-1]
	}
	if !v1DigestRe.MatchString(h) {
		return "", false
	}
	return strings.ToLower(h), true
}

type v1GrowRequest struct {
	GrowGB    *int64 `json:"grow_gb"`
	GrowBytes *int64 `json:"grow_bytes"`
}

// v1Task is an asynchronous operation; GET /api/v1/tasks/{id} follows it.
type v1Task struct {
	ID         string    `json:"id"`
	Node       string    `json:"node"`
	VMID       int       `json:"vmid"`
	Operation  string    `json:"operation"`
	Done       bool      `json:"done"`
	Failed     bool      `json:"failed"`
	ExitStatus string    `json:"exit_status"` // "" while running
	StartedAt  time.Time `json:"started_at"`
	NewVMID    int       `json:"new_vmid,omitempty"` // a clone's new container
}

type v1TaskResponse struct {
	Task v1Task `json:"task"`
}

func newV1Task(t controller.TaskInfo) v1Task {
	return v1Task{
		ID: t.ID, Node: t.Node, VMID: t.VMID, Operation: t.Operation, Done: t.Done, Failed: t.Failed(),
		ExitStatus: t.ExitStatus, StartedAt: t.StartedAt.UTC(), NewVMID: t.NewVMID,
	}
}

// v1Accepted answers 202 with the task and where to follow it.
func v1Accepted(c echo.Context, t controller.TaskInfo) error {
	c.Response().Header().Set("Location", v1Prefix+"/tasks/"+url.PathEscape(t.ID))
	return c.JSON(http.StatusAccepted, v1TaskResponse{Task: newV1Task(t)})
}

// v1StartTask ends a write that starts a task: with bad empty, start runs
// within the request timeout and the task it started is answered 202; a
// refusal maps through v1Failure, whose field names the input a refusal
// of Proxmox is about ("" for none).
func (s *Server) v1StartTask(c echo.Context, bad map[string]string, field string,
	start func(ctx context.Context, who controller.Caller) (controller.TaskInfo, error),
) error {
	if len(bad) > 0 {
		return invalid(bad)
	}
	ctx, cancel := s.v1Ctx(c)
	defer cancel()
	task, err := start(ctx, caller(c))
	if err != nil {
		return v1Failure(err, field)
	}
	return v1Accepted(c, task)
}

func (s *Server) v1GrowDisk(c echo.Context) error {
	bad := map[string]string{}
	vmid := v1VMIDInto(c, bad)
	disk := c.Param("disk")
	if !manual.ValidDiskName(disk) {
		bad["disk"] = fmt.Sprintf("must be rootfs or mp0 to mp255, got %q", v1Clip(disk))
	}
	var req v1GrowRequest
	if err := v1DecodeBody(c, &req, bad); err != nil {
		return err
	}
	_, badGB := bad["grow_gb"]
	_, badBytes := bad["grow_bytes"]
	var grow uint64
	switch {
	case badGB || badBytes:
	case req.GrowGB != nil && req.GrowBytes != nil:
		bad["grow_gb"] = "give grow_gb or grow_bytes, not both"
		bad["grow_bytes"] = "give grow_gb or grow_bytes, not both"
	case req.GrowGB != nil:
		if *req.GrowGB < 1 || *req.GrowGB > maxGrowGiB {
			bad["grow_gb"] = fmt.Sprintf("must be 1..%d (GiB), got %d", maxGrowGiB, *req.GrowGB)
		} else {
			grow = uint64(*req.GrowGB) << 30
		}
	case req.GrowBytes != nil:
		if *req.GrowBytes < controller.MinGrowBytes || *req.GrowBytes > controller.MaxGrowBytes {
			bad["grow_bytes"] = fmt.Sprintf("must be %d..%d, got %d", controller.MinGrowBytes, int64(controller.MaxGrowBytes), *req.GrowBytes)
		} else {
			grow = uint64(*req.GrowBytes)
		}
	default:
		bad["grow_gb"] = "give grow_gb (GiB) or grow_bytes"
	}
	return s.v1StartTask(c, bad, "", func(ctx context.Context, who controller.Caller) (controller.TaskInfo, error) {
		return s.opts.Operations.GrowDisk(ctx, who, vmid, disk, grow)
	})
}

type v1SnapshotList struct {
	VMID      int          `json:"vmid"`
	Snapshots []v1Snapshot `json:"snapshots"`
}

func (s *Server) v1ListSnapshots(c echo.Context) error {
	vmid, err := v1VMID(c)
	if err != nil {
		return err
	}
	ctx, cancel := s.v1Ctx(c)
	defer cancel()
	snaps, err := s.opts.Operations.Snapshots(ctx, vmid)
	if err != nil {
		return v1Failure(err, "")
	}
	return c.JSON(http.StatusOK, v1SnapshotList{VMID: vmid, Snapshots: newV1Snapshots(snaps)})
}

type v1SnapshotRequest struct {
	Name        *string `json:"name"`
	Description *string `json:"description"`
}

func v1CheckSnapshotName(bad map[string]string, field, name string) {
	switch {
	case manual.ReservedSnapshotName(name):
		bad[field] = fmt.Sprintf("%q is reserved by Proxmox", name)
	case !manual.ValidSnapshotName(name):
		bad[field] = fmt.Sprintf("must be 2 to 40 letters, digits, - or _, starting with a letter, got %q", v1Clip(name))
	}
}

func (s *Server) v1CreateSnapshot(c echo.Context) error {
	bad := map[string]string{}
	vmid := v1VMIDInto(c, bad)
	var req v1SnapshotRequest
	if err := v1DecodeBody(c, &req, bad); err != nil {
		return err
	}
	if _, typed := bad["name"]; !typed {
		if req.Name == nil {
			bad["name"] = "required: 2 to 40 letters, digits, - or _, starting with a letter"
		} else {
			v1CheckSnapshotName(bad, "name", *req.Name)
		}
	}
	description := ""
	if req.Description != nil {
		description = *req.Description
		if len(description) > maxDescriptionLen {
			bad["description"] = fmt.Sprintf("must be at most %d bytes, got %d", maxDescriptionLen, len(description))
		}
	}
	return s.v1StartTask(c, bad, "name", func(ctx context.Context, who controller.Caller) (controller.TaskInfo, error) {
		return s.opts.Operations.CreateSnapshot(ctx, who, vmid, *req.Name, description)
	})
}

type v1RollbackRequest struct {
	Start *bool `json:"start"`
}

func (s *Server) v1RollbackSnapshot(c echo.Context) error {
	bad := map[string]string{}
	vmid := v1VMIDInto(c, bad)
	name := c.Param("name")
	v1CheckSnapshotName(bad, "name", name)
	var req v1RollbackRequest
	if err := v1DecodeBody(c, &req, bad); err != nil {
		return err
	}
	return s.v1StartTask(c, bad, "name", func(ctx context.Context, who controller.Caller) (controller.TaskInfo, error) {
		return s.opts.Operations.RollbackSnapshot(ctx, who, vmid, name, req.Start != nil && *req.Start)
	})
}

// v1Empty is the body of writes that take no fields: none or {}.
type v1Empty struct{}

func (s *Server) v1DeleteSnapshot(c echo.Context) error {
	bad := map[string]string{}
	vmid := v1VMIDInto(c, bad)
	name := c.Param("name")
	v1CheckSnapshotName(bad, "name", name)
	if err := v1DecodeBody(c, &v1Empty{}, bad); err != nil {
		return err
	}
	return s.v1StartTask(c, bad, "name", func(ctx context.Context, who controller.Caller) (controller.TaskInfo, error) {
		return s.opts.Operations.DeleteSnapshot(ctx, who, vmid, name)
	})
}

type v1CloneRequest struct {
	NewVMID  *int    `json:"new_vmid"`
	Hostname *string `json:"hostname"`
	Full     *bool   `json:"full"`
	Target   *string `json:"target"`
	Snapshot *string `json:"snapshot"`
}

func (s *Server) v1Clone(c echo.Context) error {
	bad := map[string]string{}
	vmid := v1VMIDInto(c, bad)
	var req v1CloneRequest
	if err := v1DecodeBody(c, &req, bad); err != nil {
		return err
	}
	var r controller.CloneRequest
	if req.NewVMID != nil {
		r.NewID = *req.NewVMID
		switch {
		case r.NewID < controller.MinVMID || r.NewID > controller.MaxVMID:
			bad["new_vmid"] = fmt.Sprintf("must be %d..%d, got %d", controller.MinVMID, controller.MaxVMID, r.NewID)
		case r.NewID == vmid:
			bad["new_vmid"] = fmt.Sprintf("must differ from the container being cloned, got %d", r.NewID)
		}
	}
	if req.Hostname != nil {
		r.Hostname = *req.Hostname
		if !manual.ValidHostname(r.Hostname) {
			bad["hostname"] = fmt.Sprintf("must be an RFC 1123 host name (labels of 1 to 63 letters, digits and inner hyphens; 253 in all), got %q", v1Clip(r.Hostname))
		}
	}
	if req.Full != nil {
		r.Full = *req.Full
	}
	if req.Target != nil {
		r.Target = *req.Target
		if !manual.ValidNodeName(r.Target) {
			bad["target"] = fmt.Sprintf("must be a node name, got %q", v1Clip(r.Target))
		}
	}
	if req.Snapshot != nil {
		r.Snapshot = *req.Snapshot
		v1CheckSnapshotName(bad, "snapshot", r.Snapshot)
	}
	return s.v1StartTask(c, bad, "snapshot", func(ctx context.Context, who controller.Caller) (controller.TaskInfo, error) {
		return s.opts.Operations.Clone(ctx, who, vmid, r)
	})
}

func (s *Server) v1DeleteContainer(c echo.Context) error {
	bad := map[string]string{}
	vmid := v1VMIDInto(c, bad)
	q := c.QueryParams()
	switch confirm := q.Get("confirm"); {
	case confirm == "":
		bad["confirm"] = "required: repeat the container's vmid (?confirm=<vmid>) to delete it"
	case bad["vmid"] == "" && confirm != strconv.Itoa(vmid):
		bad["confirm"] = fmt.Sprintf("must equal the vmid %d, got %q", vmid, v1Clip(confirm))
	}
	purge := false
	if p, ok := q["purge"]; ok {
		b, err := strconv.ParseBool(p[0])
		if err != nil || len(p) > 1 {
			bad["purge"] = fmt.Sprintf("must be true or false, got %q", v1Clip(strings.Join(p, ",")))
		}
		purge = b
	}
	if err := v1DecodeBody(c, &v1Empty{}, bad); err != nil {
		return err
	}
	return s.v1StartTask(c, bad, "", func(ctx context.Context, who controller.Caller) (controller.TaskInfo, error) {
		return s.opts.Operations.Delete(ctx, who, vmid, purge)
	})
}

type v1PauseResponse struct {
	VMID   int  `json:"vmid"`
	Paused bool `json:"paused"`
}

func (s *Server) v1Pause(c echo.Context) error  { return s.v1SetPaused(c, true) }
func (s *Server) v1Resume(c echo.Context) error { return s.v1SetPaused(c, false) }

func (s *Server) v1SetPaused(c echo.Context, paused bool) error {
	bad := map[string]string{}
	vmid := v1VMIDInto(c, bad)
	if err := v1DecodeBody(c, &v1Empty{}, bad); err != nil {
		return err
	}
	if len(bad) > 0 {
		return invalid(bad)
	}
	ctx, cancel := s.v1Ctx(c)
	defer cancel()
	if err := s.opts.Operations.SetPaused(ctx, caller(c), vmid, paused); err != nil {
		return v1Failure(err, "")
	}
	return c.JSON(http.StatusOK, v1PauseResponse{VMID: vmid, Paused: paused})
}

// ---- Decisions, audit, tasks, document.

type v1DecisionEntry struct {
	VMID int    `json:"vmid"`
	Node string `json:"node"`
	Name string `json:"name"`
	v1Decision
}

// v1DecisionList is GET /decisions: the decisions of the loop's latest
// pass. LoopRunning is false in a process without the loop, which never
// has decisions.
type v1DecisionList struct {
	LoopRunning bool              `json:"loop_running"`
	Time        *time.Time        `json:"time"`
	Decisions   []v1DecisionEntry `json:"decisions"`
}

func (s *Server) v1Decisions(c echo.Context) error {
	out := v1DecisionList{Decisions: []v1DecisionEntry{}}
	if s.opts.Snapshots != nil {
		snap := s.opts.Snapshots.Snapshot()
		out.LoopRunning = true
		if !snap.Time.IsZero() {
			t := snap.Time.UTC()
			out.Time = &t
		}
		for _, v := range snap.Containers {
			d, _ := newV1Decision(v.Decision)
			if d == nil {
				continue
			}
			out.Decisions = append(out.Decisions, v1DecisionEntry{VMID: v.VMID, Node: v.Node, Name: v.Name, v1Decision: *d})
		}
	}
	return c.JSON(http.StatusOK, out)
}

type v1AuditEntry struct {
	Time      time.Time `json:"time"`
	Source    string    `json:"source"`
	Client    string    `json:"client"`
	Operation string    `json:"operation"`
	VMID      int       `json:"vmid"`
	Node      string    `json:"node"`
	Resource  string    `json:"resource"`
	Direction string    `json:"direction"`
	From      int64     `json:"from"`
	To        int64     `json:"to"`
	Reason    string    `json:"reason"`
	Score     *float64  `json:"anomaly_score"`
	Mode      string    `json:"mode"`
	Result    string    `json:"result"`
	Skip      string    `json:"skip"`
	Error     string    `json:"error"`
	Policy    string    `json:"policy"`
	Task      string    `json:"task"`
}

// v1AuditList is GET /audit: the newest entries first. Configured is
// false when this process has no audit record (and Entries is empty).
type v1AuditList struct {
	Configured bool           `json:"configured"`
	Entries    []v1AuditEntry `json:"entries"`
}

func (s *Server) v1Audit(c echo.Context) error {
	limit := defaultAuditLimit
	if raw := c.QueryParam("limit"); raw != "" {
		n, err := strconv.Atoi(raw)
		if err != nil || n < 1 || n > maxAuditLimit {
			return invalid(map[string]string{"limit": fmt.Sprintf("must be 1..%d, got %q", maxAuditLimit, v1Clip(raw))})
		}
		limit = n
	}
	out := v1AuditList{Configured: s.opts.AuditPath != "", Entries: []v1AuditEntry{}}
	if s.opts.AuditPath == "" {
		return c.JSON(http.StatusOK, out)
	}
	records, err := controller.ReadAudit(s.opts.AuditPath, limit)
	if err != nil {
		return fmt.Errorf("read the audit record: %w", err)
	}
	for _, r := range records {
		score := v1Finite(r.Score)
		if score != nil && *score == 0 { // 0 is written for "none"
			score = nil
		}
		out.Entries = append(out.Entries, v1AuditEntry{
			Time: r.Time.UTC(), Source: r.Source, Client: r.Client, Operation: r.Operation, VMID: r.VMID, Node: r.Node,
			Resource: r.Resource, Direction: r.Direction, From: r.From, To: r.To, Reason: r.Reason, Score: score,
			Mode: r.Mode, Result: r.Result, Skip: r.Skip, Error: r.Error, Policy: r.Policy, Task: r.Task,
		})
	}
	return c.JSON(http.StatusOK, out)
}

func (s *Server) v1GetTask(c echo.Context) error {
	bad := map[string]string{}
	id, err := url.PathUnescape(c.Param("id"))
	if err != nil || !strings.HasPrefix(id, "UPID:") || len(id) > maxTaskIDLen {
		bad["id"] = "must be a task id (UPID:…) as a 202 answer gave it"
	}
	var wait time.Duration
	if raw := c.QueryParam("wait"); raw != "" {
		d, err := time.ParseDuration(raw)
		if err != nil {
			// Plain seconds, as a script would send them.
			n, nerr := strconv.Atoi(raw)
			d, err = time.Duration(n)*time.Second, nerr
		}
		if err != nil || d < 0 || d > maxTaskWait {
			bad["wait"] = fmt.Sprintf("must be a duration of 0s..%s (e.g. 30s), got %q", maxTaskWait, v1Clip(raw))
		}
		wait = d
	}
	if len(bad) > 0 {
		return invalid(bad)
	}
	// The wait ends before the request timeout, so that a task still
	// running is an answer (done: false) rather than a timeout.
	wait = min(wait, s.opts.RequestTimeout*9/10)
	ctx, cancel := s.v1Ctx(c)
	defer cancel()
	var info controller.TaskInfo
	if wait > 0 {
		if !s.tasks.tryAcquire() {
			c.Response().Header().Set("Retry-After", taskWaitRetryAfter)
			return apiError(http.StatusServiceUnavailable, fmt.Sprintf("%d task waits are in progress, the most this server runs at once; retry after %s s, or ask without wait", cap(s.tasks.slots), taskWaitRetryAfter))
		}
		defer s.tasks.release()
		info, err = s.tasks.wait(ctx, id, wait)
	} else {
		info, err = s.tasks.read(ctx, id, s.opts.RequestTimeout)
	}
	if err != nil {
		return v1Failure(err, "")
	}
	return c.JSON(http.StatusOK, v1TaskResponse{Task: newV1Task(info)})
}

func (s *Server) v1OpenAPI(c echo.Context) error {
	return c.Blob(http.StatusOK, echo.MIMEApplicationJSON, openAPIDocument)
}

// ---- Input.

// v1VMID reads the vmid path parameter; a bad one is a 400 naming it.
func v1VMID(c echo.Context) (int, error) {
	bad := map[string]string{}
	vmid := v1VMIDInto(c, bad)
	if len(bad) > 0 {
		return 0, invalid(bad)
	}
	return vmid, nil
}

// v1VMIDInto reads the vmid path parameter, recording a bad one in bad.
func v1VMIDInto(c echo.Context, bad map[string]string) int {
	raw := c.Param("vmid")
	vmid, err := strconv.Atoi(raw)
	if err != nil || vmid < controller.MinVMID || vmid > controller.MaxVMID {
		bad["vmid"] = fmt.Sprintf("must be %d..%d, got %q", controller.MinVMID, controller.MaxVMID, v1Clip(raw))
		return 0
	}
	return vmid
}

func v1CheckRange(bad map[string]string, field string, v *int, lo, hi int) {
	if v != nil && (*v < lo || *v > hi) {
		bad[field] = fmt.Sprintf("must be %d..%d, got %d", lo, hi, *v)
	}
}

// v1Clip shortens what a client sent before it is echoed in an error.
func v1Clip(s string) string {
	const maxEcho = 64
	if len(s) <= maxEcho {
		return s
	}
	return s[:maxEcho] + "…"
}

// v1DecodeBody reads a write's body into dst, a pointer to a struct whose
// fields are pointers with json tags. A body must be sent as
// application/json; an empty body is an empty object (writes whose
// fields are all optional need none). The body must
// be one JSON object; each unknown field and each field of the wrong type
// is recorded in bad, so that one answer names them all. The error it
// returns is the answer when the body cannot be read at all (415, 413,
// not JSON).
func v1DecodeBody(c echo.Context, dst any, bad map[string]string) error {
	r := c.Request()
	contentType := r.Header.Get(echo.HeaderContentType)
	if contentType != "" {
		mt, _, err := mime.ParseMediaType(contentType)
		if err != nil || mt != echo.MIMEApplicationJSON {
			return apiError(http.StatusUnsupportedMediaType, fmt.Sprintf("Content-Type %q: this API takes application/json only", v1Clip(contentType)))
		}
	}
	raw, err := io.ReadAll(r.Body)
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		return apiError(http.StatusRequestEntityTooLarge, fmt.Sprintf("body over %d bytes", tooLarge.Limit))
	case err != nil:
		return apiError(http.StatusBadRequest, "reading the body: "+err.Error())
	}
	if len(bytes.TrimSpace(raw)) == 0 {
		// No body is no fields, even when a client labels it JSON: routes
		// whose fields are required say which are missing.
		return nil
	}
	if contentType == "" {
		return apiError(http.StatusUnsupportedMediaType, "a body needs Content-Type: application/json")
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	var fields map[string]json.RawMessage
	if err := dec.Decode(&fields); err != nil || fields == nil {
		bad["body"] = "must be one JSON object"
		return nil
	}
	if _, err := dec.Token(); err != io.EOF {
		bad["body"] = "must be one JSON object, and nothing after it"
		return nil
	}
	// Each field on its own, so that every bad one is named.
	v := reflect.ValueOf(dst).Elem()
	t := v.Type()
	known := make(map[string]bool, t.NumField())
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		known[name] = true
		value, ok := fields[name]
		if !ok {
			continue
		}
		if bytes.Equal(bytes.TrimSpace(value), []byte("null")) {
			bad[name] = "must not be null (leave the field out instead)"
			continue
		}
		if err := json.Unmarshal(value, v.Field(i).Addr().Interface()); err != nil {
			bad[name] = "must be " + v1JSONKind(t.Field(i).Type)
		}
	}
	for name := range fields {
		if !known[name] {
			bad[v1Clip(name)] = "unknown field"
		}
	}
	if len(bad) > 0 {
		return nil
	}
	// The checks above found nothing; the strict decoder agrees, and is
	// the last word on what was sent.
	strict := json.NewDecoder(bytes.NewReader(raw))
	strict.DisallowUnknownFields()
	if err := strict.Decode(dst); err != nil {
		bad["body"] = "must be one JSON object with known fields: " + err.Error()
	}
	return nil
}

// v1JSONKind names what a field of type t takes, for errors.
func v1JSONKind(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Int, reflect.Int64:
		return "an integer"
	case reflect.Bool:
		return "true or false"
	case reflect.String:
		return "a string"
	}
	return "a " + t.Kind().String()
}

// v1Failure is the answer to an operation's error. Input the controller
// refused is a 400 naming each field by the API's name for it; snapshot
// is what the controller's "snapshot" field is called on this route.
func v1Failure(err error, snapshot string) error {
	var inv *controller.InvalidRequestError
	if !errors.As(err, &inv) {
		return fromOperation(err)
	}
	names := map[string]string{
		"memory": "memory_mb", "swap": "swap_mb", "size": "grow_bytes", "newid": "new_vmid",
		"resources": "body",
	}
	if snapshot != "" {
		names["snapshot"] = snapshot
	}
	fields := make(map[string]string, len(inv.Fields))
	for _, f := range inv.Fields {
		name := f.Field
		if n, ok := names[name]; ok {
			name = n
		}
		fields[name] = f.Problem
	}
	return invalid(fields)
}
