package control

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/lxc-autoscale/lxc-autoscale/test/pvesim"
	"github.com/lxc-autoscale/lxc-autoscale/test/pvesim/internal/schema"
	"github.com/lxc-autoscale/lxc-autoscale/test/pvesim/workload"
)

type lockBody struct {
	Lock string `json:"lock"`
}

type configBody struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

type migrateBody struct {
	Node string `json:"node"`
}

type clockBody struct {
	Advance string `json:"advance"`
}

// faultBody is a pvesim.Fault on the wire; latency is a Go duration string.
type faultBody struct {
	Method   string  `json:"method,omitempty"`
	Route    string  `json:"route,omitempty"`
	Node     string  `json:"node,omitempty"`
	Token    string  `json:"token,omitempty"`
	Status   int     `json:"status,omitempty"`
	Reason   string  `json:"reason,omitempty"`
	Latency  string  `json:"latency,omitempty"`
	Hang     bool    `json:"hang,omitempty"`
	TaskExit string  `json:"task_exit,omitempty"`
	Count    int     `json:"count,omitempty"`
	Rate     float64 `json:"rate,omitempty"`
}

func faultToBody(f pvesim.Fault) faultBody {
	b := faultBody{Method: f.Method, Route: f.Route, Node: f.Node, Token: f.Token, Status: f.Status, Reason: f.Reason,
		Hang: f.Hang, TaskExit: f.TaskExit, Count: f.Count, Rate: f.Rate}
	if f.Latency > 0 {
		b.Latency = f.Latency.String()
	}
	return b
}

func (b faultBody) fault(nodes []string) (pvesim.Fault, error) {
	f := pvesim.Fault{Method: b.Method, Route: b.Route, Node: b.Node, Token: b.Token, Status: b.Status, Reason: b.Reason,
		Hang: b.Hang, TaskExit: b.TaskExit, Count: b.Count, Rate: b.Rate}
	methods := []string{"GET", "POST", "PUT", "DELETE"}
	if f.Method != "" && !slices.Contains(methods, f.Method) {
		return f, badField("method", f.Method, "\"\" (any) or one of "+strings.Join(methods, ", "))
	}
	if all := pvesim.RouteTemplates(); f.Route != "" && !slices.Contains(all, f.Route) {
		return f, badField("route", f.Route, "\"\" (any) or a route template: "+strings.Join(all, ", "))
	}
	if f.Node != "" && !slices.Contains(nodes, f.Node) {
		return f, badField("node", f.Node, "\"\" (any) or one of "+strings.Join(nodes, ", "))
	}
	if len(f.Token) > maxControlTextLen || strings.ContainsAny(f.Token, "= \t\r\n") {
		// Not echoed: it may hold a secret.
		return f, &fieldError{`field "token": want an API token id user@realm!id or a user user@realm, without "=" and the secret`}
	}
	if f.Status != 0 && (f.Status < 400 || f.Status > 599) {
		return f, badField("status", strconv.Itoa(f.Status), "0 (handle normally) or 400..599")
	}
	if len(f.Reason) > maxControlTextLen || strings.ContainsAny(f.Reason, "\r\n") {
		return f, badField("reason", f.Reason, "one line of at most 200 bytes")
	}
	if f.Reason != "" && f.Status == 0 {
		return f, badField("reason", f.Reason, "empty unless status is set")
	}
	if b.Latency != "" {
		d, err := time.ParseDuration(b.Latency)
		if err != nil || d < 0 || d > maxFaultLatency {
			return f, badField("latency", b.Latency, "a Go duration from 0 to 10m, e.g. \"250ms\"")
		}
		f.Latency = d
	}
	if len(f.TaskExit) > maxControlTextLen || strings.ContainsAny(f.TaskExit, "\r\n") {
		return f, badField("task_exit", f.TaskExit, "one line of at most 200 bytes")
	}
	if f.Count < 0 || f.Count > maxFaultCount {
		return f, badField("count", strconv.Itoa(f.Count), "0 (until cleared) to 1000000")
	}
	if f.Rate < 0 || f.Rate > 1 {
		return f, badField("rate", strconv.FormatFloat(f.Rate, 'g', -1, 64), "0 (every matching request) to 1")
	}
	if f.Status == 0 && f.Latency == 0 && !f.Hang && f.TaskExit == "" {
		return f, errors.New("fault does nothing: set status, latency, hang or task_exit")
	}
	return f, nil
}

// containerBody is a pvesim.ContainerSpec on the wire.
type containerBody struct {
	VMID       int      `json:"vmid"`
	Node       string   `json:"node"`
	Name       string   `json:"name"`
	Cores      int      `json:"cores"`
	CPULimit   float64  `json:"cpulimit"`
	MemoryMiB  int      `json:"memory_mib"`
	SwapMiB    int      `json:"swap_mib"`
	DiskGiB    float64  `json:"disk_gib"`
	Workload   string   `json:"workload"`
	Tags       []string `json:"tags"`
	Pool       string   `json:"pool"`
	Stopped    bool     `json:"stopped"`
	Protection bool     `json:"protection"`
	Storage    string   `json:"storage"`
}

func (b containerBody) spec() (pvesim.ContainerSpec, error) {
	sp := pvesim.ContainerSpec{VMID: b.VMID, Node: b.Node, Name: b.Name, Cores: b.Cores, CPULimit: b.CPULimit,
		MemoryMiB: b.MemoryMiB, SwapMiB: b.SwapMiB, DiskGiB: b.DiskGiB, Workload: workload.Kind(b.Workload),
		Tags: b.Tags, Pool: b.Pool, Stopped: b.Stopped, Protection: b.Protection, Storage: b.Storage}
	switch {
	case b.VMID < 100 || b.VMID > 999999999:
		return sp, badField("vmid", strconv.Itoa(b.VMID), "100..999999999")
	case b.Name != "" && (schema.CheckFormat("pve-node", b.Name) != "" || len(b.Name) > 63):
		return sp, badField("name", b.Name, "a DNS label")
	case b.Cores < 0 || b.Cores > 8192:
		return sp, badField("cores", strconv.Itoa(b.Cores), "0 (none) to 8192")
	case b.CPULimit < 0 || b.CPULimit > 8192:
		return sp, badField("cpulimit", strconv.FormatFloat(b.CPULimit, 'g', -1, 64), "0 (none) to 8192")
	case b.MemoryMiB != 0 && (b.MemoryMiB < 16 || b.MemoryMiB > 1<<24):
		return sp, badField("memory_mib", strconv.Itoa(b.MemoryMiB), "0 (512) or 16 to 16777216")
	case b.SwapMiB < 0 || b.SwapMiB > 1<<24:
		return sp, badField("swap_mib", strconv.Itoa(b.SwapMiB), "0 to 16777216")
	case b.DiskGiB < 0 || b.DiskGiB > 1<<16:
		return sp, badField("disk_gib", strconv.FormatFloat(b.DiskGiB, 'g', -1, 64), "0 (8) to 65536")
	case b.Pool != "" && schema.CheckFormat("pve-poolid", b.Pool) != "":
		return sp, badField("pool", b.Pool, "a pool id of letters, digits, _ and -")
	}
	if b.Workload != "" {
		if _, err := workload.ParseKind(b.Workload); err != nil {
			return sp, badField("workload", b.Workload, "\"\" (drawn from the seed) or one of "+strings.Join(kindNames(), ", "))
		}
	}
	if b.Storage != "" {
		if all := pvesim.Storages(); !slices.Contains(all, b.Storage) {
			return sp, badField("storage", b.Storage, "\"\" (local-lvm) or one of "+strings.Join(all, ", "))
		}
	}
	for _, t := range b.Tags {
		if schema.CheckFormat("pve-tag", t) != "" {
			return sp, badField("tags", t, "tags of letters, digits and _ - + .")
		}
	}
	return sp, nil
}

func kindNames() []string {
	var out []string
	for _, k := range workload.Kinds() {
		out = append(out, string(k))
	}
	return out
}

// fieldError is bad input in one field of a control request.
type fieldError struct{ msg string }

func (e *fieldError) Error() string { return e.msg }

func badField(field, value, allowed string) error {
	if len(value) > 64 {
		value = value[:64] + "…"
	}
	return &fieldError{fmt.Sprintf("field %q: %q is out of range; want %s", field, value, allowed)}
}
