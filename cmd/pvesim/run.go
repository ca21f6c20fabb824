package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/lxc-autoscale/lxc-autoscale/test/pvesim"
	"github.com/lxc-autoscale/lxc-autoscale/test/pvesim/control"
)

// listFlag collects a repeatable string flag.
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

type options struct {
	listen      string
	tls         bool
	sim         pvesim.Options
	offline     listFlag
	versions    listFlag
	threads     listFlag
	locks       listFlag
	latency     time.Duration
	failRate    float64
	tokens      listFlag
	users       listFlag
	shutdownMax time.Duration
}

func parseArgs(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("pvesim", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, `Usage: pvesim [flags]

Serves a simulated Proxmox VE cluster (7, 8 and 9 per node) under /api2/json
until SIGINT/SIGTERM, and a control API under /_pvesim/ on the same listener
that changes the cluster while it runs (JSON in and out, no authentication:
keep the listener on loopback).

Example:
  pvesim --listen 127.0.0.1:18006 --nodes 3 --containers 30 --seed 1 --token 'root@pam!ci=SECRET'
  curl -H 'Authorization: PVEAPIToken=root@pam!ci=SECRET' http://127.0.0.1:18006/api2/json/cluster/resources?type=vm

Control API (answers {"error":"…"} with 400 naming the field on bad input):
  POST   /_pvesim/nodes/{node}/offline|online|kill|revive
  GET    /_pvesim/faults
  POST   /_pvesim/faults     {"method","route","node","token","status","reason","latency":"250ms","hang","task_exit","count","rate"}
  DELETE /_pvesim/faults
  POST   /_pvesim/containers {"vmid","node","name","cores","cpulimit","memory_mib","swap_mib","disk_gib","workload","tags","pool","stopped","protection","storage"}
  DELETE /_pvesim/containers/{vmid}
  POST   /_pvesim/containers/{vmid}/lock     {"lock":"backup"}   (DELETE unlocks)
  POST   /_pvesim/containers/{vmid}/config   {"key":"cores","value":"4"}   ("" removes the key)
  POST   /_pvesim/containers/{vmid}/migrate  {"node":"pve2"}
  GET    /_pvesim/requests   {"count":n}   (DELETE empties the request log)
  GET    /_pvesim/clock      POST /_pvesim/clock {"advance":"30s"}
  e.g. curl -X POST -d '{"token":"root@pam!ci","status":595,"reason":"No route to host"}' http://127.0.0.1:18006/_pvesim/faults

Flags:
`)
		fs.PrintDefaults()
	}
	fs.StringVar(&o.listen, "listen", "127.0.0.1:18006", "address to listen on (loopback only; port 0 picks a free port)")
	fs.BoolVar(&o.tls, "tls", false, "serve HTTPS with a generated self-signed certificate and print its SHA-256 fingerprint")
	fs.IntVar(&o.sim.Nodes, "nodes", 3, "number of nodes (pve1..pveN)")
	fs.IntVar(&o.sim.Containers, "containers", 30, "number of generated containers (vmid 100..)")
	seed := fs.Uint64("seed", 1, "seed for workloads, sizes and random faults")
	fs.Float64Var(&o.sim.Speed, "speed", 1, "simulated seconds per real second")
	fs.DurationVar(&o.sim.TaskDuration, "task-duration", 2*time.Second, "simulated time an async task runs")
	fs.DurationVar(&o.sim.AuthFailureDelay, "auth-delay", 0, "delay before every 401 (real PVE: 3s)")
	fs.IntVar(&o.sim.NodeCPUs, "node-cpus", 0, "CPU threads of every node (default: the mix of --node-threads)")
	fs.Var(&o.threads, "node-threads", "CPU threads of pve1, pve2, … in order, repeated over the nodes (repeatable or comma-separated; default 16,8,4,24,64)")
	nodeMemGiB := fs.Uint64("node-memory-gib", 128, "memory per node in GiB")
	fs.Var(&o.tokens, "token", "accepted API token USER@REALM!ID=SECRET (repeatable; default root@pam!test=secret)")
	fs.Var(&o.users, "user", "accepted login USER@REALM=PASSWORD for POST /access/ticket (repeatable)")
	fs.Var(&o.offline, "offline", "node to start offline (repeatable)")
	fs.Var(&o.versions, "node-version", "PVE version of pve1, pve2, … in order, e.g. 9.1.1, 8.4.1 or 7.4-19 (repeatable or comma-separated; default 9.1.1)")
	fs.DurationVar(&o.sim.NodeDeathGrace, "node-death-grace", 30*time.Second, "simulated time a killed node stays listed online before the cluster notices")
	fs.Var(&o.locks, "lock", "VMID=LOCK to hold on a container, e.g. 101=backup (repeatable)")
	fs.DurationVar(&o.latency, "latency", 0, "extra latency on every request")
	fs.Float64Var(&o.failRate, "fail-rate", 0, "fraction of requests answered with a random 500 (seeded)")
	fs.DurationVar(&o.shutdownMax, "shutdown-timeout", 5*time.Second, "grace period for open requests on shutdown")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if o.failRate < 0 || o.failRate > 1 {
		return o, fmt.Errorf("--fail-rate %v: must be between 0 and 1", o.failRate)
	}
	if o.sim.Nodes < 1 || o.sim.Containers < 0 {
		return o, errors.New("--nodes must be at least 1 and --containers at least 0")
	}
	if o.sim.NodeDeathGrace <= 0 {
		return o, fmt.Errorf("--node-death-grace %v: must be above 0", o.sim.NodeDeathGrace)
	}
	for _, v := range o.versions {
		for _, one := range strings.Split(v, ",") {
			o.sim.NodeVersions = append(o.sim.NodeVersions, strings.TrimSpace(one))
		}
	}
	for _, v := range o.threads {
		for _, one := range strings.Split(v, ",") {
			n, err := strconv.Atoi(strings.TrimSpace(one))
			if err != nil || n < 1 || n > 8192 {
				return o, fmt.Errorf("--node-threads %q: want whole numbers from 1 to 8192", one)
			}
			o.sim.NodeThreads = append(o.sim.NodeThreads, n)
		}
	}
	if o.sim.NodeCPUs < 0 || o.sim.NodeCPUs > 8192 {
		return o, fmt.Errorf("--node-cpus %d: want 1 to 8192, or 0 for the mix", o.sim.NodeCPUs)
	}
	if len(o.sim.NodeVersions) > o.sim.Nodes {
		return o, fmt.Errorf("--node-version: %d versions for %d nodes", len(o.sim.NodeVersions), o.sim.Nodes)
	}
	o.sim.Seed = *seed
	o.sim.NodeMemoryBytes = *nodeMemGiB << 30
	o.sim.Tokens = o.tokens
	if len(o.users) > 0 {
		o.sim.Users = map[string]string{}
		for _, u := range o.users {
			name, pw, ok := strings.Cut(u, "=")
			if !ok || !strings.Contains(name, "@") {
				return o, fmt.Errorf("--user %q: want USER@REALM=PASSWORD", name)
			}
			o.sim.Users[name] = pw
		}
	}
	if o.sim.Containers == 0 {
		o.sim.Specs = []pvesim.ContainerSpec{}
	}
	return o, nil
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	o, err := parseArgs(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintf(stderr, "pvesim: %v\n", err)
		return 2
	}
	if err := serve(ctx, o, stdout); err != nil {
		fmt.Fprintf(stderr, "pvesim: %v\n", err)
		return 1
	}
	return 0
}

func serve(ctx context.Context, o options, stdout io.Writer) error {
	sim, err := pvesim.New(o.sim)
	if err != nil {
		return err
	}
	defer sim.Close()
	if err := applyFaults(sim, o); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", o.listen)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	mux := http.NewServeMux()
	mux.Handle("/", sim) // PVE answers its own 404s and 501s
	mux.Handle(control.Prefix, control.Handler(sim))
	srv := &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 10 * time.Second,
		// HTTP/2 cannot carry PVE's custom reason phrases (they need a hijacked HTTP/1.1 connection).
		TLSNextProto: map[string]func(*http.Server, *tls.Conn, http.Handler){},
	}
	scheme := "http"
	if o.tls {
		cert, fingerprint, err := selfSignedCert()
		if err != nil {
			return err
		}
		srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
		ln = tls.NewListener(ln, srv.TLSConfig)
		scheme = "https"
		fmt.Fprintf(stdout, "pvesim certificate SHA-256 fingerprint %s\n", fingerprint)
	}
	fmt.Fprintf(stdout, "pvesim control API at %s://%s%s\n", scheme, ln.Addr(), control.Prefix)
	fmt.Fprintf(stdout, "pvesim serving %s://%s/api2/json (%d nodes, %d containers, speed %g)\n",
		scheme, ln.Addr(), len(sim.NodeNames()), len(sim.ContainerIDs()), o.sim.Speed)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	sim.Close() // release hanging requests first
	shutdownCtx, cancel := context.WithTimeout(context.Background(), o.shutdownMax)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
}

func applyFaults(sim *pvesim.Sim, o options) error {
	names := map[string]bool{}
	for _, n := range sim.NodeNames() {
		names[n] = true
	}
	for _, n := range o.offline {
		if !names[n] {
			return fmt.Errorf("--offline %q: no such node", n)
		}
		sim.SetNodeOnline(n, false)
	}
	for _, l := range o.locks {
		id, lock, ok := strings.Cut(l, "=")
		vmid, err := strconv.Atoi(id)
		if !ok || err != nil || lock == "" {
			return fmt.Errorf("--lock %q: want VMID=LOCK", l)
		}
		if err := sim.SetLock(vmid, lock); err != nil {
			return fmt.Errorf("--lock %q: %w", l, err)
		}
	}
	if o.latency > 0 {
		sim.InjectFault(pvesim.Fault{Latency: o.latency})
	}
	if o.failRate > 0 {
		sim.InjectFault(pvesim.Fault{Status: http.StatusInternalServerError, Reason: "simulated failure", Rate: o.failRate})
	}
	return nil
}

// selfSignedCert makes a certificate for localhost/127.0.0.1 and its SHA-256
// fingerprint in PVE's colon-separated upper-case hex.
func selfSignedCert() (tls.Certificate, string, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, "", fmt.Errorf("generate key: %w", err)
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	if err != nil {
		return tls.Certificate{}, "", fmt.Errorf("generate serial: %w", err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: "pvesim", Organization: []string{"PVE Cluster Node"}},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(2 * 365 * 24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames:     []string{"localhost"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, "", fmt.Errorf("create certificate: %w", err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, fingerprint(der), nil
}

func fingerprint(der []byte) string {
	sum := sha256.Sum256(der)
	parts := make([]string, len(sum))
	for i, b := range sum {
		parts[i] = fmt.Sprintf("%02X", b)
	}
	return strings.Join(parts, ":")
}
