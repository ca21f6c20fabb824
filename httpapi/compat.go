package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/lxc-autoscale/lxc-autoscale/controller"
	"github.com/lxc-autoscale/lxc-autoscale/controller/manual"
)

// The original LXC AutoScale ML API (reference §2), kept so that scripts
// written for it keep working: same paths, methods, field names and
// aliases, and the {"status","message","data"} envelope. What differs, on
// purpose: data is structured JSON instead of pct's text, a missing
// container is 404 (the original answered 500), a lock 409, and every
// route needs a token (the original had none by default).

// Limits of the original's validation (api/validation.py), except the
// container ID, which takes PVE's whole range.
const (
	compatMinCores    = 1
	compatMaxCores    = 128
	compatMinMemoryMB = 64
	compatMaxMemoryMB = 1048576
	compatMinDiskGB   = 1
	compatMaxDiskGB   = 10240
)

var (
	// The original's snapshot names; PVE's own rule (manual.ValidSnapshotName)
	// is checked as well, so that every problem shows at once instead of a
	// Proxmox refusal later.
	compatSnapshotRe = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_-]{0,39}$`)
	compatNodeRe     = regexp.MustCompile(`(?i)^[a-z0-9]([a-z0-9.-]{0,61}[a-z0-9])?$`)
)

// compatEnvelope is the original's response body.
type compatEnvelope struct {
	Status  string   `json:"status"`
	Message string   `json:"message"`
	Data    any      `json:"data"`
	Errors  []string `json:"errors,omitempty"`
}

// compatErrorEnvelope is the original's error body: no data.
type compatErrorEnvelope struct {
	Status  string   `json:"status"`
	Message string   `json:"message"`
	Errors  []string `json:"errors,omitempty"`
}

// compatValidationError is the original's 400: every failing field at once.
type compatValidationError struct {
	status   int
	problems []string
}

func (e *compatValidationError) Error() string {
	return "validation failed: " + strings.Join(e.problems, "; ")
}

// compatArgs are the parsed, validated inputs of a compatibility route.
type compatArgs struct {
	VMID         int
	Cores        int
	MemoryMB     int
	DiskSizeGB   int
	NewVMID      int
	SnapshotName string
	Hostname     string
	NodeName     string
}

// compatField is one input field: its canonical name, the aliases the
// original accepted, and how it is read into compatArgs (a problem text,
// or "" when the value is good).
type compatField struct {
	name     string
	aliases  []string
	required bool
	read     func(a *compatArgs, v compatValue) string
}

// compatValue is one field's raw value: JSON from a body, text from a
// query string.
type compatValue struct {
	name     string // as the client spelt it
	json     json.RawMessage
	text     string
	fromJSON bool
}

// integer reads an integer, from a JSON number or a decimal string (the
// original converted with int()).
func (v compatValue) integer() (int64, string) {
	text := v.text
	if v.fromJSON {
		raw := strings.TrimSpace(string(v.json))
		if strings.HasPrefix(raw, `"`) {
			if err := json.Unmarshal([]byte(raw), &text); err != nil {
				return 0, fmt.Sprintf("%s must be an integer, got %s", v.name, compatClip(raw))
			}
		} else if _, err := strconv.ParseFloat(raw, 64); err != nil {
			return 0, fmt.Sprintf("%s must be an integer, got %s", v.name, compatClip(raw))
		} else {
			text = raw
		}
	}
	text = strings.TrimSpace(text)
	if n, err := strconv.ParseInt(text, 10, 64); err == nil {
		return n, ""
	}
	// 104.0 is an integer to JSON's writers; 104.5 is not.
	if f, err := strconv.ParseFloat(text, 64); err == nil && f == float64(int64(f)) && f >= -1e15 && f <= 1e15 {
		return int64(f), ""
	}
	return 0, fmt.Sprintf("%s must be an integer, got %s", v.name, compatClip(strconv.Quote(text)))
}

// str reads a string.
func (v compatValue) str() (string, string) {
	if !v.fromJSON {
		return v.text, ""
	}
	var s string
	if err := json.Unmarshal(v.json, &s); err != nil {
		return "", fmt.Sprintf("%s must be a string, got %s", v.name, compatClip(strings.TrimSpace(string(v.json))))
	}
	return s, ""
}

// compatClip bounds a client's value quoted back in an error.
func compatClip(s string) string {
	const limit = 64
	if len(s) <= limit {
		return s
	}
	return s[:limit] + "…"
}

// compatInt reads an integer within [lo, hi] into dst, or returns the
// problem in the original's words.
func compatInt(v compatValue, label, unit string, lo, hi int64, dst *int) string {
	n, problem := v.integer()
	if problem != "" {
		return problem
	}
	if n < lo || n > hi {
		return fmt.Sprintf("%s must be between %d and %d%s, got %d", label, lo, hi, unit, n)
	}
	*dst = int(n)
	return ""
}

// The fields of the original's routes; read stores into the compatArgs it
// is given.
var (
	fieldVMID = compatField{name: "vm_id", aliases: []string{"lxc_id", "container_id"}, required: true,
		read: func(a *compatArgs, v compatValue) string {
			return compatInt(v, "Container ID", "", controller.MinVMID, controller.MaxVMID, &a.VMID)
		}}
	fieldCores = compatField{name: "cores", required: true,
		read: func(a *compatArgs, v compatValue) string {
			return compatInt(v, "Cores", "", compatMinCores, compatMaxCores, &a.Cores)
		}}
	fieldMemory = compatField{name: "memory", required: true,
		read: func(a *compatArgs, v compatValue) string {
			return compatInt(v, "Memory", " MB", compatMinMemoryMB, compatMaxMemoryMB, &a.MemoryMB)
		}}
	fieldDiskSize = compatField{name: "disk_size", required: true,
		read: func(a *compatArgs, v compatValue) string {
			return compatInt(v, "Disk size", " GB", compatMinDiskGB, compatMaxDiskGB, &a.DiskSizeGB)
		}}
	fieldNewVMID = compatField{name: "new_vm_id", aliases: []string{"new_lxc_id"}, required: true,
		read: func(a *compatArgs, v compatValue) string {
			return compatInt(v, "New container ID", "", controller.MinVMID, controller.MaxVMID, &a.NewVMID)
		}}
	fieldSnapshotName = compatField{name: "snapshot_name", required: true,
		read: func(a *compatArgs, v compatValue) string {
			s, problem := v.str()
			switch {
			case problem != "":
				return problem
			case !compatSnapshotRe.MatchString(s):
				return fmt.Sprintf("Snapshot name must be 1 to 40 letters, digits, _ or - and not start with -, got %s", compatClip(strconv.Quote(s)))
			case !manual.ValidSnapshotName(s):
				return fmt.Sprintf("Snapshot name must start with a letter, have 2 characters or more and not be current or vzdump (Proxmox VE's rule), got %s", compatClip(strconv.Quote(s)))
			}
			a.SnapshotName = s
			return ""
		}}
	fieldNewVMName = compatField{name: "new_vm_name", aliases: []string{"new_lxc_name", "hostname"},
		read: func(a *compatArgs, v compatValue) string {
			s, problem := v.str()
			if problem != "" {
				return problem
			}
			// The original turned underscores into hyphens before checking.
			s = strings.ReplaceAll(s, "_", "-")
			if !manual.ValidHostname(s) {
				return fmt.Sprintf("Hostname must be an RFC 1123 host name (labels of 1 to 63 letters, digits and inner hyphens, 253 characters in all), got %s", compatClip(strconv.Quote(s)))
			}
			a.Hostname = s
			return ""
		}}
	fieldNodeName = compatField{name: "node_name", required: true,
		read: func(a *compatArgs, v compatValue) string {
			s, problem := v.str()
			if problem != "" {
				return problem
			}
			if !compatNodeRe.MatchString(s) {
				return fmt.Sprintf("Node name must be 1 to 63 letters, digits, dots or hyphens, starting and ending with a letter or digit, got %s", compatClip(strconv.Quote(s)))
			}
			a.NodeName = s
			return ""
		}}
)

// readCompatInput reads the fields of a request: a JSON object body for
// POST and DELETE (the query string is ignored, as the original did after
// its CSRF fix), the query string otherwise. Unknown fields, fields given
// twice (also under two aliases with different values) and every failing
// check are reported together.
func readCompatInput(c echo.Context, fields ...compatField) (compatArgs, error) {
	var (
		args     compatArgs
		problems []string
		values   = map[string]compatValue{}
	)
	r := c.Request()
	if r.Method == http.MethodPost || r.Method == http.MethodDelete {
		obj, err := compatReadJSONObject(r)
		if err != nil {
			return args, err
		}
		for k, raw := range obj {
			values[k] = compatValue{name: k, json: raw, fromJSON: true}
		}
	} else {
		for k, vs := range c.QueryParams() {
			if len(vs) > 1 {
				problems = append(problems, fmt.Sprintf("%s is given %d times; give it once", compatClip(k), len(vs)))
			}
			values[k] = compatValue{name: k, text: vs[0]}
		}
	}
	known := map[string]bool{}
	for _, f := range fields {
		names := append([]string{f.name}, f.aliases...)
		var (
			picked  compatValue
			present []string
		)
		for _, n := range names {
			known[n] = true
			if v, ok := values[n]; ok {
				if len(present) > 0 && compatNormalized(v) != compatNormalized(picked) {
					problems = append(problems, fmt.Sprintf("%s and %s disagree; give one", present[0], n))
				}
				if len(present) == 0 {
					picked = v
				}
				present = append(present, n)
			}
		}
		if len(present) == 0 {
			if f.required {
				problems = append(problems, compatMissing(names))
			}
			continue
		}
		if p := f.read(&args, picked); p != "" {
			problems = append(problems, p)
		}
	}
	var unknown []string
	for k := range values {
		if !known[k] {
			unknown = append(unknown, k)
		}
	}
	slices.Sort(unknown)
	for _, k := range unknown {
		problems = append(problems, "Unknown field: "+compatClip(strconv.Quote(k)))
	}
	if len(problems) > 0 {
		return args, &compatValidationError{status: http.StatusBadRequest, problems: problems}
	}
	return args, nil
}

// compatNormalized is a value as text, so that {"vm_id":104,"lxc_id":"104"}
// agree.
func compatNormalized(v compatValue) string {
	if !v.fromJSON {
		return strings.TrimSpace(v.text)
	}
	var s string
	if json.Unmarshal(v.json, &s) == nil {
		return strings.TrimSpace(s)
	}
	return strings.TrimSpace(string(v.json))
}

func compatMissing(names []string) string {
	if len(names) == 1 {
		return names[0] + " is required"
	}
	return names[0] + " is required (or " + strings.Join(names[1:], ", ") + ")"
}

// compatReadJSONObject reads a body that must be one JSON object with
// Content-Type application/json: form posts are refused (no CSRF).
func compatReadJSONObject(r *http.Request) (map[string]json.RawMessage, error) {
	mediaType, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mediaType != "application/json" {
		return nil, &compatValidationError{status: http.StatusUnsupportedMediaType,
			problems: []string{"Content-Type must be application/json"}}
	}
	dec := json.NewDecoder(r.Body)
	var obj map[string]json.RawMessage
	if err := dec.Decode(&obj); err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return nil, apiError(http.StatusRequestEntityTooLarge, fmt.Sprintf("body over %d bytes", tooLarge.Limit))
		}
		if errors.Is(err, io.EOF) {
			return nil, &compatValidationError{status: http.StatusBadRequest, problems: []string{"Request body must be a JSON object"}}
		}
		return nil, &compatValidationError{status: http.StatusBadRequest, problems: []string{"Request body must be a JSON object: " + compatClip(err.Error())}}
	}
	if obj == nil { // the body was null
		obj = map[string]json.RawMessage{}
	}
	if err := dec.Decode(&json.RawMessage{}); !errors.Is(err, io.EOF) {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return nil, apiError(http.StatusRequestEntityTooLarge, fmt.Sprintf("body over %d bytes", tooLarge.Limit))
		}
		return nil, &compatValidationError{status: http.StatusBadRequest, problems: []string{"Request body must hold one JSON object only"}}
	}
	return obj, nil
}

// compatErrors writes every failure of a compatibility route in the
// original's envelope, with the status of its class (fromOperation).
func (s *Server) compatErrors(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		err := next(c)
		if err == nil || c.Response().Committed {
			return err
		}
		var (
			ve *compatValidationError
			he *echo.HTTPError
		)
		switch {
		case errors.As(err, &ve):
			message := "Validation failed"
			if ve.status == http.StatusUnsupportedMediaType {
				message = ve.problems[0]
			}
			return c.JSON(ve.status, compatErrorEnvelope{Status: "error", Message: message, Errors: ve.problems})
		case errors.As(err, &he):
			return c.JSON(he.Code, compatErrorEnvelope{Status: "error", Message: fmt.Sprint(he.Message)})
		}
		e := fromOperation(err)
		if e.Status >= 500 {
			s.opts.Logger.Error().Err(err).Str("method", c.Request().Method).Str("route", c.Path()).Msg("request failed")
		}
		var problems []string
		var invalid *controller.InvalidRequestError
		if errors.As(err, &invalid) {
			for _, f := range invalid.Fields {
				problems = append(problems, f.Field+": "+f.Problem)
			}
		}
		return c.JSON(e.Status, compatErrorEnvelope{Status: "error", Message: e.Message, Errors: problems})
	}
}

// compatSuccess writes the original's success envelope.
func compatSuccess(c echo.Context, message string, data any) error {
	return c.JSON(http.StatusOK, compatEnvelope{Status: "success", Message: message, Data: data})
}

// compatRoute is one route of the original, with the Flask endpoint name
// that GET /routes reports.
type compatRoute struct {
	method, path, endpoint string
	scope                  Scope
	fields                 []compatField // read and checked before handle runs
	handle                 compatHandler
}

// compatHandler serves a route of the original once its fields are read
// into a; ctx is bounded by the request timeout.
type compatHandler func(ctx context.Context, c echo.Context, a compatArgs) error

func (s *Server) compatRouteTable() []compatRoute {
	return []compatRoute{
		{http.MethodPost, "/scale/cores", "set_cores", ScopeOperate, []compatField{fieldVMID, fieldCores}, s.compatScaleCores},
		{http.MethodPost, "/scale/ram", "set_ram", ScopeOperate, []compatField{fieldVMID, fieldMemory}, s.compatScaleRAM},
		{http.MethodPost, "/scale/storage/increase", "increase_storage", ScopeOperate, []compatField{fieldVMID, fieldDiskSize}, s.compatIncreaseStorage},
		{http.MethodPost, "/snapshot/create", "create_snapshot", ScopeOperate, []compatField{fieldVMID, fieldSnapshotName}, s.compatCreateSnapshot},
		{http.MethodGet, "/snapshot/list", "list_snapshots", ScopeRead, []compatField{fieldVMID}, s.compatListSnapshots},
		{http.MethodPost, "/snapshot/rollback", "rollback_snapshot", ScopeAdmin, []compatField{fieldVMID, fieldSnapshotName}, s.compatRollbackSnapshot},
		{http.MethodPost, "/clone/create", "clone_container", ScopeAdmin, []compatField{fieldVMID, fieldNewVMID, fieldNewVMName}, s.compatClone},
		{http.MethodDelete, "/clone/delete", "delete_container", ScopeAdmin, []compatField{fieldVMID}, s.compatDelete},
		{http.MethodGet, "/resource/vm/status", "resource_vm_status", ScopeRead, []compatField{fieldVMID}, s.compatContainerStatus},
		{http.MethodGet, "/resource/lxc/status", "resource_lxc_status", ScopeRead, []compatField{fieldVMID}, s.compatContainerStatus},
		{http.MethodGet, "/resource/lxc/config", "resource_lxc_config", ScopeRead, []compatField{fieldVMID}, s.compatContainerConfig},
		{http.MethodGet, "/resource/vm/config", "resource_vm_config", ScopeRead, []compatField{fieldVMID}, s.compatContainerConfig},
		{http.MethodGet, "/resource/node/status", "node_status", ScopeRead, []compatField{fieldNodeName}, s.compatNodeStatus},
		{http.MethodGet, "/resource/cluster/status", "cluster_status", ScopeRead, nil, s.compatClusterStatus},
		{http.MethodGet, "/routes", "list_routes", ScopeRead, nil, s.compatRoutesList},
	}
}

// compatEndpointNames are the endpoint names GET /routes reports for the
// routes of the original; other routes are named from their path.
var compatEndpointNames = map[string]string{
	"/health/check": "health_check",
}

func (s *Server) compatRoutes() {
	for _, r := range s.compatRouteTable() {
		s.compatPaths[r.path] = true
		s.echo.Add(r.method, r.path, s.compatServe(r), s.compatErrors, s.require(r.scope))
	}
}

// compatServe reads and checks r's fields, then runs r's handler bounded
// by the request timeout: the original answered when pct was done, so
// these routes wait for their tasks.
func (s *Server) compatServe(r compatRoute) echo.HandlerFunc {
	return func(c echo.Context) error {
		a, err := readCompatInput(c, r.fields...)
		if err != nil {
			return err
		}
		ctx, cancel := context.WithTimeout(c.Request().Context(), s.opts.RequestTimeout)
		defer cancel()
		return r.handle(ctx, c, a)
	}
}

// compatWaitTask waits for a task the route started, within ctx's deadline; a
// task still running then is a 504 naming it, a failed task a 502 with
// its exit status.
func (s *Server) compatWaitTask(ctx context.Context, what string, info controller.TaskInfo) (controller.TaskInfo, error) {
	wait := time.Second
	if deadline, ok := ctx.Deadline(); ok {
		wait = time.Until(deadline)
	}
	done, err := s.opts.Operations.Task(ctx, info.ID, max(wait, time.Millisecond))
	if err != nil {
		if ctx.Err() != nil {
			return info, apiError(http.StatusGatewayTimeout, fmt.Sprintf("%s: still running when the request timed out (task %s)", what, info.ID))
		}
		return info, fmt.Errorf("%s: %w", what, err)
	}
	switch {
	case !done.Done:
		return done, apiError(http.StatusGatewayTimeout, fmt.Sprintf("%s: still running when the request timed out (task %s)", what, info.ID))
	case done.Failed():
		return done, apiError(http.StatusBadGateway, fmt.Sprintf("%s: task %s failed: %s", what, done.ID, done.ExitStatus))
	}
	return done, nil
}

func (s *Server) compatScaleCores(ctx context.Context, c echo.Context, a compatArgs) error {
	return s.compatSetResources(ctx, c, a.VMID, controller.ResourceRequest{Cores: &a.Cores},
		fmt.Sprintf("CPU cores set to %d for container %d", a.Cores, a.VMID), "cores", a.Cores)
}

func (s *Server) compatScaleRAM(ctx context.Context, c echo.Context, a compatArgs) error {
	return s.compatSetResources(ctx, c, a.VMID, controller.ResourceRequest{MemoryMiB: &a.MemoryMB},
		fmt.Sprintf("RAM set to %d MB for container %d", a.MemoryMB, a.VMID), "memory_mb", a.MemoryMB)
}

// compatSetResources applies req to container vmid and answers message
// with the value set (under field) and the config's new digest.
func (s *Server) compatSetResources(ctx context.Context, c echo.Context, vmid int, req controller.ResourceRequest, message, field string, value int) error {
	digest, err := s.opts.Operations.SetResources(ctx, caller(c), vmid, req)
	if err != nil {
		return err
	}
	return compatSuccess(c, message, map[string]any{"vm_id": vmid, "lxc_id": vmid, field: value, "digest": digest})
}

// compatTask is the answer of a route that waits for the task it starts.
type compatTask struct {
	what    string         // the operation, for the errors of its task
	message string         // the original's success message
	data    map[string]any // the success data; the task's ID is added as "task"
}

// compatRunTask starts a task, waits for it within ctx and answers t.
func (s *Server) compatRunTask(ctx context.Context, c echo.Context, t compatTask, start func() (controller.TaskInfo, error)) error {
	info, err := start()
	if err != nil {
		return err
	}
	if _, err := s.compatWaitTask(ctx, t.what, info); err != nil {
		return err
	}
	t.data["task"] = info.ID
	return compatSuccess(c, t.message, t.data)
}

// compatIncreaseStorage grows the root filesystem by disk_size GB (an
// increment, as in the original) and waits for the resize.
func (s *Server) compatIncreaseStorage(ctx context.Context, c echo.Context, a compatArgs) error {
	return s.compatRunTask(ctx, c, compatTask{
		what:    fmt.Sprintf("grow rootfs of container %d", a.VMID),
		message: fmt.Sprintf("Storage increased by %d GB for container %d", a.DiskSizeGB, a.VMID),
		data:    map[string]any{"vm_id": a.VMID, "lxc_id": a.VMID, "disk": "rootfs", "increase_gb": a.DiskSizeGB},
	}, func() (controller.TaskInfo, error) {
		return s.opts.Operations.GrowDisk(ctx, caller(c), a.VMID, "rootfs", uint64(a.DiskSizeGB)<<30)
	})
}

func (s *Server) compatCreateSnapshot(ctx context.Context, c echo.Context, a compatArgs) error {
	return s.compatRunTask(ctx, c, compatTask{
		what:    fmt.Sprintf("snapshot %q of container %d", a.SnapshotName, a.VMID),
		message: fmt.Sprintf("Snapshot '%s' created for container %d", a.SnapshotName, a.VMID),
		data:    map[string]any{"vm_id": a.VMID, "lxc_id": a.VMID, "snapshot_name": a.SnapshotName},
	}, func() (controller.TaskInfo, error) {
		return s.opts.Operations.CreateSnapshot(ctx, caller(c), a.VMID, a.SnapshotName, "")
	})
}

// compatSnapshot is one snapshot in /snapshot/list.
type compatSnapshot struct {
	Name        string  `json:"name"`
	Description string  `json:"description"`
	Parent      string  `json:"parent,omitempty"`
	Time        *string `json:"time"` // RFC 3339; null while PVE prepares it
}

func (s *Server) compatListSnapshots(ctx context.Context, c echo.Context, a compatArgs) error {
	snaps, err := s.opts.Operations.Snapshots(ctx, a.VMID)
	if err != nil {
		return err
	}
	list := make([]compatSnapshot, len(snaps))
	for i, sn := range snaps {
		list[i] = compatSnapshot{Name: sn.Name, Description: sn.Description, Parent: sn.Parent}
		if !sn.Time.IsZero() {
			t := sn.Time.UTC().Format(time.RFC3339)
			list[i].Time = &t
		}
	}
	return compatSuccess(c, fmt.Sprintf("Snapshots listed for container %d", a.VMID),
		map[string]any{"vm_id": a.VMID, "lxc_id": a.VMID, "snapshots": list})
}

func (s *Server) compatRollbackSnapshot(ctx context.Context, c echo.Context, a compatArgs) error {
	// pct rollback leaves the container stopped; so does this.
	return s.compatRunTask(ctx, c, compatTask{
		what:    fmt.Sprintf("rollback of container %d to %q", a.VMID, a.SnapshotName),
		message: fmt.Sprintf("Container %d rolled back to snapshot '%s'", a.VMID, a.SnapshotName),
		data:    map[string]any{"vm_id": a.VMID, "lxc_id": a.VMID, "snapshot_name": a.SnapshotName},
	}, func() (controller.TaskInfo, error) {
		return s.opts.Operations.RollbackSnapshot(ctx, caller(c), a.VMID, a.SnapshotName, false)
	})
}

// compatClone does what the original did: snapshot the source, clone from
// the snapshot, always delete the snapshot afterwards, and start the clone.
// A clone that exists but could not be started (or whose snapshot could not
// be removed) is a success with a note, as the original answered for the
// cleanup.
func (s *Server) compatClone(ctx context.Context, c echo.Context, a compatArgs) error {
	if a.NewVMID == a.VMID {
		return &compatValidationError{status: http.StatusBadRequest,
			problems: []string{fmt.Sprintf("New container ID must differ from the container's, got %d", a.NewVMID)}}
	}
	who := caller(c)
	snapName := "snapshot-" + strconv.Itoa(a.NewVMID)
	snap, err := s.opts.Operations.CreateSnapshot(ctx, who, a.VMID, snapName, "for clone "+strconv.Itoa(a.NewVMID))
	if err != nil {
		return err
	}
	if _, err := s.compatWaitTask(ctx, fmt.Sprintf("snapshot %q of container %d", snapName, a.VMID), snap); err != nil {
		// The snapshot may still complete; its removal is tried anyway.
		s.compatRemoveCloneSnapshot(ctx, who, a.VMID, snapName)
		return err
	}
	// Full stays false: unset, as pct clone leaves it, PVE makes a full
	// copy of a container and a linked one of a template.
	clone, cloneErr := s.opts.Operations.Clone(ctx, who, a.VMID, controller.CloneRequest{
		NewID: a.NewVMID, Hostname: a.Hostname, Snapshot: snapName,
	})
	if cloneErr == nil {
		_, cloneErr = s.compatWaitTask(ctx, fmt.Sprintf("clone of container %d to %d", a.VMID, a.NewVMID), clone)
	}
	cleanupErr := s.compatRemoveCloneSnapshot(ctx, who, a.VMID, snapName)
	if cloneErr != nil {
		return cloneErr
	}
	start, startErr := s.opts.Operations.Start(ctx, who, a.NewVMID)
	if startErr == nil {
		_, startErr = s.compatWaitTask(ctx, fmt.Sprintf("start of container %d", a.NewVMID), start)
	}
	data := map[string]any{
		"vm_id": a.VMID, "lxc_id": a.VMID, "new_vm_id": a.NewVMID, "new_lxc_id": a.NewVMID,
		"hostname": a.Hostname, "started": startErr == nil, "snapshot": snapName, "snapshot_removed": cleanupErr == nil,
		"task": clone.ID,
	}
	var notes []string
	if startErr != nil {
		notes = append(notes, fmt.Sprintf("the clone exists, but it could not be started: %v", startErr))
	}
	if cleanupErr != nil {
		notes = append(notes, fmt.Sprintf("the clone exists, but its snapshot %s of container %d could not be removed: %v", snapName, a.VMID, cleanupErr))
	}
	if len(notes) > 0 {
		data["note"] = strings.Join(notes, "; ")
	}
	return compatSuccess(c, "Clone operation completed successfully.", data)
}

// compatRemoveCloneSnapshot deletes the clone's temporary snapshot and waits for
// it, even when the request was cancelled meanwhile.
func (s *Server) compatRemoveCloneSnapshot(ctx context.Context, who controller.Caller, vmid int, name string) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.opts.RequestTimeout)
	defer cancel()
	info, err := s.opts.Operations.DeleteSnapshot(ctx, who, vmid, name)
	if err == nil {
		_, err = s.compatWaitTask(ctx, fmt.Sprintf("delete snapshot %q of container %d", name, vmid), info)
	}
	if err != nil {
		s.opts.Logger.Warn().Err(err).Int("vmid", vmid).Str("snapshot", name).Msg("removing the clone snapshot failed")
	}
	return err
}

func (s *Server) compatDelete(ctx context.Context, c echo.Context, a compatArgs) error {
	return s.compatRunTask(ctx, c, compatTask{
		what:    fmt.Sprintf("delete container %d", a.VMID),
		message: fmt.Sprintf("Container %d successfully deleted", a.VMID),
		data:    map[string]any{"vm_id": a.VMID, "lxc_id": a.VMID},
	}, func() (controller.TaskInfo, error) {
		return s.opts.Operations.Delete(ctx, caller(c), a.VMID, false)
	})
}

// compatContainer is the data of the status and config routes: the
// original's config fields (lxc_id, vm_id, cores, memory_mb; cores null
// when unset, as PVE allows) and the live status.
type compatContainer struct {
	LXCID         int      `json:"lxc_id"`
	VMID          int      `json:"vm_id"`
	Node          string   `json:"node"`
	Name          string   `json:"name"`
	Status        string   `json:"status"`
	Lock          string   `json:"lock"`
	Cores         *int     `json:"cores"`
	CPULimit      float64  `json:"cpulimit"`
	MemoryMB      int      `json:"memory_mb"`
	SwapMB        int      `json:"swap_mb"`
	RootFSBytes   uint64   `json:"rootfs_bytes"`
	CPU           float64  `json:"cpu"` // fraction of the allocated CPUs in use
	MemUsedBytes  uint64   `json:"mem_used_bytes"`
	DiskUsedBytes uint64   `json:"disk_used_bytes"`
	UptimeSeconds int64    `json:"uptime_seconds"`
	Tags          []string `json:"tags"`
	Protection    bool     `json:"protection"`
	Digest        string   `json:"digest"`
}

func newCompatContainer(d controller.ContainerDetail) compatContainer {
	out := compatContainer{
		LXCID: d.Ref.VMID, VMID: d.Ref.VMID, Node: d.Ref.Node, Name: d.Status.Name, Status: d.Status.Status,
		Lock: d.Config.Lock, CPULimit: d.Config.CPULimit, MemoryMB: d.Config.MemoryMiB, SwapMB: d.Config.SwapMiB,
		RootFSBytes: d.Config.RootFS.SizeBytes, CPU: d.Status.CPU, MemUsedBytes: d.Status.Mem,
		DiskUsedBytes: d.Status.Disk, UptimeSeconds: int64(d.Status.Uptime / time.Second),
		Tags: d.Config.Tags, Protection: d.Config.Protection, Digest: d.Config.Digest,
	}
	if out.Name == "" {
		out.Name = d.Config.Hostname
	}
	if out.Tags == nil {
		out.Tags = []string{}
	}
	if d.Config.Cores > 0 {
		cores := d.Config.Cores
		out.Cores = &cores
	}
	if out.MemoryMB == 0 && d.Status.MaxMem > 0 {
		out.MemoryMB = int(d.Status.MaxMem >> 20)
	}
	if out.RootFSBytes == 0 {
		out.RootFSBytes = d.Status.MaxDisk
	}
	return out
}

func (s *Server) compatContainerStatus(ctx context.Context, c echo.Context, a compatArgs) error {
	d, err := s.opts.Operations.Container(ctx, a.VMID)
	if err != nil {
		return err
	}
	return compatSuccess(c, fmt.Sprintf("Status of container %d: %s", a.VMID, d.Status.Status), newCompatContainer(d))
}

func (s *Server) compatContainerConfig(ctx context.Context, c echo.Context, a compatArgs) error {
	d, err := s.opts.Operations.Container(ctx, a.VMID)
	if err != nil {
		return err
	}
	return compatSuccess(c, fmt.Sprintf("Configuration of container %d", a.VMID), newCompatContainer(d))
}

// compatNode is one node in the node and cluster routes.
type compatNode struct {
	Name          string  `json:"name"`
	Status        string  `json:"status"`
	Online        bool    `json:"online"`
	CPUs          int     `json:"cpus"`
	CPU           float64 `json:"cpu"` // fraction of all threads in use
	MemoryBytes   uint64  `json:"memory_bytes"`
	MemUsedBytes  uint64  `json:"mem_used_bytes"`
	DiskBytes     uint64  `json:"disk_bytes"`
	DiskUsedBytes uint64  `json:"disk_used_bytes"`
	UptimeSeconds int64   `json:"uptime_seconds"`
}

func newCompatNode(n controller.NodeSummary) compatNode {
	return compatNode{
		Name: n.Name, Status: n.Status, Online: n.Online, CPUs: n.CPUs, CPU: n.CPU,
		MemoryBytes: n.MemoryBytes, MemUsedBytes: n.MemUsedBytes, DiskBytes: n.DiskBytes,
		DiskUsedBytes: n.DiskUsedBytes, UptimeSeconds: int64(n.Uptime / time.Second),
	}
}

func (s *Server) compatNodeStatus(ctx context.Context, c echo.Context, a compatArgs) error {
	nodes, err := s.opts.Operations.Nodes(ctx)
	if err != nil {
		return err
	}
	for _, n := range nodes {
		if strings.EqualFold(n.Name, a.NodeName) {
			return compatSuccess(c, fmt.Sprintf("Status of node %s: %s", n.Name, n.Status), newCompatNode(n))
		}
	}
	return apiError(http.StatusNotFound, fmt.Sprintf("node %q is not a node of the cluster", a.NodeName))
}

// compatCluster is the data of /resource/cluster/status: what pvecm
// status told about the members, from the Proxmox API.
type compatCluster struct {
	Nodes       int          `json:"nodes"`
	NodesOnline int          `json:"nodes_online"`
	Members     []compatNode `json:"members"`
}

func (s *Server) compatClusterStatus(ctx context.Context, c echo.Context, _ compatArgs) error {
	nodes, err := s.opts.Operations.Nodes(ctx)
	if err != nil {
		return err
	}
	out := compatCluster{Nodes: len(nodes), Members: make([]compatNode, len(nodes))}
	for i, n := range nodes {
		out.Members[i] = newCompatNode(n)
		if n.Online {
			out.NodesOnline++
		}
	}
	slices.SortFunc(out.Members, func(a, b compatNode) int { return strings.Compare(a.Name, b.Name) })
	return compatSuccess(c, fmt.Sprintf("Cluster of %d nodes, %d online", out.Nodes, out.NodesOnline), out)
}

// compatRouteInfo is one entry of GET /routes, as Flask's url_map listed it.
type compatRouteInfo struct {
	Endpoint string `json:"endpoint"`
	Methods  string `json:"methods"`
	URL      string `json:"url"`
}

// compatRoutesList lists every route the server serves (not only the
// original's), sorted by URL, as a bare JSON array like the original.
func (s *Server) compatRoutesList(_ context.Context, c echo.Context, _ compatArgs) error {
	names := map[string]string{}
	for k, v := range compatEndpointNames {
		names[k] = v
	}
	for _, r := range s.compatRouteTable() {
		names[r.path] = r.endpoint
	}
	methods := map[string][]string{}
	for _, r := range s.echo.Routes() {
		if !knownMethods[r.Method] {
			continue
		}
		if !slices.Contains(methods[r.Path], r.Method) {
			methods[r.Path] = append(methods[r.Path], r.Method)
		}
	}
	out := make([]compatRouteInfo, 0, len(methods))
	for path, ms := range methods {
		slices.Sort(ms)
		name := names[path]
		if name == "" {
			name = compatEndpointName(path)
		}
		out = append(out, compatRouteInfo{Endpoint: name, Methods: strings.Join(ms, ","), URL: path})
	}
	slices.SortFunc(out, func(a, b compatRouteInfo) int { return strings.Compare(a.URL, b.URL) })
	return c.JSON(http.StatusOK, out)
}

// compatEndpointName names a route from its path: /api/v1/containers/:vmid ->
// api_v1_containers_vmid.
func compatEndpointName(path string) string {
	var b strings.Builder
	for _, r := range path {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
			b.WriteRune(r)
		case b.Len() > 0 && !strings.HasSuffix(b.String(), "_"):
			b.WriteByte('_')
		}
	}
	name := strings.TrimSuffix(b.String(), "_")
	if name == "" {
		return "index"
	}
	return name
}
