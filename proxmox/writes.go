package proxmox

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"time"
)

var (
	configKeyRe = regexp.MustCompile(`^[a-z][a-z0-9_]{0,39}$`)
	snapNameRe  = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_-]{1,39}$`)
	diskRe      = regexp.MustCompile(`^(rootfs|mp[0-9]{1,3})$`)
)

// invalid reports an argument refused before anything is sent; it matches
// ErrValidation like PVE's own parameter errors.
func invalid(format string, args ...any) error {
	return fmt.Errorf("proxmox: %s: %w", fmt.Sprintf(format, args...), ErrValidation)
}

// UpdateConfig changes cores, cpulimit, cpuunits, memory and swap (PUT
// …/config). PVE applies it synchronously (hot-plugged on a running
// container). u.Digest is required: the write is a compare-and-set, so a
// config changed since it was read fails with ErrDigestMismatch, and a locked
// container with ErrLocked. There is deliberately no way to skip the digest.
func (c *Client) UpdateConfig(ctx context.Context, ref Ref, u ConfigUpdate) error {
	if err := checkRef(ref); err != nil {
		return err
	}
	if u.Digest == "" {
		return invalid("config update of %s: Digest is required (read Config first)", ref)
	}
	body := map[string]any{"digest": u.Digest}
	set := func(key string, v any) { body[key] = v }
	if u.Cores != nil {
		if *u.Cores < 1 || *u.Cores > 8192 {
			return invalid("cores %d: allowed 1 to 8192", *u.Cores)
		}
		set("cores", *u.Cores)
	}
	if u.CPULimit != nil {
		if !(*u.CPULimit >= 0 && *u.CPULimit <= 8192) {
			return invalid("cpulimit %g: allowed 0 to 8192", *u.CPULimit)
		}
		set("cpulimit", *u.CPULimit)
	}
	if u.CPUUnits != nil {
		if *u.CPUUnits < 0 || *u.CPUUnits > 500000 {
			return invalid("cpuunits %d: allowed 0 to 500000", *u.CPUUnits)
		}
		set("cpuunits", *u.CPUUnits)
	}
	if u.Memory != nil {
		if *u.Memory < 16 {
			return invalid("memory %d MiB: minimum 16", *u.Memory)
		}
		set("memory", *u.Memory)
	}
	if u.Swap != nil {
		if *u.Swap < 0 {
			return invalid("swap %d MiB: minimum 0", *u.Swap)
		}
		set("swap", *u.Swap)
	}
	if len(u.Delete) > 0 {
		keys := append([]string(nil), u.Delete...)
		sort.Strings(keys)
		for _, k := range keys {
			if !configKeyRe.MatchString(k) {
				return invalid("delete key %q is not a config key", k)
			}
			if _, both := body[k]; both {
				return invalid("key %q is both set and deleted", k)
			}
		}
		set("delete", strings.Join(keys, ","))
	}
	if len(body) == 1 {
		return invalid("config update of %s changes nothing", ref)
	}
	r := request{method: http.MethodPut, route: "/nodes/{node}/lxc/{vmid}/config", path: ctPath(ref, "/config"), body: body, mutates: true}
	ex, err := c.call(ctx, r)
	if err != nil {
		return err
	}
	releaseBody(ex)
	return nil
}

// startTask sends a request that answers with a UPID.
func (c *Client) startTask(ctx context.Context, r request) (Task, error) {
	r.mutates = true
	upid, err := decodeWith(c, ctx, r, decodeString)
	if err != nil {
		return Task{}, err
	}
	t, err := ParseUPID(upid)
	if err != nil {
		return Task{}, &DecodeError{Route: r.route, Err: fmt.Errorf("%w %q", err, upid)}
	}
	t.Status, t.Running = "running", true
	return t, nil
}

// ResizeDisk grows a disk (rootfs, mp0…) by growBytes (PUT …/resize with a
// relative "+size" in PVE's units). Growing only: PVE refuses to shrink. An
// empty digest skips the compare-and-set; the controller always passes one.
// The returned task does the resize; wait for it with WaitTask.
func (c *Client) ResizeDisk(ctx context.Context, ref Ref, disk string, growBytes uint64, digest string) (Task, error) {
	if err := checkRef(ref); err != nil {
		return Task{}, err
	}
	if !diskRe.MatchString(disk) {
		return Task{}, invalid("disk %q: want rootfs or mpN", disk)
	}
	if growBytes == 0 {
		return Task{}, invalid("resize of %s %s by 0 bytes", ref, disk)
	}
	body := map[string]any{"disk": disk, "size": "+" + formatSize(growBytes)}
	if digest != "" {
		body["digest"] = digest
	}
	return c.startTask(ctx, request{method: http.MethodPut, route: "/nodes/{node}/lxc/{vmid}/resize", path: ctPath(ref, "/resize"), body: body})
}

// Snapshots lists a container's snapshots, without PVE's "current" entry.
func (c *Client) Snapshots(ctx context.Context, ref Ref) ([]Snapshot, error) {
	if err := checkRef(ref); err != nil {
		return nil, err
	}
	return decodeWith(c, ctx, get("/nodes/{node}/lxc/{vmid}/snapshot", ctPath(ref, "/snapshot")), decodeSnapshots)
}

func checkSnapName(name string) error {
	if !snapNameRe.MatchString(name) || name == "current" || name == "vzdump" {
		return invalid("snapshot name %q: 2 to 40 letters, digits, - or _, starting with a letter; not current or vzdump", name)
	}
	return nil
}

func snapPath(ref Ref, name, suffix string) string {
	return ctPath(ref, "/snapshot/"+url.PathEscape(name)+suffix)
}

// CreateSnapshot starts a snapshot task (POST …/snapshot). Most failures
// (a lock, a name in use) surface from the task, through WaitTask.
func (c *Client) CreateSnapshot(ctx context.Context, ref Ref, name, description string) (Task, error) {
	if err := checkRef(ref); err != nil {
		return Task{}, err
	}
	if err := checkSnapName(name); err != nil {
		return Task{}, err
	}
	body := map[string]any{"snapname": name}
	if description != "" {
		body["description"] = description
	}
	return c.startTask(ctx, request{method: http.MethodPost, route: "/nodes/{node}/lxc/{vmid}/snapshot", path: ctPath(ref, "/snapshot"), body: body})
}

// StartContainer starts a stopped container (POST …/status/start) and
// returns its task.
func (c *Client) StartContainer(ctx context.Context, ref Ref) (Task, error) {
	if err := checkRef(ref); err != nil {
		return Task{}, err
	}
	return c.startTask(ctx, request{method: http.MethodPost, route: "/nodes/{node}/lxc/{vmid}/status/start", path: ctPath(ref, "/status/start"), body: map[string]any{}})
}

// RollbackSnapshot starts a rollback task; PVE force-stops a running
// container first, and start starts it again afterwards.
func (c *Client) RollbackSnapshot(ctx context.Context, ref Ref, name string, start bool) (Task, error) {
	if err := checkRef(ref); err != nil {
		return Task{}, err
	}
	if err := checkSnapName(name); err != nil {
		return Task{}, err
	}
	body := map[string]any{}
	if start {
		body["start"] = 1
	}
	return c.startTask(ctx, request{method: http.MethodPost, route: "/nodes/{node}/lxc/{vmid}/snapshot/{snapname}/rollback", path: snapPath(ref, name, "/rollback"), body: body})
}

// DeleteSnapshot starts a snapshot removal task.
func (c *Client) DeleteSnapshot(ctx context.Context, ref Ref, name string) (Task, error) {
	if err := checkRef(ref); err != nil {
		return Task{}, err
	}
	if err := checkSnapName(name); err != nil {
		return Task{}, err
	}
	return c.startTask(ctx, request{method: http.MethodDelete, route: "/nodes/{node}/lxc/{vmid}/snapshot/{snapname}", path: snapPath(ref, name, "")})
}

// Clone starts a clone task (POST …/clone) and returns the new VMID. With
// o.NewID 0 it takes the cluster's next free VMID; that is not a
// reservation, so a concurrent creator can win it and the clone then fails
// with ErrConflict. The new container exists (locked) as soon as Clone returns.
func (c *Client) Clone(ctx context.Context, ref Ref, o CloneOptions) (int, Task, error) {
	if err := checkRef(ref); err != nil {
		return 0, Task{}, err
	}
	if o.NewID != 0 && (o.NewID < 100 || o.NewID > 999999999) {
		return 0, Task{}, invalid("clone NewID %d: allowed 100 to 999999999", o.NewID)
	}
	if o.SnapName != "" {
		if err := checkSnapName(o.SnapName); err != nil {
			return 0, Task{}, err
		}
	}
	if o.Storage != "" && !o.Full {
		return 0, Task{}, invalid("clone Storage needs Full (PVE refuses storage for linked clones)")
	}
	newID := o.NewID
	if newID == 0 {
		id, err := c.NextID(ctx)
		if err != nil {
			return 0, Task{}, fmt.Errorf("clone %s: %w", ref, err)
		}
		newID = id
	}
	body := map[string]any{"newid": newID}
	for k, v := range map[string]string{"hostname": o.Hostname, "target": o.Target, "storage": o.Storage, "pool": o.Pool, "snapname": o.SnapName} {
		if v != "" {
			body[k] = v
		}
	}
	if o.Full {
		body["full"] = 1
	}
	t, err := c.startTask(ctx, request{method: http.MethodPost, route: "/nodes/{node}/lxc/{vmid}/clone", path: ctPath(ref, "/clone"), body: body})
	if err != nil {
		return 0, Task{}, err
	}
	return newID, t, nil
}

// DeleteContainer starts the destroy task (DELETE /nodes/{node}/lxc/{vmid}).
// With o.StopFirst a running container is stopped first (stop task, waited
// for within ctx); without it PVE refuses a running container (ErrConflict).
func (c *Client) DeleteContainer(ctx context.Context, ref Ref, o DeleteOptions) (Task, error) {
	if err := checkRef(ref); err != nil {
		return Task{}, err
	}
	if o.StopFirst {
		st, err := c.ContainerStatus(ctx, ref)
		if err != nil {
			return Task{}, fmt.Errorf("delete %s: %w", ref, err)
		}
		if st.Status == "running" {
			stop, err := c.startTask(ctx, request{method: http.MethodPost, route: "/nodes/{node}/lxc/{vmid}/status/stop", path: ctPath(ref, "/status/stop"), body: map[string]any{}})
			if err != nil {
				return Task{}, fmt.Errorf("delete %s: stop: %w", ref, err)
			}
			if _, err := c.WaitTask(ctx, stop, 0); err != nil {
				return Task{}, fmt.Errorf("delete %s: stop: %w", ref, err)
			}
		}
	}
	path := ctPath(ref, "")
	if o.Purge {
		path += "?purge=1"
	}
	return c.startTask(ctx, request{method: http.MethodDelete, route: "/nodes/{node}/lxc/{vmid}", path: path})
}

// Task polling starts fast (most config tasks finish within a second) and
// backs off to taskPollMax.
const (
	taskPollMin = 100 * time.Millisecond
	taskPollMax = 2 * time.Second
)

// WaitTask polls t until it stops, ctx ends or timeout (0: no limit beyond
// ctx) passes. It returns the last known state and, when the task failed, a
// *TaskError (ErrTaskFailed; WARNINGS count as success, as in PVE). Running
// out of time is ErrTimeout; the task itself keeps running on PVE. Transient
// polling failures are tolerated until the deadline.
func (c *Client) WaitTask(ctx context.Context, t Task, timeout time.Duration) (Task, error) {
	if timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	interval := taskPollMin
	for {
		cur, err := c.Task(ctx, t.UPID)
		switch {
		case err == nil:
			t = cur
			if t.Done() {
				return t, t.Err()
			}
		case ctx.Err() != nil: // reported below
		case !Retryable(err):
			return t, fmt.Errorf("wait task %s: %w", t.UPID, err)
		default:
			c.log.Warn().Err(err).Str("upid", t.UPID).Msg("poll proxmox task")
		}
		timer := time.NewTimer(interval)
		select {
		case <-ctx.Done():
			timer.Stop()
			if errors.Is(ctx.Err(), context.DeadlineExceeded) {
				return t, fmt.Errorf("wait task %s: still %s: %w", t.UPID, orUnknown(t.Status), ErrTimeout)
			}
			return t, fmt.Errorf("wait task %s: %w", t.UPID, ctx.Err())
		case <-timer.C:
		}
		interval = min(interval*3/2, taskPollMax)
	}
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}
