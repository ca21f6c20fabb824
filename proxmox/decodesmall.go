package proxmox

import (
	"encoding/json"
	"errors"
	"math"
	"strconv"
	"strings"

	"github.com/lxc-autoscale/lxc-autoscale/proxmox/internal/jsonscan"
)

// The small answers (config, nodes, node status, snapshots, tasks, version,
// error bodies): rare enough that encoding/json into wire structs of number
// and text fields is fast enough (see decode.go for the large ones).

// number is a JSON value read as a number, as the scanner's num reads it: PVE
// sends some numbers as strings (a node's loadavg, cpulimit) and flags as 0/1
// or true/false. null, "" or anything else not numeric reads as 0, not as an
// error: one odd member never fails a whole answer.
type number float64

func (n *number) UnmarshalJSON(b []byte) error {
	var f float64
	switch b[0] {
	case '"':
		// the raw text: an escape or non-ASCII byte is no number anyway
		f, _ = jsonscan.ParseNumber(b[1 : len(b)-1])
	case 't':
		f = 1
	case 'f', 'n', '{', '[':
	default:
		f, _ = jsonscan.ParseNumber(b)
	}
	*n = number(f)
	return nil
}

// text is a JSON value read as text: numbers keep their literal ("105"),
// booleans become "1"/"0" as PVE writes flags, null and objects are "".
type text string

func (t *text) UnmarshalJSON(b []byte) error {
	switch b[0] {
	case '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*t = text(s)
	case 't':
		*t = "1"
	case 'f':
		*t = "0"
	case 'n', '{', '[':
		*t = ""
	default:
		*t = text(b)
	}
	return nil
}

// decodeData reads PVE's {"data": …} envelope into dst and reports whether
// data was there (absent and null are the same); other members are ignored.
// Wire structs name PVE's members by their Go field names, which
// encoding/json matches without regard to case.
func decodeData(body []byte, dst any) (found bool, err error) {
	var env struct{ Data json.RawMessage }
	if err := json.Unmarshal(body, &env); err != nil {
		return false, err
	}
	if len(env.Data) == 0 || string(env.Data) == "null" {
		return false, nil
	}
	return true, json.Unmarshal(env.Data, dst)
}

// decodeObject is decodeData for answers that must carry data.
func decodeObject(body []byte, dst any) error {
	found, err := decodeData(body, dst)
	if err == nil && !found {
		return errEmptyData
	}
	return err
}

// decodeConfig reads GET …/config.
func decodeConfig(body []byte) (Config, error) {
	var raw map[string]json.RawMessage
	if err := decodeObject(body, &raw); err != nil {
		return Config{}, err
	}
	cfg := Config{Raw: make(map[string]string, len(raw))}
	for k, v := range raw {
		if v[0] == '{' || v[0] == '[' {
			// raw lxc.* entries come as [[key, value], …]; keep the JSON
			cfg.Raw[k] = string(v)
			continue
		}
		var t text
		if err := t.UnmarshalJSON(v); err != nil {
			return Config{}, err
		}
		cfg.Raw[k] = string(t)
	}
	r := cfg.Raw
	cfg.Digest = r["digest"]
	cfg.Cores = atoiOr0(r["cores"])
	cfg.CPULimit, _ = jsonscan.ParseNumber([]byte(r["cpulimit"]))
	cfg.CPUUnits = atoiOr0(r["cpuunits"])
	cfg.MemoryMiB = atoiOr0(r["memory"])
	cfg.SwapMiB = atoiOr0(r["swap"])
	cfg.Tags = splitTags(r["tags"])
	cfg.Lock = r["lock"]
	cfg.Hostname = r["hostname"]
	cfg.Protection = r["protection"] == "1"
	if spec, ok := r["rootfs"]; ok {
		cfg.RootFS = parseVolume(spec)
	}
	for k, spec := range r {
		if len(k) > 2 && strings.HasPrefix(k, "mp") && isDigits(k[2:]) {
			if cfg.MountPoints == nil {
				cfg.MountPoints = map[string]Volume{}
			}
			cfg.MountPoints[k] = parseVolume(spec)
		}
	}
	return cfg, nil
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

func atoiOr0(s string) int {
	v, ok := jsonscan.ParseNumber([]byte(s))
	if !ok {
		return 0
	}
	return toInt(v)
}

// parseVolume reads "local-lvm:vm-101-disk-0,size=8G,mp=/data" (the first
// item may also be "volume=…").
func parseVolume(spec string) Volume {
	v := Volume{Spec: spec}
	for i, part := range strings.Split(spec, ",") {
		key, val, hasEq := strings.Cut(part, "=")
		switch {
		case i == 0 && !hasEq, key == "volume":
			vol := part
			if hasEq {
				vol = val
			}
			if st, name, ok := strings.Cut(vol, ":"); ok {
				v.Storage, v.Volume = st, name
			} else {
				v.Volume = vol
			}
		case key == "size":
			v.SizeBytes, _ = parseSize(val)
		}
	}
	return v
}

// parseSize reads PVE's disk sizes: a number with an optional K/M/G/T unit
// (powers of 1024, also KiB…TiB); no unit means bytes.
func parseSize(s string) (uint64, bool) {
	s = strings.TrimSpace(s)
	mult := 1.0
	for _, u := range []struct {
		suffix string
		mult   float64
	}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"TiB", 1 << 40},
		{"K", 1 << 10}, {"M", 1 << 20}, {"G", 1 << 30}, {"T", 1 << 40}} {
		if strings.HasSuffix(s, u.suffix) {
			s, mult = strings.TrimSuffix(s, u.suffix), u.mult
			break
		}
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f < 0 || math.IsInf(f, 0) || math.IsNaN(f) {
		return 0, false
	}
	return toUint(f * mult), true
}

// formatSize writes a byte count in the largest PVE unit that divides it
// exactly, as PVE itself writes sizes (9G, 9728M, 512K, 100).
func formatSize(b uint64) string {
	for _, u := range []struct {
		suffix string
		shift  uint
	}{{"T", 40}, {"G", 30}, {"M", 20}, {"K", 10}} {
		if b >= 1<<u.shift && b%(1<<u.shift) == 0 {
			return strconv.FormatUint(b>>u.shift, 10) + u.suffix
		}
	}
	return strconv.FormatUint(b, 10)
}

// decodeNodes reads GET /nodes (one entry a node: small, unlike the
// container listings).
func decodeNodes(body []byte) ([]Node, error) {
	var wire []struct {
		Node, Status, Level                             text
		MaxCPU, MaxMem, CPU, Mem, MaxDisk, Disk, Uptime number
		SSLFingerprint                                  text `json:"ssl_fingerprint"`
	}
	if _, err := decodeData(body, &wire); err != nil {
		return nil, err
	}
	var out []Node
	for _, w := range wire {
		out = append(out, Node{
			Name:           string(w.Node),
			Status:         string(w.Status),
			Online:         w.Status == "online",
			CPUs:           toInt(w.MaxCPU),
			MemoryBytes:    toUint(w.MaxMem),
			CPU:            float64(w.CPU),
			MemUsedBytes:   toUint(w.Mem),
			DiskBytes:      toUint(w.MaxDisk),
			DiskUsedBytes:  toUint(w.Disk),
			Uptime:         seconds(w.Uptime),
			Level:          string(w.Level),
			SSLFingerprint: string(w.SSLFingerprint),
		})
	}
	return out, nil
}

// usage is the {"total":…,"used":…,…} shape of node status members.
type usage struct{ Total, Used, Free, Available number }

// decodeNodeStatus reads GET /nodes/{node}/status.
func decodeNodeStatus(body []byte, node string) (NodeStatus, error) {
	var w struct {
		CPU, Wait, Uptime    number
		KVersion, PVEVersion text
		LoadAvg              []number
		CPUInfo              struct {
			CPUs, Cores, Sockets number
			Model                text
		}
		Memory, Swap, RootFS usage
	}
	if err := decodeObject(body, &w); err != nil {
		return NodeStatus{}, err
	}
	ns := NodeStatus{
		Name:            node,
		CPUs:            toInt(w.CPUInfo.CPUs),
		Cores:           toInt(w.CPUInfo.Cores),
		Sockets:         toInt(w.CPUInfo.Sockets),
		CPUModel:        string(w.CPUInfo.Model),
		CPU:             float64(w.CPU),
		IOWait:          float64(w.Wait),
		MemoryTotal:     toUint(w.Memory.Total),
		MemoryUsed:      toUint(w.Memory.Used),
		MemoryFree:      toUint(w.Memory.Free),
		MemoryAvailable: toUint(w.Memory.Available),
		SwapTotal:       toUint(w.Swap.Total),
		SwapUsed:        toUint(w.Swap.Used),
		RootFSTotal:     toUint(w.RootFS.Total),
		RootFSUsed:      toUint(w.RootFS.Used),
		Uptime:          seconds(w.Uptime),
		KernelVersion:   string(w.KVersion),
		PVEVersion:      string(w.PVEVersion),
	}
	for i := range min(len(w.LoadAvg), len(ns.LoadAvg)) {
		ns.LoadAvg[i] = float64(w.LoadAvg[i])
	}
	return ns, nil
}

// decodeSnapshots reads GET …/snapshot, dropping the "current" pseudo entry.
func decodeSnapshots(body []byte) ([]Snapshot, error) {
	var wire []struct {
		Name, Description, Parent text
		SnapTime                  number
	}
	if _, err := decodeData(body, &wire); err != nil {
		return nil, err
	}
	out := []Snapshot{}
	for _, w := range wire {
		if w.Name != "current" {
			out = append(out, Snapshot{Name: string(w.Name), Description: string(w.Description), Parent: string(w.Parent), Time: unixTime(w.SnapTime)})
		}
	}
	return out, nil
}

// decodeTaskStatus reads GET /nodes/{node}/tasks/{upid}/status. Members
// PVE left out keep what t (parsed from the UPID) has.
func decodeTaskStatus(body []byte, t Task) (Task, error) {
	w := struct {
		Status, ExitStatus, Type, ID, User, Node text
		StartTime                                *number
	}{text(t.Status), text(t.ExitStatus), text(t.Type), text(t.ID), text(t.User), text(t.Node), nil}
	if err := decodeObject(body, &w); err != nil {
		return t, err
	}
	t.Status, t.ExitStatus = string(w.Status), string(w.ExitStatus)
	t.Type, t.ID, t.User, t.Node = string(w.Type), string(w.ID), string(w.User), string(w.Node)
	if w.StartTime != nil {
		t.StartTime = unixTime(*w.StartTime)
	}
	t.Running = t.Status == "running"
	return t, nil
}

// decodeTaskLog reads GET /nodes/{node}/tasks/{upid}/log.
func decodeTaskLog(body []byte) ([]TaskLogLine, error) {
	var wire []struct {
		N number
		T text
	}
	if _, err := decodeData(body, &wire); err != nil {
		return nil, err
	}
	var out []TaskLogLine
	for _, w := range wire {
		out = append(out, TaskLogLine{N: toInt(w.N), Text: string(w.T)})
	}
	return out, nil
}

// decodeString reads a data member that is a string (UPIDs, nextid) or a
// number (nextid as the schema has it).
func decodeString(body []byte) (string, error) {
	var v text
	if err := decodeObject(body, &v); err != nil {
		return "", err
	}
	if v == "" {
		return "", errEmptyData
	}
	return string(v), nil
}

// decodeVersion reads GET /version.
func decodeVersion(body []byte) (Version, error) {
	var w struct{ Version, Release, RepoID text }
	if err := decodeObject(body, &w); err != nil {
		return Version{}, err
	}
	return Version{Version: string(w.Version), Release: string(w.Release), RepoID: string(w.RepoID)}, nil
}

// errorBody holds what PVE puts into an error answer's body.
type errorBody struct {
	message string
	params  map[string]string
}

// decodeErrorBody reads {"data":null,"errors":{…},"message":"…"}; anything
// unparsable (595/596 bodies are often empty or HTML) gives an empty result.
func decodeErrorBody(body []byte) errorBody {
	var w struct {
		Message text
		Errors  json.RawMessage
	}
	if json.Unmarshal(body, &w) != nil {
		return errorBody{}
	}
	eb := errorBody{message: string(w.Message)}
	var params map[string]text
	if json.Unmarshal(w.Errors, &params) == nil && len(params) > 0 {
		eb.params = make(map[string]string, len(params))
		for k, v := range params {
			eb.params[k] = strings.TrimSpace(string(v))
		}
	}
	return eb
}

// errEmptyData is a success answer without the object it should carry.
var errEmptyData = errors.New("answer has no data")
