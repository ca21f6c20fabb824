package lxcmetrics

import (
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/lxc-autoscale/lxc-autoscale/proxmox"
)

// maxSkipDepth bounds the nesting of unknown values the decoder steps over,
// so that a hostile file cannot exhaust the stack.
const maxSkipDepth = 512

// exportDecoder is a streaming parser for the export layout: it reads the
// tokens of jsontext and decodes straight into Cycles, never holding more
// than a block of the file.
type exportDecoder struct {
	dec *jsontext.Decoder

	keys      [][]byte          // the current key of each open object, copied out of the decoder's buffer
	depth     int               // open objects
	str       []byte            // scratch for strings with escapes
	nodes     map[string]string // node names, interned
	pressures []proxmox.Pressure
	entryHint int
}

// Stream parses r (ours or the original monitor's layout) and calls yield
// with each cycle in file order, holding one cycle at a time. It stops
// early, with no error, when yield returns false; a file that is not a
// whole export is an error, after the cycles before the fault were given.
func Stream(r io.Reader, yield func(Cycle) bool) error {
	if err := newExportDecoder(r).document(yield); err != nil {
		return fmt.Errorf("decode metrics export: %w", err)
	}
	return nil
}

func (d *exportDecoder) document(yield func(Cycle) bool) error {
	k, err := d.peek()
	if err != nil {
		return err
	}
	if k != '[' {
		return d.errorf("not a JSON array")
	}
	if err := d.delim(); err != nil {
		return err
	}
	for n := 0; ; n++ {
		if k, err = d.peek(); err != nil {
			return err
		}
		if k == ']' {
			break
		}
		cy, err := d.cycle()
		if err != nil {
			return fmt.Errorf("cycle %d: %w", n, err)
		}
		if !yield(cy) {
			return nil
		}
	}
	if err := d.delim(); err != nil {
		return err
	}
	return d.end()
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
			return d.skip()
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
			return d.skip()
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
			return d.skip()
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
			return d.skip()
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
	k, err := d.peek()
	if err != nil {
		return err
	}
	if k != '{' {
		return d.errorf("want %s, got %s", what, describe(k))
	}
	if err := d.delim(); err != nil {
		return err
	}
	level := d.depth
	if level == len(d.keys) {
		d.keys = append(d.keys, nil)
	}
	d.depth++
	defer func() { d.depth-- }()
	for {
		if k, err = d.peek(); err != nil {
			return err
		}
		if k == '}' {
			return d.delim()
		}
		raw, err := d.dec.ReadValue() // a key: jsontext allows nothing else here
		if err != nil {
			return d.wrap(err)
		}
		key := append(d.keys[level][:0], d.unquote(raw)...)
		d.keys[level] = key
		if err := field(key); err != nil {
			return fmt.Errorf("%s: %w", key, err)
		}
	}
}

// skip steps over any JSON value, checking that it is well formed and
// nested at most maxSkipDepth deep.
func (d *exportDecoder) skip() error {
	k, err := d.peek()
	if err != nil {
		return err
	}
	if k != '{' && k != '[' {
		_, err := d.dec.ReadValue()
		return d.wrap(err)
	}
	base := d.dec.StackDepth()
	for {
		if _, err := d.dec.ReadToken(); err != nil {
			return d.wrap(err)
		}
		depth := d.dec.StackDepth() - base
		if depth > maxSkipDepth {
			return d.errorf("values nested too deep")
		}
		if depth == 0 {
			return nil
		}
	}
}
