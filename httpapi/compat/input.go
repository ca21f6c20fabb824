package compat

import (
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

	"github.com/labstack/echo/v4"

	"github.com/lxc-autoscale/lxc-autoscale/controller/manual"
)

// Limits of the original's validation (api/validation.py), except the
// container ID, which takes PVE's whole range.
const (
	minCores    = 1
	maxCores    = 128
	minMemoryMB = 64
	maxMemoryMB = 1048576
	minDiskGB   = 1
	maxDiskGB   = 10240
)

var (
	// The original's snapshot names; PVE's own rule (manual.ValidSnapshotName) is
	// checked as well, so that every problem shows at once instead of a
	// Proxmox refusal later.
	snapshotRe = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_-]{0,39}$`)
	nodeRe     = regexp.MustCompile(`(?i)^[a-z0-9]([a-z0-9.-]{0,61}[a-z0-9])?$`)
)

// input are the parsed, validated inputs of a compatibility route.
type input struct {
	VMID         int
	Cores        int
	MemoryMB     int
	DiskSizeGB   int
	NewVMID      int
	SnapshotName string
	Hostname     string
	NodeName     string
}

// inputField is one input field: its canonical name, the aliases the
// original accepted, and how it is read into input (a problem text,
// or "" when the value is good).
type inputField struct {
	name     string
	aliases  []string
	required bool
	read     func(a *input, v rawValue) string
}

// rawValue is one field's raw value: JSON from a body, text from a
// query string.
type rawValue struct {
	name     string // as the client spelt it
	json     json.RawMessage
	text     string
	fromJSON bool
}

// integer reads an integer, from a JSON number or a decimal string (the
// original converted with int()).
func (v rawValue) integer() (int64, string) {
	text := v.text
	if v.fromJSON {
		raw := strings.TrimSpace(string(v.json))
		if strings.HasPrefix(raw, `"`) {
			if err := json.Unmarshal([]byte(raw), &text); err != nil {
				return 0, fmt.Sprintf("%s must be an integer, got %s", v.name, clip(raw))
			}
		} else if _, err := strconv.ParseFloat(raw, 64); err != nil {
			return 0, fmt.Sprintf("%s must be an integer, got %s", v.name, clip(raw))
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
	return 0, fmt.Sprintf("%s must be an integer, got %s", v.name, clip(strconv.Quote(text)))
}

// str reads a string.
func (v rawValue) str() (string, string) {
	if !v.fromJSON {
		return v.text, ""
	}
	var s string
	if err := json.Unmarshal(v.json, &s); err != nil {
		return "", fmt.Sprintf("%s must be a string, got %s", v.name, clip(strings.TrimSpace(string(v.json))))
	}
	return s, ""
}

// clip bounds a client's value quoted back in an error.
func clip(s string) string {
	const limit = 64
	if len(s) <= limit {
		return s
	}
	return s[:limit] + "…"
}

// readInt reads an integer within [lo, hi] into dst, or returns the
// problem in the original's words.
func readInt(v rawValue, label, unit string, lo, hi int64, dst *int) string {
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

// The fields of the original's routes; read stores into the input it
// is given.
var (
	fieldVMID = inputField{name: "vm_id", aliases: []string{"lxc_id", "container_id"}, required: true,
		read: func(a *input, v rawValue) string {
			return readInt(v, "Container ID", "", manual.MinVMID, manual.MaxVMID, &a.VMID)
		}}
	fieldCores = inputField{name: "cores", required: true,
		read: func(a *input, v rawValue) string {
			return readInt(v, "Cores", "", minCores, maxCores, &a.Cores)
		}}
	fieldMemory = inputField{name: "memory", required: true,
		read: func(a *input, v rawValue) string {
			return readInt(v, "Memory", " MB", minMemoryMB, maxMemoryMB, &a.MemoryMB)
		}}
	fieldDiskSize = inputField{name: "disk_size", required: true,
		read: func(a *input, v rawValue) string {
			return readInt(v, "Disk size", " GB", minDiskGB, maxDiskGB, &a.DiskSizeGB)
		}}
	fieldNewVMID = inputField{name: "new_vm_id", aliases: []string{"new_lxc_id"}, required: true,
		read: func(a *input, v rawValue) string {
			return readInt(v, "New container ID", "", manual.MinVMID, manual.MaxVMID, &a.NewVMID)
		}}
	fieldSnapshotName = inputField{name: "snapshot_name", required: true,
		read: func(a *input, v rawValue) string {
			s, problem := v.str()
			switch {
			case problem != "":
				return problem
			case !snapshotRe.MatchString(s):
				return fmt.Sprintf("Snapshot name must be 1 to 40 letters, digits, _ or - and not start with -, got %s", clip(strconv.Quote(s)))
			case !manual.ValidSnapshotName(s):
				return fmt.Sprintf("Snapshot name must start with a letter, have 2 characters or more and not be current or vzdump (Proxmox VE's rule), got %s", clip(strconv.Quote(s)))
			}
			a.SnapshotName = s
			return ""
		}}
	fieldNewVMName = inputField{name: "new_vm_name", aliases: []string{"new_lxc_name", "hostname"},
		read: func(a *input, v rawValue) string {
			s, problem := v.str()
			if problem != "" {
				return problem
			}
			// The original turned underscores into hyphens before checking.
			s = strings.ReplaceAll(s, "_", "-")
			if !manual.ValidHostname(s) {
				return fmt.Sprintf("Hostname must be %s, got %s", manual.HostnameRule, clip(strconv.Quote(s)))
			}
			a.Hostname = s
			return ""
		}}
	fieldNodeName = inputField{name: "node_name", required: true,
		read: func(a *input, v rawValue) string {
			s, problem := v.str()
			if problem != "" {
				return problem
			}
			if !nodeRe.MatchString(s) {
				return fmt.Sprintf("Node name must be 1 to 63 letters, digits, dots or hyphens, starting and ending with a letter or digit, got %s", clip(strconv.Quote(s)))
			}
			a.NodeName = s
			return ""
		}}
)

// readInput reads the fields of a request: a JSON object body for
// POST and DELETE (the query string is ignored, as the original did after
// its CSRF fix), the query string otherwise. Unknown fields, fields given
// twice (also under two aliases with different values) and every failing
// check are reported together.
func readInput(c echo.Context, fields ...inputField) (input, error) {
	var (
		args     input
		problems []string
		values   = map[string]rawValue{}
	)
	r := c.Request()
	if r.Method == http.MethodPost || r.Method == http.MethodDelete {
		obj, err := readJSONObject(r)
		if err != nil {
			return args, err
		}
		for k, raw := range obj {
			values[k] = rawValue{name: k, json: raw, fromJSON: true}
		}
	} else {
		for k, vs := range c.QueryParams() {
			if len(vs) > 1 {
				problems = append(problems, fmt.Sprintf("%s is given %d times; give it once", clip(k), len(vs)))
			}
			values[k] = rawValue{name: k, text: vs[0]}
		}
	}
	known := map[string]bool{}
	for _, f := range fields {
		names := append([]string{f.name}, f.aliases...)
		var (
			picked  rawValue
			present []string
		)
		for _, n := range names {
			known[n] = true
			if v, ok := values[n]; ok {
				if len(present) > 0 && normalized(v) != normalized(picked) {
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
				problems = append(problems, missing(names))
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
		problems = append(problems, "Unknown field: "+clip(strconv.Quote(k)))
	}
	if len(problems) > 0 {
		return args, &validationError{status: http.StatusBadRequest, problems: problems}
	}
	return args, nil
}

// normalized is a value as text, so that {"vm_id":104,"lxc_id":"104"}
// agree.
func normalized(v rawValue) string {
	if !v.fromJSON {
		return strings.TrimSpace(v.text)
	}
	var s string
	if json.Unmarshal(v.json, &s) == nil {
		return strings.TrimSpace(s)
	}
	return strings.TrimSpace(string(v.json))
}

func missing(names []string) string {
	if len(names) == 1 {
		return names[0] + " is required"
	}
	return names[0] + " is required (or " + strings.Join(names[1:], ", ") + ")"
}

// readJSONObject reads a body that must be one JSON object with
// Content-Type application/json: form posts are refused (no CSRF).
func readJSONObject(r *http.Request) (map[string]json.RawMessage, error) {
	mediaType, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mediaType != "application/json" {
		return nil, &validationError{status: http.StatusUnsupportedMediaType,
			problems: []string{"Content-Type must be application/json"}}
	}
	dec := json.NewDecoder(r.Body)
	var obj map[string]json.RawMessage
	if err := dec.Decode(&obj); err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return nil, statusErr(http.StatusRequestEntityTooLarge, fmt.Sprintf("body over %d bytes", tooLarge.Limit))
		}
		if errors.Is(err, io.EOF) {
			return nil, &validationError{status: http.StatusBadRequest, problems: []string{"Request body must be a JSON object"}}
		}
		return nil, &validationError{status: http.StatusBadRequest, problems: []string{"Request body must be a JSON object: " + clip(err.Error())}}
	}
	if obj == nil { // the body was null
		obj = map[string]json.RawMessage{}
	}
	if err := dec.Decode(&json.RawMessage{}); !errors.Is(err, io.EOF) {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return nil, statusErr(http.StatusRequestEntityTooLarge, fmt.Sprintf("body over %d bytes", tooLarge.Limit))
		}
		return nil, &validationError{status: http.StatusBadRequest, problems: []string{"Request body must hold one JSON object only"}}
	}
	return obj, nil
}
