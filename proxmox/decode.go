package proxmox

import (
	"bytes"
	"math"
	"strings"
	"time"

	"github.com/lxc-autoscale/lxc-autoscale/proxmox/internal/jsonscan"
)

// The decoders below read PVE's {"data": …} bodies into the package's types.
// They accept every numeric field as a number or a numeric string, ignore
// unknown members, and fail only on malformed JSON or a misplaced object or
// array, never on one odd value. The container listings, container status
// and RRD go through internal/jsonscan: a listing carries thousands
// of entries every tick and the backfill reads up to 1440 RRD rows per
// container, where encoding/json measured 5 to 8 times slower. Every other
// answer is small and rare and goes through encoding/json into wire structs
// of number and text fields.

// The conversions below clamp instead of wrapping and read NaN as 0.

func toUint[F ~float64](v F) uint64 {
	f := float64(v)
	if f <= 0 || math.IsNaN(f) {
		return 0
	}
	if f >= math.MaxUint64 {
		return math.MaxUint64
	}
	return uint64(f)
}

func toInt[F ~float64](v F) int {
	f := float64(v)
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

func seconds[F ~float64](v F) time.Duration {
	f := float64(v)
	if f <= 0 || math.IsNaN(f) {
		return 0
	}
	if f > float64(math.MaxInt64/int64(time.Second)) {
		return time.Duration(math.MaxInt64)
	}
	return time.Duration(f * float64(time.Second))
}

func unixTime[F ~float64](v F) time.Time {
	f := float64(v)
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

// Large answers (container listings and status, RRD): the scanner.

// containerField decodes one member of an lxc list, status/current or
// cluster resources entry. It reports whether the member was a pressure field.
func containerField(s *jsonscan.Scanner, key []byte, c *Container, p *Pressure) bool {
	switch string(key) {
	case "vmid":
		c.VMID = toInt(s.Float())
	case "name":
		c.Name = s.Str()
	case "node":
		c.Node = s.Str()
	case "status":
		c.Status = s.Word()
	case "template":
		c.Template = s.Float() != 0
	case "lock":
		c.Lock = s.Str()
	case "tags":
		c.Tags = splitTags(s.Str())
	case "pool":
		c.Pool = s.Str()
	case "cpus", "maxcpu":
		c.CPUs = s.Float()
	case "cpu":
		c.CPU = s.Float()
	case "mem":
		c.Mem = toUint(s.Float())
	case "maxmem":
		c.MaxMem = toUint(s.Float())
	case "swap":
		c.Swap = toUint(s.Float())
	case "maxswap":
		c.MaxSwap = toUint(s.Float())
	case "disk":
		c.Disk = toUint(s.Float())
	case "maxdisk":
		c.MaxDisk = toUint(s.Float())
	case "netin":
		c.NetIn = toUint(s.Float())
	case "netout":
		c.NetOut = toUint(s.Float())
	case "diskread":
		c.DiskRead = toUint(s.Float())
	case "diskwrite":
		c.DiskWrite = toUint(s.Float())
	case "uptime":
		c.Uptime = seconds(s.Float())
	case "pressurecpusome":
		p.CPUSome = s.Float()
		return true
	case "pressurecpufull":
		p.CPUFull = s.Float()
		return true
	case "pressureiosome":
		p.IOSome = s.Float()
		return true
	case "pressureiofull":
		p.IOFull = s.Float()
		return true
	case "pressurememorysome":
		p.MemorySome = s.Float()
		return true
	case "pressurememoryfull":
		p.MemoryFull = s.Float()
		return true
	default:
		s.Skip()
	}
	return false
}

// decodeContainer reads one container object. kind is the "type" member
// ("lxc", "qemu", "node", …) so cluster listings can filter; psi holds the
// pressure fields, present when hasPSI (the caller decides where it lives).
func decodeContainer(s *jsonscan.Scanner, node string) (c Container, psi Pressure, hasPSI bool, kind string) {
	c.Node = node
	if !s.Object() {
		return c, psi, false, ""
	}
	first := true
	for key, ok := s.Next(&first); ok; key, ok = s.Next(&first) {
		if string(key) == "type" {
			kind = s.Word()
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

// elementObjects bounds the flat objects in the envelope's data array, to
// size a slice: a one-byte count is vectorised (a key's cost a sixth of an
// RRD day's decoding).
func elementObjects(body []byte) int { return max(bytes.Count(body, []byte{'{'})-1, 0) }

// decodeContainers reads GET /nodes/{node}/lxc.
func decodeContainers(body []byte, node string) ([]Container, error) {
	n := elementObjects(body) // one slice, and every Pressure from one allocation
	out := make([]Container, 0, n)
	psi := make([]Pressure, n)
	err := jsonscan.Elements(body, func(s *jsonscan.Scanner) {
		c, p, hasPSI, _ := decodeContainer(s, node)
		if hasPSI {
			if i := len(out); i < len(psi) {
				psi[i] = p
				c.Pressure = &psi[i]
			} else {
				c.Pressure = boxed(p)
			}
		}
		c.Node = node // the node asked, whatever the entry says
		out = append(out, c)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// decodeClusterContainers reads GET /cluster/resources, keeping lxc entries.
func decodeClusterContainers(body []byte) ([]Container, error) {
	var out []Container
	err := jsonscan.Elements(body, func(s *jsonscan.Scanner) {
		c, p, hasPSI, kind := decodeContainer(s, "")
		if hasPSI {
			c.Pressure = boxed(p)
		}
		if kind == "lxc" {
			out = append(out, c)
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
	err := jsonscan.Envelope(body, func(s *jsonscan.Scanner) {
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

// decodeRRD reads GET …/rrddata. Members PVE left out stay invalid.
func decodeRRD(body []byte) ([]RRDPoint, error) {
	out := make([]RRDPoint, 0, elementObjects(body))
	err := jsonscan.Elements(body, func(s *jsonscan.Scanner) {
		var p RRDPoint
		if s.Object() {
			first := true
			for key, ok := s.Next(&first); ok; key, ok = s.Next(&first) {
				if string(key) == "time" {
					p.Time = unixTime(s.Float())
					continue
				}
				dst := rrdField(&p, string(key))
				if dst == nil {
					s.Skip()
					continue
				}
				if v, ok := s.Num(); ok && !math.IsNaN(v) && !math.IsInf(v, 0) {
					*dst = OptFloat{Value: v, Valid: true}
				}
			}
		}
		out = append(out, p)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// rrdField is the field of p that the RRD member key fills, nil for a member
// the package does not read.
func rrdField(p *RRDPoint, key string) *OptFloat {
	switch key {
	case "cpu":
		return &p.CPU
	case "maxcpu":
		return &p.MaxCPU
	case "mem":
		return &p.Mem
	case "maxmem":
		return &p.MaxMem
	case "disk":
		return &p.Disk
	case "maxdisk":
		return &p.MaxDisk
	case "netin":
		return &p.NetIn
	case "netout":
		return &p.NetOut
	case "diskread":
		return &p.DiskRead
	case "diskwrite":
		return &p.DiskWrite
	case "pressurecpusome":
		return &p.PressureCPUSome
	case "pressurecpufull":
		return &p.PressureCPUFull
	case "pressureiosome":
		return &p.PressureIOSome
	case "pressureiofull":
		return &p.PressureIOFull
	case "pressurememorysome":
		return &p.PressureMemSome
	case "pressurememoryfull":
		return &p.PressureMemFull
	}
	return nil
}
