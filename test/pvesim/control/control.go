package control

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/lxc-autoscale/lxc-autoscale/test/pvesim"
)

// Prefix is where Handler serves, outside /api2/json so no PVE client ever
// reaches it by accident.
const Prefix = "/_pvesim/"

// Bounds of the control API's inputs.
const (
	maxControlBody    = 64 << 10
	maxFaultLatency   = 10 * time.Minute
	maxClockAdvance   = 366 * 24 * time.Hour
	maxFaultCount     = 1_000_000
	maxControlTextLen = 200
)

// pveLocks are the values of the lock config key (pve-container
// src/PVE/LXC/Config.pm, lock enum).
var pveLocks = []string{"backup", "create", "destroyed", "disk", "fstrim", "migrate", "mounted", "rollback", "snapshot", "snapshot-delete"}

// configKeyRE is a .conf key as PVE::LXC::Config parses it.
var configKeyRE = regexp.MustCompile(`^[a-z][a-z0-9_.-]{0,63}$`)

// Handler serves a JSON API under Prefix that changes the
// cluster while it runs, so an end-to-end test can script an outage
// timeline against a pvesim process. Every route calls the Go method of the
// same name; bodies are JSON objects decoded strictly (unknown fields, wrong
// types, trailing data and values out of range answer 400 naming the
// field); answers are JSON, errors {"error":"…"}.
//
//	POST   /_pvesim/nodes/{node}/offline|online|kill|revive
//	GET    /_pvesim/faults                        list the faults in force
//	POST   /_pvesim/faults                        add one: {"method","route","node","token","status","reason","latency":"250ms","hang","task_exit","count","rate"}
//	DELETE /_pvesim/faults                        clear them all
//	POST   /_pvesim/containers                    add: {"vmid","node","name","cores","cpulimit","memory_mib","swap_mib","disk_gib","workload","tags","pool","stopped","protection","storage"}
//	DELETE /_pvesim/containers/{vmid}             remove
//	POST   /_pvesim/containers/{vmid}/lock        {"lock":"backup"}
//	DELETE /_pvesim/containers/{vmid}/lock        unlock
//	POST   /_pvesim/containers/{vmid}/config      {"key":"cores","value":"4"}; "" removes the key
//	POST   /_pvesim/containers/{vmid}/migrate     {"node":"pve2"}
//	GET    /_pvesim/requests                      {"count":n} of the request log
//	DELETE /_pvesim/requests                      empty the request log
//	GET    /_pvesim/clock                         {"now":"RFC 3339"}
//	POST   /_pvesim/clock                         {"advance":"30s"}
//
// It has no authentication: serve it only where the API is (loopback).
func Handler(s *pvesim.Sim) http.Handler {
	mux := http.NewServeMux()
	node := func(do func(string) error) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			if !decodeBody(w, r, &struct{}{}, true) {
				return
			}
			name := r.PathValue("node")
			if !slices.Contains(s.NodeNames(), name) {
				controlError(w, http.StatusNotFound, fmt.Sprintf("node %q: no such node; nodes are %s", name, strings.Join(s.NodeNames(), ", ")))
				return
			}
			if err := do(name); err != nil {
				controlFailure(w, err)
				return
			}
			controlOK(w, map[string]string{"node": name})
		}
	}
	mux.HandleFunc("POST "+Prefix+"nodes/{node}/offline", node(func(n string) error { s.SetNodeOnline(n, false); return nil }))
	mux.HandleFunc("POST "+Prefix+"nodes/{node}/online", node(func(n string) error { s.SetNodeOnline(n, true); return nil }))
	mux.HandleFunc("POST "+Prefix+"nodes/{node}/kill", node(s.KillNode))
	mux.HandleFunc("POST "+Prefix+"nodes/{node}/revive", node(s.ReviveNode))

	mux.HandleFunc("GET "+Prefix+"faults", func(w http.ResponseWriter, r *http.Request) {
		out := []faultBody{}
		for _, f := range s.Faults() {
			out = append(out, faultToBody(f))
		}
		controlOK(w, out)
	})
	mux.HandleFunc("POST "+Prefix+"faults", func(w http.ResponseWriter, r *http.Request) {
		var b faultBody
		if !decodeBody(w, r, &b, false) {
			return
		}
		f, err := b.fault(s.NodeNames())
		if err != nil {
			controlError(w, http.StatusBadRequest, err.Error())
			return
		}
		s.InjectFault(f)
		controlOK(w, map[string]int{"faults": len(s.Faults())})
	})
	mux.HandleFunc("DELETE "+Prefix+"faults", func(w http.ResponseWriter, r *http.Request) {
		s.ClearFaults()
		controlOK(w, map[string]int{"faults": 0})
	})

	mux.HandleFunc("POST "+Prefix+"containers", func(w http.ResponseWriter, r *http.Request) {
		var b containerBody
		if !decodeBody(w, r, &b, false) {
			return
		}
		spec, err := b.spec()
		if err != nil {
			controlError(w, http.StatusBadRequest, err.Error())
			return
		}
		if err := s.AddContainer(spec); err != nil {
			controlFailure(w, err)
			return
		}
		controlOK(w, map[string]int{"vmid": spec.VMID})
	})
	ct := func(body func() any, do func(vmid int, body any) error) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			vmid, err := strconv.Atoi(r.PathValue("vmid"))
			if err != nil || vmid < 100 || vmid > 999999999 {
				controlError(w, http.StatusBadRequest, fmt.Sprintf("vmid %q: want an integer 100..999999999", r.PathValue("vmid")))
				return
			}
			var b any = &struct{}{}
			if body != nil {
				b = body()
			}
			if !decodeBody(w, r, b, body == nil) {
				return
			}
			if err := do(vmid, b); err != nil {
				controlFailure(w, err)
				return
			}
			controlOK(w, map[string]int{"vmid": vmid})
		}
	}
	mux.HandleFunc("DELETE "+Prefix+"containers/{vmid}", ct(nil, func(vmid int, _ any) error { return s.RemoveContainer(vmid) }))
	mux.HandleFunc("POST "+Prefix+"containers/{vmid}/lock", ct(func() any { return &lockBody{} }, func(vmid int, b any) error {
		lock := b.(*lockBody).Lock
		if !slices.Contains(pveLocks, lock) {
			return badField("lock", lock, "one of "+strings.Join(pveLocks, ", "))
		}
		return s.SetLock(vmid, lock)
	}))
	mux.HandleFunc("DELETE "+Prefix+"containers/{vmid}/lock", ct(nil, func(vmid int, _ any) error { return s.SetLock(vmid, "") }))
	mux.HandleFunc("POST "+Prefix+"containers/{vmid}/config", ct(func() any { return &configBody{} }, func(vmid int, b any) error {
		c := b.(*configBody)
		if !configKeyRE.MatchString(c.Key) {
			return badField("key", c.Key, "a config key: a lower-case letter, then up to 63 of a-z 0-9 _ . -")
		}
		if c.Key == "digest" {
			return badField("key", c.Key, "a config key; the digest is computed, not stored")
		}
		if strings.ContainsAny(c.Value, "\r\n") || len(c.Value) > 8192 {
			return badField("value", c.Value, "one line of at most 8192 bytes")
		}
		return s.SetConfig(vmid, c.Key, c.Value)
	}))
	mux.HandleFunc("POST "+Prefix+"containers/{vmid}/migrate", ct(func() any { return &migrateBody{} }, func(vmid int, b any) error {
		n := b.(*migrateBody).Node
		if !slices.Contains(s.NodeNames(), n) {
			return badField("node", n, "one of "+strings.Join(s.NodeNames(), ", "))
		}
		return s.MigrateContainer(vmid, n)
	}))

	mux.HandleFunc("GET "+Prefix+"requests", func(w http.ResponseWriter, r *http.Request) {
		controlOK(w, map[string]int{"count": s.RequestCount()})
	})
	mux.HandleFunc("DELETE "+Prefix+"requests", func(w http.ResponseWriter, r *http.Request) {
		s.ResetRequests()
		controlOK(w, map[string]int{"count": 0})
	})
	mux.HandleFunc("GET "+Prefix+"clock", func(w http.ResponseWriter, r *http.Request) {
		controlOK(w, map[string]string{"now": s.Clock().Now().UTC().Format(time.RFC3339Nano)})
	})
	mux.HandleFunc("POST "+Prefix+"clock", func(w http.ResponseWriter, r *http.Request) {
		var b clockBody
		if !decodeBody(w, r, &b, false) {
			return
		}
		d, err := time.ParseDuration(b.Advance)
		if err != nil || d <= 0 || d > maxClockAdvance {
			controlError(w, http.StatusBadRequest, badField("advance", b.Advance, "a Go duration above 0 and at most 8784h, e.g. \"30s\"").Error())
			return
		}
		s.Clock().Advance(d)
		controlOK(w, map[string]string{"now": s.Clock().Now().UTC().Format(time.RFC3339Nano)})
	})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, pattern := mux.Handler(r); pattern != "" {
			mux.ServeHTTP(w, r)
			return
		}
		// ServeMux would answer in plain text; the control API speaks JSON.
		var allowed []string
		for _, m := range []string{"GET", "POST", "DELETE"} {
			probe := r.Clone(r.Context())
			probe.Method = m
			if _, p := mux.Handler(probe); p != "" {
				allowed = append(allowed, m)
			}
		}
		if len(allowed) > 0 {
			w.Header().Set("Allow", strings.Join(allowed, ", "))
			controlError(w, http.StatusMethodNotAllowed, fmt.Sprintf("%s %s: method not allowed; use %s", r.Method, r.URL.Path, strings.Join(allowed, " or ")))
			return
		}
		controlError(w, http.StatusNotFound, fmt.Sprintf("%s %s: no such control route", r.Method, r.URL.Path))
	})
}

// decodeBody decodes one JSON object strictly into v and answers 400 when
// it cannot; an empty body is fine when optional.
func decodeBody(w http.ResponseWriter, r *http.Request, v any, optional bool) bool {
	if ct := r.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(ct, "application/json") {
		controlError(w, http.StatusUnsupportedMediaType, fmt.Sprintf("Content-Type %q: want application/json", ct))
		return false
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxControlBody+1))
	if err != nil {
		controlError(w, http.StatusBadRequest, "body: "+err.Error())
		return false
	}
	if len(body) > maxControlBody {
		controlError(w, http.StatusRequestEntityTooLarge, "body: larger than 64 KiB")
		return false
	}
	if len(strings.TrimSpace(string(body))) == 0 {
		if optional {
			return true
		}
		controlError(w, http.StatusBadRequest, "body: empty; want a JSON object")
		return false
	}
	dec := json.NewDecoder(strings.NewReader(string(body)))
	dec.DisallowUnknownFields()
	err = dec.Decode(v)
	if err == nil && dec.More() {
		err = errors.New("trailing data after the JSON object")
	} else if err == nil {
		if _, terr := dec.Token(); terr != io.EOF {
			err = errors.New("trailing data after the JSON object")
		}
	}
	if err != nil {
		controlError(w, http.StatusBadRequest, describeJSONError(err))
		return false
	}
	return true
}

func describeJSONError(err error) string {
	var typeErr *json.UnmarshalTypeError
	var syntaxErr *json.SyntaxError
	switch {
	case errors.As(err, &typeErr):
		if typeErr.Field == "" {
			return fmt.Sprintf("body: got a JSON %s, want an object", typeErr.Value)
		}
		return fmt.Sprintf("field %q: got a JSON %s, want %s", typeErr.Field, typeErr.Value, jsonKind(typeErr.Type.Kind().String()))
	case errors.As(err, &syntaxErr):
		return fmt.Sprintf("body: invalid JSON at byte %d", syntaxErr.Offset)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return "field " + strings.TrimPrefix(err.Error(), "json: unknown field ") + ": not known here"
	case errors.Is(err, io.ErrUnexpectedEOF):
		return "body: truncated JSON"
	}
	return "body: " + err.Error()
}

func jsonKind(goKind string) string {
	switch {
	case strings.HasPrefix(goKind, "int"), strings.HasPrefix(goKind, "uint"):
		return "an integer"
	case strings.HasPrefix(goKind, "float"):
		return "a number"
	case goKind == "bool":
		return "true or false"
	case goKind == "slice":
		return "an array"
	}
	return "a " + goKind
}

// controlFailure maps a Go API error to a status.
func controlFailure(w http.ResponseWriter, err error) {
	var fe *fieldError
	switch {
	case errors.As(err, &fe):
		controlError(w, http.StatusBadRequest, err.Error())
	case errors.Is(err, pvesim.ErrNoSuchContainer), errors.Is(err, pvesim.ErrNoSuchNode):
		controlError(w, http.StatusNotFound, err.Error())
	case errors.Is(err, pvesim.ErrContainerExists):
		controlError(w, http.StatusConflict, err.Error())
	default:
		controlError(w, http.StatusBadRequest, err.Error())
	}
}

func controlOK(w http.ResponseWriter, v any) { writeControl(w, http.StatusOK, v) }

func controlError(w http.ResponseWriter, status int, msg string) {
	writeControl(w, status, map[string]string{"error": msg})
}

func writeControl(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"error":"encoding the answer failed"}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}
