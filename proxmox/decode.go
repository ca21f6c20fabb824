package proxmox

import (
	"bytes"
	"errors"
	"math"
	"strconv"
	"strings"
	"time"
)

// The decoders below read PVE's {"data": …} bodies into the package's types.
// They accept every numeric field as a number or a numeric string, ignore
// unknown members, and fail only on malformed JSON, never on one odd value.

func toUint(f float64) uint64 {
	if f <= 0 || math.IsNaN(f) {
		return 0
	}
	if f >= math.MaxUint64 {
		return math.MaxUint64
	}
	return uint64(f)
}

func toInt(f float64) int {
	if math.IsNaN(f) {
		return 0
	}
	if f >= math.MaxInt32 {
		return math.MaxInt32
	}
	if f <= math.MinInt32 {
		return math.MinInt32
	}
	return int(f)
}

func seconds(f float64) time.Duration {
	if f <= 0 || math.IsNaN(f) {
		return 0
	}
	if f > float64(math.MaxInt64/int64(time.Second)) {
		return time.Duration(math.MaxInt64)
	}
	return time.Duration(f * float64(time.Second))
}

func unixTime(f float64) time.Time {
	if f <= 0 || math.IsNaN(f) || f > 1<<40 {
		return time.Time{}
	}
	return time.Unix(int64(f), 0)
}

// splitTags splits PVE's tag list (";", "," or space separated).
func splitTags(s string) []string {
	if s == "" {
		return nil
	}
	return strings.FieldsFunc(s, func(r rune) bool { return r == ';' || r == ',' || r == ' ' })
}

// containerField decodes one member of an lxc list, status/current or
// cluster resources entry. It reports whether the member was a pressure field.
func containerField(s *scanner, key []byte, c *Container, p *Pressure) bool {
	switch string(key) {
	case "vmid":
		v, _ := s.num()
		c.VMID = toInt(v)
	case "name":
		c.Name = s.str()
	case "node":
		c.Node = s.str()
	case "status":
		c.Status = s.word()
	case "template":
		v, _ := s.num()
		c.Template = v != 0
	case "lock":
		c.Lock = s.str()
	case "tags":
		c.Tags = splitTags(s.str())
	case "pool":
		c.Pool = s.str()
	case "cpus", "maxcpu":
		c.CPUs, _ = s.num()
	case "cpu":
		c.CPU, _ = s.num()
	case "mem":
		v, _ := s.num()
		c.Mem = toUint(v)
	case "maxmem":
		v, _ := s.num()
		c.MaxMem = toUint(v)
	case "swap":
		v, _ := s.num()
		c.Swap = toUint(v)
	case "maxswap":
		v, _ := s.num()
		c.MaxSwap = toUint(v)
	case "disk":
		v, _ := s.num()
		c.Disk = toUint(v)
	case "maxdisk":
		v, _ := s.num()
		c.MaxDisk = toUint(v)
	case "netin":
		v, _ := s.num()
		c.NetIn = toUint(v)
	case "netout":
		v, _ := s.num()
		c.NetOut = toUint(v)
	case "diskread":
		v, _ := s.num()
		c.DiskRead = toUint(v)
	case "diskwrite":
		v, _ := s.num()
		c.DiskWrite = toUint(v)
	case "uptime":
		v, _ := s.num()
		c.Uptime = seconds(v)
	case "pressurecpusome":
		p.CPUSome, _ = s.num()
		return true
	case "pressurecpufull":
		p.CPUFull, _ = s.num()
		return true
	case "pressureiosome":
		p.IOSome, _ = s.num()
		return true
	case "pressureiofull":
		p.IOFull, _ = s.num()
		return true
	case "pressurememorysome":
		p.MemorySome, _ = s.num()
		return true
	case "pressurememoryfull":
		p.MemoryFull, _ = s.num()
		return true
	default:
		s.skip()
	}
	return false
}

// decodeContainer reads one container object. kind is the "type" member
// ("lxc", "qemu", "node", …) so cluster listings can filter; psi holds the
// pressure fields, present when hasPSI (the caller decides where it lives).
func decodeContainer(s *scanner, node string) (c Container, psi Pressure, hasPSI bool, kind string) {
	c.Node = node
	if !s.object() {
		return c, psi, false, ""
	}
	first := true
	for key, ok := s.next(&first); ok; key, ok = s.next(&first) {
		if string(key) == "type" {
			kind = s.word()
			continue
		}
		if containerField(s, key, &c, &psi) {
			hasPSI = true
		}
	}
	return c, psi, hasPSI, kind
}

// boxed moves p to the heap only when called; taking &p of a loop variable
// would allocate it for every entry, PSI or not.
func boxed(p Pressure) *Pressure { return &p }

// decodeContainers reads GET /nodes/{node}/lxc.
func decodeContainers(body []byte, node string) ([]Container, error) {
	var out []Container
	err := decodeEnvelope(body, func(s *scanner) {
		if !s.array() {
			return
		}
		// one "vmid" per entry: size the slice once instead of regrowing it,
		// and take every Pressure from one allocation
		n := bytes.Count(body, []byte(`"vmid"`))
		out = make([]Container, 0, n)
		psi := make([]Pressure, n)
		first := true
		for i := 0; s.elem(&first); i++ {
			c, p, hasPSI, _ := decodeContainer(s, node)
			if hasPSI {
				if i < len(psi) {
					psi[i] = p
					c.Pressure = &psi[i]
				} else {
					c.Pressure = boxed(p)
				}
			}
			c.Node = node // the node asked, whatever the entry says
			out = append(out, c)
		}
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// decodeClusterContainers reads GET /cluster/resources, keeping lxc entries.
func decodeClusterContainers(body []byte) ([]Container, error) {
	var out []Container
	err := decodeEnvelope(body, func(s *scanner) {
		if !s.array() {
			return
		}
		first := true
		for s.elem(&first) {
			c, p, hasPSI, kind := decodeContainer(s, "")
			if hasPSI {
				c.Pressure = boxed(p)
			}
			if kind == "lxc" {
				out = append(out, c)
			}
		}
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// decodeContainerStatus reads GET …/status/current.
func decodeContainerStatus(body []byte, ref Ref) (Container, error) {
	var c Container
	found := false
	err := decodeEnvelope(body, func(s *scanner) {
		var p Pressure
		var hasPSI bool
		c, p, hasPSI, _ = decodeContainer(s, ref.Node)
		if hasPSI {
			c.Pressure = boxed(p)
		}
		found = true
	})
	if err != nil {
		return Container{}, err
	}
	if !found {
		return Container{}, errEmptyData
	}
	if c.VMID == 0 {
		c.VMID = ref.VMID
	}
	c.Node = ref.Node
	return c, nil
}

// decodeNodes reads GET /nodes.
func decodeNodes(body []byte) ([]Node, error) {
	var out []Node
	err := decodeEnvelope(body, func(s *scanner) {
		if !s.array() {
			return
		}
		first := true
		for s.elem(&first) {
			var n Node
			if s.object() {
				f := true
				for key, ok := s.next(&f); ok; key, ok = s.next(&f) {
					switch string(key) {
					case "node":
						n.Name = s.str()
					case "status":
						n.Status = s.str()
					case "maxcpu":
						v, _ := s.num()
						n.CPUs = toInt(v)
					case "maxmem":
						v, _ := s.num()
						n.MemoryBytes = toUint(v)
					case "cpu":
						n.CPU, _ = s.num()
					case "mem":
						v, _ := s.num()
						n.MemUsedBytes = toUint(v)
					case "maxdisk":
						v, _ := s.num()
						n.DiskBytes = toUint(v)
					case "disk":
						v, _ := s.num()
						n.DiskUsedBytes = toUint(v)
					case "uptime":
						v, _ := s.num()
						n.Uptime = seconds(v)
					case "level":
						n.Level = s.str()
					case "ssl_fingerprint":
						n.SSLFingerprint = s.str()
					default:
						s.skip()
					}
				}
			}
			n.Online = n.Status == "online"
			out = append(out, n)
		}
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// decodeNodeStatus reads GET /nodes/{node}/status.
func decodeNodeStatus(body []byte, node string) (NodeStatus, error) {
	ns := NodeStatus{Name: node}
	found := false
	err := decodeEnvelope(body, func(s *scanner) {
		if !s.object() {
			return
		}
		found = true
		first := true
		for key, ok := s.next(&first); ok; key, ok = s.next(&first) {
			switch string(key) {
			case "cpu":
				ns.CPU, _ = s.num()
			case "wait":
				ns.IOWait, _ = s.num()
			case "uptime":
				v, _ := s.num()
				ns.Uptime = seconds(v)
			case "kversion":
				ns.KernelVersion = s.str()
			case "pveversion":
				ns.PVEVersion = s.str()
			case "loadavg":
				if s.array() {
					f, i := true, 0
					for s.elem(&f) {
						v, _ := s.num()
						if i < len(ns.LoadAvg) {
							ns.LoadAvg[i] = v
						}
						i++
					}
				}
			case "cpuinfo":
				objectNums(s, func(k string, v float64, str string) {
					switch k {
					case "cpus":
						ns.CPUs = toInt(v)
					case "cores":
						ns.Cores = toInt(v)
					case "sockets":
						ns.Sockets = toInt(v)
					case "model":
						ns.CPUModel = str
					}
				})
			case "memory":
				objectNums(s, func(k string, v float64, _ string) {
					switch k {
					case "total":
						ns.MemoryTotal = toUint(v)
					case "used":
						ns.MemoryUsed = toUint(v)
					case "free":
						ns.MemoryFree = toUint(v)
					case "available":
						ns.MemoryAvailable = toUint(v)
					}
				})
			case "swap":
				objectNums(s, func(k string, v float64, _ string) {
					switch k {
					case "total":
						ns.SwapTotal = toUint(v)
					case "used":
						ns.SwapUsed = toUint(v)
					}
				})
			case "rootfs":
				objectNums(s, func(k string, v float64, _ string) {
					switch k {
					case "total":
						ns.RootFSTotal = toUint(v)
					case "used":
						ns.RootFSUsed = toUint(v)
					}
				})
			default:
				s.skip()
			}
		}
	})
	if err != nil {
		return NodeStatus{}, err
	}
	if !found {
		return NodeStatus{}, errEmptyData
	}
	return ns, nil
}

// objectNums walks a flat object, giving each member as a number and as text.
func objectNums(s *scanner, fn func(key string, num float64, str string)) {
	if !s.object() {
		return
	}
	first := true
	for key, ok := s.next(&first); ok; key, ok = s.next(&first) {
		k := string(key)
		switch s.peek() {
		case '"':
			str := s.str()
			v, _ := parseNumber([]byte(str))
			fn(k, v, str)
		case '{', '[':
			s.skip()
		default:
			v, _ := s.num()
			fn(k, v, "")
		}
	}
}

// decodeRRD reads GET …/rrddata. Members PVE left out stay invalid.
func decodeRRD(body []byte) ([]RRDPoint, error) {
	var out []RRDPoint
	err := decodeEnvelope(body, func(s *scanner) {
		if !s.array() {
			return
		}
		out = make([]RRDPoint, 0, 64)
		first := true
		for s.elem(&first) {
			var p RRDPoint
			if s.object() {
				f := true
				for key, ok := s.next(&f); ok; key, ok = s.next(&f) {
					var dst *OptFloat
					switch string(key) {
					case "time":
						v, _ := s.num()
						p.Time = unixTime(v)
						continue
					case "cpu":
						dst = &p.CPU
					case "maxcpu":
						dst = &p.MaxCPU
					case "mem":
						dst = &p.Mem
					case "maxmem":
						dst = &p.MaxMem
					case "disk":
						dst = &p.Disk
					case "maxdisk":
						dst = &p.MaxDisk
					case "netin":
						dst = &p.NetIn
					case "netout":
						dst = &p.NetOut
					case "diskread":
						dst = &p.DiskRead
					case "diskwrite":
						dst = &p.DiskWrite
					case "pressurecpusome":
						dst = &p.PressureCPUSome
					case "pressurecpufull":
						dst = &p.PressureCPUFull
					case "pressureiosome":
						dst = &p.PressureIOSome
					case "pressureiofull":
						dst = &p.PressureIOFull
					case "pressurememorysome":
						dst = &p.PressureMemSome
					case "pressurememoryfull":
						dst = &p.PressureMemFull
					default:
						s.skip()
						continue
					}
					v, ok := s.num()
					if ok && !math.IsNaN(v) && !math.IsInf(v, 0) {
						*dst = OptFloat{Value: v, Valid: true}
					}
				}
			}
			out = append(out, p)
		}
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// decodeConfig reads GET …/config.
func decodeConfig(body []byte) (Config, error) {
	cfg := Config{Raw: map[string]string{}}
	found := false
	err := decodeEnvelope(body, func(s *scanner) {
		if !s.object() {
			return
		}
		found = true
		first := true
		for key, ok := s.next(&first); ok; key, ok = s.next(&first) {
			k := string(key)
			var v string
			switch s.peek() {
			case '{', '[':
				// raw lxc.* entries come as [[key, value], …]; keep the JSON
				v = string(s.rawValue())
			default:
				v = s.str()
			}
			cfg.Raw[k] = v
		}
	})
	if err != nil {
		return Config{}, err
	}
	if !found {
		return Config{}, errEmptyData
	}
	r := cfg.Raw
	cfg.Digest = r["digest"]
	cfg.Cores = atoiOr0(r["cores"])
	cfg.CPULimit, _ = parseNumber([]byte(r["cpulimit"]))
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
	v, ok := parseNumber([]byte(s))
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

// decodeSnapshots reads GET …/snapshot, dropping the "current" pseudo entry.
func decodeSnapshots(body []byte) ([]Snapshot, error) {
	out := []Snapshot{}
	err := decodeEnvelope(body, func(s *scanner) {
		if !s.array() {
			return
		}
		first := true
		for s.elem(&first) {
			var sn Snapshot
			if s.object() {
				f := true
				for key, ok := s.next(&f); ok; key, ok = s.next(&f) {
					switch string(key) {
					case "name":
						sn.Name = s.str()
					case "description":
						sn.Description = s.str()
					case "parent":
						sn.Parent = s.str()
					case "snaptime":
						v, _ := s.num()
						sn.Time = unixTime(v)
					default:
						s.skip()
					}
				}
			}
			if sn.Name != "current" {
				out = append(out, sn)
			}
		}
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// decodeTaskStatus reads GET /nodes/{node}/tasks/{upid}/status.
func decodeTaskStatus(body []byte, t Task) (Task, error) {
	found := false
	err := decodeEnvelope(body, func(s *scanner) {
		if !s.object() {
			return
		}
		found = true
		first := true
		for key, ok := s.next(&first); ok; key, ok = s.next(&first) {
			switch string(key) {
			case "status":
				t.Status = s.str()
			case "exitstatus":
				t.ExitStatus = s.str()
			case "type":
				t.Type = s.str()
			case "id":
				t.ID = s.str()
			case "user":
				t.User = s.str()
			case "node":
				t.Node = s.str()
			case "starttime":
				v, _ := s.num()
				t.StartTime = unixTime(v)
			default:
				s.skip()
			}
		}
	})
	if err != nil {
		return t, err
	}
	if !found {
		return t, errEmptyData
	}
	t.Running = t.Status == "running"
	return t, nil
}

// decodeTaskLog reads GET /nodes/{node}/tasks/{upid}/log.
func decodeTaskLog(body []byte) ([]TaskLogLine, error) {
	var out []TaskLogLine
	err := decodeEnvelope(body, func(s *scanner) {
		if !s.array() {
			return
		}
		first := true
		for s.elem(&first) {
			var l TaskLogLine
			if s.object() {
				f := true
				for key, ok := s.next(&f); ok; key, ok = s.next(&f) {
					switch string(key) {
					case "n":
						v, _ := s.num()
						l.N = toInt(v)
					case "t":
						l.Text = s.str()
					default:
						s.skip()
					}
				}
			}
			out = append(out, l)
		}
	})
	return out, err
}

// decodeString reads a data member that is a string (UPIDs, nextid) or a
// number (nextid as the schema has it).
func decodeString(body []byte) (string, error) {
	var v string
	found := false
	err := decodeEnvelope(body, func(s *scanner) {
		found = true
		v = s.str()
	})
	if err != nil {
		return "", err
	}
	if !found || v == "" {
		return "", errEmptyData
	}
	return v, nil
}

// decodeVersion reads GET /version.
func decodeVersion(body []byte) (Version, error) {
	var v Version
	found := false
	err := decodeEnvelope(body, func(s *scanner) {
		if !s.object() {
			return
		}
		found = true
		first := true
		for key, ok := s.next(&first); ok; key, ok = s.next(&first) {
			switch string(key) {
			case "version":
				v.Version = s.str()
			case "release":
				v.Release = s.str()
			case "repoid":
				v.RepoID = s.str()
			default:
				s.skip()
			}
		}
	})
	if err != nil {
		return Version{}, err
	}
	if !found {
		return Version{}, errEmptyData
	}
	return v, nil
}

// errorBody holds what PVE puts into an error answer's body.
type errorBody struct {
	message string
	params  map[string]string
}

// decodeErrorBody reads {"data":null,"errors":{…},"message":"…"}; anything
// unparsable (595/596 bodies are often empty or HTML) gives an empty result.
func decodeErrorBody(body []byte) errorBody {
	var eb errorBody
	s := newScanner(body)
	if !s.object() {
		return eb
	}
	first := true
	for key, ok := s.next(&first); ok; key, ok = s.next(&first) {
		switch string(key) {
		case "message":
			eb.message = s.str()
		case "errors":
			if s.peek() != '{' {
				s.skip()
				continue
			}
			s.object()
			f := true
			for k, ok := s.next(&f); ok; k, ok = s.next(&f) {
				if eb.params == nil {
					eb.params = map[string]string{}
				}
				kk := string(k)
				eb.params[kk] = strings.TrimSpace(s.str())
			}
		default:
			s.skip()
		}
	}
	if s.err != nil {
		return errorBody{}
	}
	return eb
}

// errEmptyData is a success answer without the object it should carry.
var errEmptyData = errors.New("answer has no data")
