package pvesim

import (
	"net/url"
	"time"

	"github.com/lxc-autoscale/lxc-autoscale/test/pvesim/workload"
)

// Options configure a simulated cluster. Zero values take the defaults
// noted per field; for a cluster without containers pass an empty, non-nil
// Specs.
type Options struct {
	Nodes            int               // nodes pve1..pveN; default 3
	Containers       int               // generated containers, vmid 100.., round-robin over nodes; default 30 (ignored if Specs != nil)
	Specs            []ContainerSpec   // explicit containers instead of generated ones
	Seed             uint64            // workload assignment and noise
	Tokens           []string          // accepted API tokens "USER@REALM!ID=SECRET"; default {"root@pam!test=secret"}
	Users            map[string]string // user@realm -> password for POST /access/ticket
	Speed            float64           // simulated seconds per real second; 0 = clock moves only via Clock().Advance
	Start            time.Time         // simulated time at start; zero = time.Now()
	TaskDuration     time.Duration     // simulated time an async task runs before it stops; default 2s
	AuthFailureDelay time.Duration     // real PVE delays every 401 by 3s; default 0 here
	NodeCPUs         int               // threads of every node; default: the mix of DefaultNodeThreads (32 each with Ideal)
	NodeThreads      []int             // threads per node, pve1 first, repeated over the nodes; overrides NodeCPUs
	NodeMemoryBytes  uint64            // per node; default 128 GiB
	// NodeVersions are the pve-manager versions of pve1, pve2, … in order
	// ("9.1.1", "8.4.1", "7.4-19" or "7.4.19"); nodes past the end run
	// 9.1.1. Mixing them is a cluster in the middle of an upgrade.
	NodeVersions []string
	// NodeDeathGrace is how long a node killed by KillNode is still listed
	// online (with its last stats) before the cluster notices: the time
	// corosync and pmxcfs need. Default 30s of simulated time.
	NodeDeathGrace time.Duration

	// Ideal turns off what makes real clusters inconvenient, for the few
	// tests that need exact numbers: maxdisk is the configured size on
	// every storage, cpu never exceeds 1.0, and nodes default to 32 threads
	// each. Everything else stays as PVE does it.
	Ideal bool

	// Privileges: ID -> path -> privileges /access/permissions reports (internal/acl); default all on "/".
	Privileges map[string]map[string][]string
}

// DefaultNodeThreads is the mix of node sizes a cluster gets unless
// Options say otherwise: real clusters grow by buying what was current, so
// a 4-thread box sits beside a 64-thread one and a policy's max cores can
// exceed a node.
var DefaultNodeThreads = []int{16, 8, 4, 24, 64}

// ContainerSpec describes one container to create. Zero values mean: Node
// round-robin by vmid, Name "ct<vmid>", no cores (cpus then come from
// CPULimit or the host), MemoryMiB 512, SwapMiB 0, DiskGiB 8, a Workload
// drawn from the seeded mix, Storage "local-lvm" (PVE's default install).
type ContainerSpec struct {
	VMID       int
	Node       string
	Name       string
	Cores      int
	CPULimit   float64
	MemoryMiB  int
	SwapMiB    int
	DiskGiB    float64
	Workload   workload.Kind
	Tags       []string
	Pool       string
	Stopped    bool
	Protection bool
	Template   bool
	Storage    string // rootfs storage: "local" (dir), "local-lvm" (lvmthin, the default), "local-zfs" (zfspool), "san-lvm" (lvm, shared) or "cephpool" (rbd, shared)
}

// Fault changes how matching requests are answered.
type Fault struct {
	Method   string // "" = any
	Route    string // route template, e.g. "/nodes/{node}/lxc/{vmid}/config"; "" = any
	Node     string // only requests for this node ("" = any)
	Status   int    // answer with this status and Reason instead of handling (0 = handle normally)
	Reason   string
	Latency  time.Duration // real time waited before answering
	Hang     bool          // do not answer until the client gives up (request context done)
	TaskExit string        // for task-starting calls: start the task, then end it with this exit status
	Count    int           // how many matching requests it applies to; 0 = until ClearFaults
	Rate     float64       // fraction of matching requests it applies to, drawn from a generator seeded with Options.Seed; 0 = all
	// Token limits the fault to one client: the API token id it presents
	// ("user@realm!id", secret not checked) or, for ticket sessions, the
	// user ("user@realm"). "" = every client. This is how a test cuts one
	// controller instance off the cluster while another keeps working.
	Token string
}

// Request is one entry of the request log.
type Request struct {
	Time   time.Time // simulated time
	Method string
	Path   string // path below /api2/json
	Route  string // route template, e.g. "/nodes/{node}/lxc/{vmid}/config"; "" when unrouted
	Node   string
	Params url.Values // query and body parameters as PVE sees them (JSON true is "1"), without path parameters and the password
	Status int        // 0 when a Hang fault kept it until the client gave up
	Token  string     // token id only, never the secret
}

// ContainerState is a deep copy of one container for assertions.
type ContainerState struct {
	VMID      int
	Node      string
	Config    map[string]string // raw key -> value as in the .conf
	Digest    string
	Lock      string
	Running   bool
	Snapshots []string
	Usage     workload.Sample // of the current 10 s pvestatd cycle; zero while stopped
}
