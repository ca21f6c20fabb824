package lxcmetrics

import (
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"

	"github.com/lxc-autoscale/lxc-autoscale/proxmox"
)

// decodeBlockSize is how much of the input the decoder reads at a time; a
// single token longer than that (never in a real file) grows the buffer.
const decodeBlockSize = 256 << 10

// maxSkipDepth bounds the nesting of unknown values the decoder steps over,
// so that a hostile file cannot exhaust the stack.
const maxSkipDepth = 512

// exportDecoder is a streaming parser for the export layout: a hand-written
// JSON scanner that decodes straight into Cycles, several times faster than
// encoding/json (see BenchmarkExportLoad) and never holding more than a
// block of the file.
type exportDecoder struct {
	r        io.Reader
	buf      []byte
	pos, end int   // unread input is buf[pos:end]
	base     int64 // input offset of buf[0], for error messages
	rerr     error // the reader's error (io.EOF at the end)

	keys      [][]byte          // the current key of each open object, copied out of buf
	depth     int               // open objects
	str       []byte            // scratch for strings with escapes
	nodes     map[string]string // node names, interned
	pressures []proxmox.Pressure
	entryHint int
}

// DecodeLast parses r; keep > 0 keeps only the last keep cycles while
// decoding, so that a long file never has to fit in memory whole.
func DecodeLast(r io.Reader, keep int) ([]Cycle, error) {
	d := &exportDecoder{r: r, buf: make([]byte, decodeBlockSize), nodes: map[string]string{}}
	cycles, err := d.document(keep)
	if err != nil {
		return nil, fmt.Errorf("decode metrics export: %w", err)
	}
	return cycles, nil
}

func (d *exportDecoder) document(keep int) ([]Cycle, error) {
	c, err := d.nonSpace()
	if err != nil {
		return nil, err
	}
	if c != '[' {
		return nil, d.errorf("not a JSON array")
	}
	d.pos++
	cycles := []Cycle{}
	if c, err = d.nonSpace(); err != nil {
		return nil, err
	}
	if c == ']' {
		d.pos++
	} else {
		for {
			cy, err := d.cycle()
			if err != nil {
				return nil, fmt.Errorf("cycle %d: %w", len(cycles), err)
			}
			cycles = append(cycles, cy)
			if keep > 0 && len(cycles) > keep {
				cycles[0] = Cycle{}
				cycles = cycles[1:]
			}
			if c, err = d.nonSpace(); err != nil {
				return nil, err
			}
			d.pos++
			if c == ']' {
				break
			}
			if c != ',' {
				d.pos--
				return nil, d.errorf("want , or ] after a cycle, got %q", c)
			}
		}
	}
	if _, err := d.nonSpace(); err == nil {
		return nil, d.errorf("data after the array")
	} else if !errors.Is(err, io.ErrUnexpectedEOF) {
		return nil, err
	}
	return cycles, nil
}

// cycle-level and entry fields.
const summaryKey = "summary"

func (d *exportDecoder) cycle() (Cycle, error) {
	cy := Cycle{Entries: make([]Entry, 0, d.entryHint)}
	err := d.object("a cycle object", func(key []byte) error {
		if string(key) == summaryKey {
			return d.summary(&cy)
		}
		vmid, err := strconv.Atoi(string(key))
		if err != nil {
			return errors.New("neither a container ID nor \"summary\"")
		}
		en, err := d.entry(vmid)
		if err != nil {
			return err
		}
		cy.Entries = append(cy.Entries, en)
		return nil
	})
	if err != nil {
		return Cycle{}, err
	}
	cy.Entries = SortEntries(cy.Entries)
	d.entryHint = len(cy.Entries)
	return cy, nil
}

func (d *exportDecoder) summary(cy *Cycle) error {
	return d.object("the summary object", func(key []byte) error {
		var err error
		switch string(key) {
		case "collection_start_time":
			cy.Start, err = d.timestamp()
		case "collection_end_time":
			cy.End, err = d.timestamp()
		case "total_containers":
			cy.Total, err = d.integer()
		case "monitor_cpu_percent":
			cy.MonitorCPUPercent, _, err = d.float()
		case "monitor_memory_usage_mb":
			cy.MonitorMemoryBytes, err = d.size(bytesPerMiB)
		default: // collected_containers and total_duration_seconds are derived
			return d.skip(0)
		}
		return err
	})
}

func (d *exportDecoder) entry(vmid int) (Entry, error) {
	en := Entry{VMID: vmid, Score: math.NaN()}
	err := d.object("an entry object", func(key []byte) error {
		var err error
		switch string(key) {
		case "timestamp":
			en.Time, err = d.timestamp()
		case "node":
			en.Node, err = d.node()
		case "cpu_usage_percent":
			en.CPUPercent, _, err = d.float()
		case "cores":
			en.Cores, _, err = d.float()
		case "memory_usage_mb":
			en.MemUsed, err = d.size(bytesPerMiB)
		case "memory_limit_mb":
			en.MemLimit, err = d.size(bytesPerMiB)
		case "swap_usage_mb":
			en.SwapUsed, err = d.size(bytesPerMiB)
		case "swap_total_mb":
			en.SwapLimit, err = d.size(bytesPerMiB)
		case "filesystem_usage_gb":
			en.DiskUsed, err = d.size(bytesPerGiB)
		case "filesystem_total_gb":
			en.DiskSize, err = d.size(bytesPerGiB)
		case "io_stats":
			err = d.pair("reads", "writes", bytesPerSector, &en.DiskRead, &en.DiskWrite)
		case "network_usage":
			err = d.pair("rx_bytes", "tx_bytes", 1, &en.NetIn, &en.NetOut)
		case "pressure":
			en.Pressure, err = d.pressure()
		case "anomaly_score":
			var present bool
			if en.Score, present, err = d.float(); !present {
				en.Score = math.NaN()
			}
		default: // process_count, filesystem_free_gb, and what we do not know
			return d.skip(0)
		}
		return err
	})
	return en, err
}

// pair reads {"<a>": n, "<b>": n} of cumulative counters in units of unit
// bytes; a null object leaves both at zero.
func (d *exportDecoder) pair(a, b string, unit uint64, va, vb *uint64) error {
	if null, err := d.null(); null || err != nil {
		return err
	}
	return d.object("an object", func(key []byte) error {
		var err error
		switch string(key) {
		case a:
			*va, err = d.counter(unit)
		case b:
			*vb, err = d.counter(unit)
		default:
			return d.skip(0)
		}
		return err
	})
}

func (d *exportDecoder) pressure() (*proxmox.Pressure, error) {
	if null, err := d.null(); null || err != nil {
		return nil, err
	}
	if len(d.pressures) == cap(d.pressures) {
		d.pressures = make([]proxmox.Pressure, 0, 1024)
	}
	d.pressures = d.pressures[:len(d.pressures)+1]
	p := &d.pressures[len(d.pressures)-1]
	err := d.object("an object", func(key []byte) error {
		var f *float64
		switch string(key) {
		case "cpu_some":
			f = &p.CPUSome
		case "cpu_full":
			f = &p.CPUFull
		case "io_some":
			f = &p.IOSome
		case "io_full":
			f = &p.IOFull
		case "memory_some":
			f = &p.MemorySome
		case "memory_full":
			f = &p.MemoryFull
		default:
			return d.skip(0)
		}
		var err error
		*f, _, err = d.float()
		return err
	})
	return p, err
}

// object reads a JSON object, calling field for each key with the input
// positioned at its value; field must consume the value. key stays valid
// while field runs. An error of field comes back prefixed with the key.
func (d *exportDecoder) object(what string, field func(key []byte) error) error {
	c, err := d.nonSpace()
	if err != nil {
		return err
	}
	if c != '{' {
		return d.errorf("want %s, got %s", what, describe(c))
	}
	d.pos++
	if c, err = d.nonSpace(); err != nil {
		return err
	}
	if c == '}' {
		d.pos++
		return nil
	}
	level := d.depth
	if level == len(d.keys) {
		d.keys = append(d.keys, nil)
	}
	d.depth++
	defer func() { d.depth-- }()
	for {
		if c != '"' {
			return d.errorf("want a key, got %s", describe(c))
		}
		raw, err := d.stringBody()
		if err != nil {
			return err
		}
		key := append(d.keys[level][:0], raw...)
		d.keys[level] = key
		if c, err = d.nonSpace(); err != nil {
			return err
		}
		if c != ':' {
			return d.errorf("want : after a key, got %s", describe(c))
		}
		d.pos++
		if err := field(key); err != nil {
			return fmt.Errorf("%s: %w", key, err)
		}
		if c, err = d.nonSpace(); err != nil {
			return err
		}
		d.pos++
		if c == '}' {
			return nil
		}
		if c != ',' {
			d.pos--
			return d.errorf("want , or } in an object, got %s", describe(c))
		}
		if c, err = d.nonSpace(); err != nil {
			return err
		}
	}
}

// skip steps over any JSON value, checking that it is well formed.
func (d *exportDecoder) skip(depth int) error {
	if depth > maxSkipDepth {
		return d.errorf("values nested too deep")
	}
	c, err := d.nonSpace()
	if err != nil {
		return err
	}
	switch {
	case c == '{':
		return d.object("an object", func([]byte) error { return d.skip(depth + 1) })
	case c == '[':
		d.pos++
		if c, err = d.nonSpace(); err != nil {
			return err
		}
		if c == ']' {
			d.pos++
			return nil
		}
		for {
			if err := d.skip(depth + 1); err != nil {
				return err
			}
			if c, err = d.nonSpace(); err != nil {
				return err
			}
			d.pos++
			if c == ']' {
				return nil
			}
			if c != ',' {
				d.pos--
				return d.errorf("want , or ] in an array, got %s", describe(c))
			}
		}
	case c == '"':
		_, err := d.stringBody()
		return err
	case c == 't':
		return d.literal("true")
	case c == 'f':
		return d.literal("false")
	case c == 'n':
		return d.literal("null")
	default:
		_, err := d.number()
		return err
	}
}
