package proxmox

import (
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"
)

// Bodies shaped as PVE sends them (reference §3.2/§3.3), including the
// quirks go-proxmox fails on.
const (
	lxcListBody = `{"data":[
 {"vmid":101,"name":"web","status":"running","type":"lxc","cpus":2,"cpu":0.25,"mem":536870912,"maxmem":1073741824,
  "swap":1048576,"maxswap":536870912,"disk":1073741824,"maxdisk":8589934592,"netin":1000,"netout":2000,
  "diskread":3000,"diskwrite":4000,"uptime":3600,"pid":1234,"tags":"prod;web","lock":"backup",
  "pressurecpusome":1.5,"pressurecpufull":0.5,"pressureiosome":2,"pressureiofull":1,"pressurememorysome":0.25,"pressurememoryfull":0},
 {"vmid":"102","name":"db","status":"stopped","type":"lxc","cpus":"1.5","cpu":0,"mem":0,"maxmem":2147483648,"maxdisk":4294967296,"template":1}
]}`
	clusterBody = `{"data":[
 {"id":"qemu/100","type":"qemu","vmid":100,"node":"pve1","maxcpu":4},
 {"id":"lxc/101","type":"lxc","vmid":101,"node":"pve1","maxcpu":1.5,"cpu":0.1,"maxmem":1073741824,"mem":1000,"pool":"prod","lock":"snapshot","status":"running","name":"web","template":0},
 {"id":"node/pve1","type":"node","node":"pve1","status":"online"}
]}`
	configBody = `{"data":{"arch":"amd64","cores":2,"cpulimit":"1.5","cpuunits":100,"memory":1024,"swap":512,
 "hostname":"web","rootfs":"local-lvm:vm-101-disk-0,size=8G","mp0":"volume=local:101/vm-101-disk-1.raw,mp=/data,size=9728M",
 "net0":"name=eth0,bridge=vmbr0","tags":"prod;web","lock":"backup","protection":1,"lxc":[["lxc.apparmor.profile","unconfined"]],
 "description":"line1\nline2 \u00e9","digest":"0123456789abcdef0123456789abcdef01234567"}}`
	rrdBody = `{"data":[
 {"time":1700000000,"cpu":0.5,"maxcpu":1.5,"mem":8468508117.03333,"maxmem":1073741824,"disk":12345.5,"maxdisk":8589934592,
  "netin":10.5,"netout":20,"diskread":0,"diskwrite":1,"pressurecpusome":3.5},
 {"time":1700000060,"maxcpu":2,"maxmem":1073741824,"maxdisk":8589934592,"disk":5},
 {"time":1700000120}
]}`
	snapshotsBody = `{"data":[
 {"name":"before","snaptime":1700000000,"description":"pre upgrade","parent":"first"},
 {"name":"first","description":""},
 {"name":"current","digest":"x","running":1,"description":"You are here!","parent":"before"}
]}`
)

func TestDecodeContainers(t *testing.T) {
	t.Parallel()
	got, err := decodeContainers([]byte(lxcListBody), "pve1")
	if err != nil {
		t.Fatal(err)
	}
	want := []Container{
		{VMID: 101, Node: "pve1", Name: "web", Status: "running", CPUs: 2, CPU: 0.25, Mem: 536870912, MaxMem: 1073741824,
			Swap: 1048576, MaxSwap: 536870912, Disk: 1073741824, MaxDisk: 8589934592, NetIn: 1000, NetOut: 2000,
			DiskRead: 3000, DiskWrite: 4000, Uptime: time.Hour, Tags: []string{"prod", "web"}, Lock: "backup",
			Pressure: &Pressure{CPUSome: 1.5, CPUFull: 0.5, IOSome: 2, IOFull: 1, MemorySome: 0.25}},
		{VMID: 102, Node: "pve1", Name: "db", Status: "stopped", CPUs: 1.5, MaxMem: 2147483648, MaxDisk: 4294967296, Template: true},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("decodeContainers =\n%+v\nwant\n%+v", got, want)
	}
}

func TestDecodeClusterContainers(t *testing.T) {
	t.Parallel()
	got, err := decodeClusterContainers([]byte(clusterBody))
	if err != nil {
		t.Fatal(err)
	}
	want := []Container{{VMID: 101, Node: "pve1", Name: "web", Status: "running", CPUs: 1.5, CPU: 0.1, MaxMem: 1073741824, Mem: 1000, Pool: "prod", Lock: "snapshot"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("decodeClusterContainers = %+v, want %+v", got, want)
	}
}

func TestDecodeConfig(t *testing.T) {
	t.Parallel()
	cfg, err := decodeConfig([]byte(configBody))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Cores != 2 || cfg.CPULimit != 1.5 || cfg.CPUUnits != 100 || cfg.MemoryMiB != 1024 || cfg.SwapMiB != 512 {
		t.Errorf("decodeConfig numbers = %+v", cfg)
	}
	if cfg.Digest != "0123456789abcdef0123456789abcdef01234567" || cfg.Lock != "backup" || !cfg.Protection || cfg.Hostname != "web" {
		t.Errorf("decodeConfig strings = %+v", cfg)
	}
	wantRoot := Volume{Spec: "local-lvm:vm-101-disk-0,size=8G", Storage: "local-lvm", Volume: "vm-101-disk-0", SizeBytes: 8 << 30}
	if cfg.RootFS != wantRoot {
		t.Errorf("RootFS = %+v, want %+v", cfg.RootFS, wantRoot)
	}
	wantMP := Volume{Spec: "volume=local:101/vm-101-disk-1.raw,mp=/data,size=9728M", Storage: "local", Volume: "101/vm-101-disk-1.raw", SizeBytes: 9728 << 20}
	if cfg.MountPoints["mp0"] != wantMP || len(cfg.MountPoints) != 1 {
		t.Errorf("MountPoints = %+v, want mp0 %+v", cfg.MountPoints, wantMP)
	}
	if !reflect.DeepEqual(cfg.Tags, []string{"prod", "web"}) {
		t.Errorf("Tags = %q", cfg.Tags)
	}
	if cfg.Raw["description"] != "line1\nline2 é" || cfg.Raw["lxc"] != `[["lxc.apparmor.profile","unconfined"]]` || cfg.Raw["cpulimit"] != "1.5" {
		t.Errorf("Raw = %q", cfg.Raw)
	}
}

func TestDecodeRRDKeepsAbsentFieldsAbsent(t *testing.T) {
	t.Parallel()
	got, err := decodeRRD([]byte(rrdBody))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 {
		t.Fatalf("decodeRRD returned %d rows, want 3", len(got))
	}
	p := got[0]
	if v, ok := p.Mem.Get(); !ok || v != 8468508117.03333 {
		t.Errorf("row 0 mem = %v %v", v, ok)
	}
	if v, ok := p.MaxCPU.Get(); !ok || v != 1.5 {
		t.Errorf("row 0 maxcpu = %v %v, want fractional 1.5", v, ok)
	}
	if v, ok := p.DiskRead.Get(); !ok || v != 0 {
		t.Errorf("row 0 diskread = %v %v, want a present 0", v, ok)
	}
	if v, ok := p.PressureCPUSome.Get(); !ok || v != 3.5 {
		t.Errorf("row 0 pressurecpusome = %v %v", v, ok)
	}
	if p.PressureIOSome.Valid {
		t.Error("row 0 pressureiosome is valid, PVE did not send it")
	}
	stopped := got[1]
	if stopped.CPU.Valid || stopped.Mem.Valid || stopped.NetIn.Valid {
		t.Errorf("row 1 (stopped) has cpu/mem/netin: %+v", stopped)
	}
	if !stopped.Disk.Valid || !stopped.MaxMem.Valid {
		t.Errorf("row 1 lost disk/maxmem: %+v", stopped)
	}
	if got[2] != (RRDPoint{Time: time.Unix(1700000120, 0)}) {
		t.Errorf("time-only row = %+v", got[2])
	}
}

func TestDecodeSnapshotsDropsCurrent(t *testing.T) {
	t.Parallel()
	got, err := decodeSnapshots([]byte(snapshotsBody))
	if err != nil {
		t.Fatal(err)
	}
	want := []Snapshot{
		{Name: "before", Description: "pre upgrade", Parent: "first", Time: time.Unix(1700000000, 0)},
		{Name: "first"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("decodeSnapshots = %+v, want %+v", got, want)
	}
}

func TestDecodeNodesAndStatus(t *testing.T) {
	t.Parallel()
	nodes, err := decodeNodes([]byte(`{"data":[{"node":"pve1","status":"online","cpu":0.1,"maxcpu":32,"mem":100,"maxmem":1000,"uptime":10,"ssl_fingerprint":"AA:BB"},
		{"node":"pve2","status":"offline","maxcpu":16,"maxmem":2000}]}`))
	if err != nil {
		t.Fatal(err)
	}
	want := []Node{
		{Name: "pve1", Status: "online", Online: true, CPU: 0.1, CPUs: 32, MemUsedBytes: 100, MemoryBytes: 1000, Uptime: 10 * time.Second, SSLFingerprint: "AA:BB"},
		{Name: "pve2", Status: "offline", CPUs: 16, MemoryBytes: 2000},
	}
	if !reflect.DeepEqual(nodes, want) {
		t.Errorf("decodeNodes = %+v, want %+v", nodes, want)
	}
	ns, err := decodeNodeStatus([]byte(`{"data":{"cpu":0.5,"loadavg":["1.5","0.5","0.25"],"cpuinfo":{"cpus":8,"cores":4,"sockets":1,"model":"Xeon","mhz":"2400.000"},
		"memory":{"total":1000,"used":600,"free":400,"available":700},"swap":{"total":10,"used":1},"rootfs":{"total":50,"used":5},"uptime":60,"pveversion":"pve-manager/9.1.1"}}`), "pve1")
	if err != nil {
		t.Fatal(err)
	}
	wantNS := NodeStatus{Name: "pve1", CPU: 0.5, LoadAvg: [3]float64{1.5, 0.5, 0.25}, CPUs: 8, Cores: 4, Sockets: 1, CPUModel: "Xeon",
		MemoryTotal: 1000, MemoryUsed: 600, MemoryFree: 400, MemoryAvailable: 700, SwapTotal: 10, SwapUsed: 1, RootFSTotal: 50, RootFSUsed: 5,
		Uptime: time.Minute, PVEVersion: "pve-manager/9.1.1"}
	if ns != wantNS {
		t.Errorf("decodeNodeStatus = %+v, want %+v", ns, wantNS)
	}
}

func TestDecodeTaskAndScalars(t *testing.T) {
	t.Parallel()
	base, err := ParseUPID("UPID:pve1:000ABCDE:0012F4A1:65A1B2C3:vzsnapshot:101:root@pam!auto:")
	if err != nil {
		t.Fatal(err)
	}
	got, err := decodeTaskStatus([]byte(`{"data":{"status":"stopped","exitstatus":"WARNINGS: 2","type":"vzsnapshot","id":"101","user":"root@pam","tokenid":"auto","starttime":1700000000}}`), base)
	if err != nil {
		t.Fatal(err)
	}
	if !got.Done() || got.Running || got.ExitStatus != "WARNINGS: 2" || got.Err() != nil {
		t.Errorf("task = %+v, Err() = %v: want stopped, WARNINGS counting as success", got, got.Err())
	}
	id, err := decodeString([]byte(`{"data":"105"}`))
	if err != nil || id != "105" {
		t.Errorf("decodeString(nextid string) = %q, %v", id, err)
	}
	id, err = decodeString([]byte(`{"data":105}`))
	if err != nil || id != "105" {
		t.Errorf("decodeString(nextid number) = %q, %v", id, err)
	}
	if _, err := decodeString([]byte(`{"data":null}`)); !errors.Is(err, errEmptyData) {
		t.Errorf("decodeString(null) error = %v, want errEmptyData", err)
	}
	if _, err := decodeConfig([]byte(`{"data":null}`)); !errors.Is(err, errEmptyData) {
		t.Errorf("decodeConfig(null) error = %v, want errEmptyData", err)
	}
}

func TestParseUPID(t *testing.T) {
	t.Parallel()
	cases := []struct {
		upid string
		ok   bool
		want Task
	}{
		{"UPID:pve1:000ABCDE:0012F4A1:65A1B2C3:vzclone:100:root@pam!auto:", true,
			Task{Node: "pve1", Type: "vzclone", ID: "100", User: "root@pam!auto", StartTime: time.Unix(0x65A1B2C3, 0)}},
		{"UPID:pve1:000ABCDE:0012F4A1:65A1B2C3:vzdump::root@pam", true,
			Task{Node: "pve1", Type: "vzdump", User: "root@pam", StartTime: time.Unix(0x65A1B2C3, 0)}},
		{"UPID:pve1:000ABCDE:0012F4A1:65A1B2C3:vzclone:100", false, Task{}}, // 7 fields: go-proxmox panics here
		{"", false, Task{}},
		{"UPID:::::::", false, Task{}},
		{"UPID:pve1:1:2:zz:t:1:u:", false, Task{}},
		{"XPID:pve1:1:2:3:t:1:u:", false, Task{}},
		{"UPID:pve1:1:2:3:t:1:u:extra", false, Task{}},
	}
	for _, c := range cases {
		got, err := ParseUPID(c.upid)
		if (err == nil) != c.ok {
			t.Errorf("ParseUPID(%q) error = %v, want ok=%v", c.upid, err, c.ok)
			continue
		}
		if c.ok {
			c.want.UPID = c.upid
			if got != c.want {
				t.Errorf("ParseUPID(%q) = %+v, want %+v", c.upid, got, c.want)
			}
		}
	}
}

func TestSizes(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		in   string
		want uint64
		ok   bool
	}{{"8G", 8 << 30, true}, {"9728M", 9728 << 20, true}, {"512K", 512 << 10, true}, {"1T", 1 << 40, true},
		{"100", 100, true}, {"1.5G", 3 << 29, true}, {"4GiB", 4 << 30, true}, {"x", 0, false}, {"-1G", 0, false}} {
		got, ok := parseSize(c.in)
		if got != c.want || ok != c.ok {
			t.Errorf("parseSize(%q) = %d, %v; want %d, %v", c.in, got, ok, c.want, c.ok)
		}
	}
	for _, c := range []struct {
		in   uint64
		want string
	}{{8 << 30, "8G"}, {9728 << 20, "9728M"}, {1 << 40, "1T"}, {1536, "1536"}, {3 << 29, "1536M"}, {100, "100"}, {2048, "2K"}} {
		if got := formatSize(c.in); got != c.want {
			t.Errorf("formatSize(%d) = %q, want %q", c.in, got, c.want)
		}
		if back, _ := parseSize(formatSize(c.in)); back != c.in {
			t.Errorf("parseSize(formatSize(%d)) = %d", c.in, back)
		}
	}
}

func TestDecodeErrorBody(t *testing.T) {
	t.Parallel()
	eb := decodeErrorBody([]byte(`{"data":null,"errors":{"memory":"value must have a minimum value of 16\n"},"message":"Parameter verification failed.\n"}`))
	if eb.message != "Parameter verification failed.\n" || eb.params["memory"] != "value must have a minimum value of 16" {
		t.Errorf("decodeErrorBody = %+v", eb)
	}
	for _, body := range []string{"", "<html>", `{"data":null`, "null"} {
		if eb := decodeErrorBody([]byte(body)); eb.message != "" || eb.params != nil {
			t.Errorf("decodeErrorBody(%q) = %+v, want empty", body, eb)
		}
	}
}

// everyDecoder runs body through each decoder that can fail.
var everyDecoder = map[string]func(body []byte) error{
	"containers": func(b []byte) error { _, err := decodeContainers(b, "n"); return err },
	"cluster":    func(b []byte) error { _, err := decodeClusterContainers(b); return err },
	"status":     func(b []byte) error { _, err := decodeContainerStatus(b, Ref{Node: "n", VMID: 100}); return err },
	"rrd":        func(b []byte) error { _, err := decodeRRD(b); return err },
	"nodes":      func(b []byte) error { _, err := decodeNodes(b); return err },
	"nodestatus": func(b []byte) error { _, err := decodeNodeStatus(b, "n"); return err },
	"config":     func(b []byte) error { _, err := decodeConfig(b); return err },
	"snapshots":  func(b []byte) error { _, err := decodeSnapshots(b); return err },
	"task":       func(b []byte) error { _, err := decodeTaskStatus(b, Task{}); return err },
	"tasklog":    func(b []byte) error { _, err := decodeTaskLog(b); return err },
	"string":     func(b []byte) error { _, err := decodeString(b); return err },
	"version":    func(b []byte) error { _, err := decodeVersion(b); return err },
}

func TestDecodersRejectMalformed(t *testing.T) {
	t.Parallel()
	for _, body := range []string{
		`{"data":[{"vmid":1,}]}`, `{"data":[1 2]}`, `{"data":"\x"}`, `{"data":tru}`, `{"data":01}`, `{"data":1.}`,
		`{"data":[{"vmid":1}]} x`, `{"data":"` + "\x01" + `"}`, `{"data":[` + strings.Repeat("[", 100) + strings.Repeat("]", 100) + `]}`, `{"data":"\ud83d`, `{`, `[`, `"data"`,
	} {
		for name, decode := range everyDecoder {
			if err := decode([]byte(body)); err == nil {
				t.Errorf("%s(%q) accepted malformed json", name, body)
			}
		}
	}
}

func TestDecodersRejectWrongShapes(t *testing.T) {
	t.Parallel()
	shapes := map[string]struct {
		right string
		wrong []string
	}{
		"list":   {`{"data":[{}]}`, []string{`{"data":{}}`, `{"data":["x"]}`, `{"data":"x"}`}},
		"object": {`{"data":{}}`, []string{`{"data":[{}]}`, `{"data":"x"}`, `{"data":1}`}},
		"string": {`{"data":"x"}`, []string{`{"data":{}}`, `{"data":[]}`, `{"data":""}`}},
	}
	for name, decode := range everyDecoder {
		shape := shapes["object"]
		switch name {
		case "containers", "cluster", "rrd", "nodes", "snapshots", "tasklog":
			shape = shapes["list"]
		case "string":
			shape = shapes["string"]
		}
		if err := decode([]byte(shape.right)); err != nil {
			t.Errorf("%s(%s) error = %v", name, shape.right, err)
		}
		for _, body := range shape.wrong {
			if err := decode([]byte(body)); err == nil {
				t.Errorf("%s(%s) accepted the wrong shape", name, body)
			}
		}
	}
}

func TestDecodersTolerateOddMembers(t *testing.T) {
	t.Parallel()
	ns, err := decodeNodeStatus([]byte(`{"data":{"cpu":"x","wait":true,"uptime":null,"kversion":{"a":1},"loadavg":[null,"2",false,7,8],"cpuinfo":{"cpus":"8","model":null},"memory":{"total":"1e3","used":[1]}}}`), "n")
	want := NodeStatus{Name: "n", IOWait: 1, LoadAvg: [3]float64{0, 2, 0}, CPUs: 8, MemoryTotal: 1000}
	if err != nil || ns != want {
		t.Errorf("decodeNodeStatus(odd members) = %+v, %v; want %+v", ns, err, want)
	}
	task, err := decodeTaskStatus([]byte(`{"data":{"status":"stopped","exitstatus":null,"id":101,"starttime":"1700000000"}}`), Task{Type: "vzdump", User: "u"})
	wantTask := Task{Type: "vzdump", User: "u", Status: "stopped", ID: "101", StartTime: time.Unix(1700000000, 0)}
	if err != nil || task != wantTask {
		t.Errorf("decodeTaskStatus(odd members) = %+v, %v; want %+v", task, err, wantTask)
	}
}

// FuzzDecoders feeds arbitrary bodies to every decoder: errors are fine,
// panics are not, and success means sane values.
func FuzzDecoders(f *testing.F) {
	for _, seed := range []string{lxcListBody, clusterBody, configBody, rrdBody, snapshotsBody,
		`{"data":{"status":"stopped","exitstatus":"OK"}}`, `{"data":"UPID:pve1:1:2:3:t:1:u:"}`, `{"data":[{"vmid":"1e400","cpus":"NaN","mem":-5}]}`,
		`{"data":{"cpu":"0.5","loadavg":["1",2],"cpuinfo":{"cpus":"8"},"memory":{"total":1e3}}}`, `{"data":{"version":"9.1.1","release":9.1}}`,
		`{"data":null,"errors":{"memory":"value must have a minimum value of 16\n"},"message":"Parameter verification failed.\n"}`} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		if cs, err := decodeContainers(body, "n"); err == nil {
			for _, c := range cs {
				if c.Node != "n" {
					t.Fatalf("container lost its node: %+v", c)
				}
			}
		}
		if pts, err := decodeRRD(body); err == nil {
			for _, p := range pts {
				if v, ok := p.CPU.Get(); ok && (math.IsNaN(v) || math.IsInf(v, 0)) {
					t.Fatalf("rrd cpu %v", v)
				}
			}
		}
		for _, decode := range everyDecoder {
			_ = decode(body)
		}
		_ = decodeErrorBody(body)
		_, _ = ParseUPID(string(body))
	})
}
