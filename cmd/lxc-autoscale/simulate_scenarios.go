package main

import (
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/lxc-autoscale/lxc-autoscale/controller/scaling"
	"github.com/lxc-autoscale/lxc-autoscale/controller/sim"
	simscenario "github.com/lxc-autoscale/lxc-autoscale/controller/sim/scenario"
	"github.com/lxc-autoscale/lxc-autoscale/test/pvesim/workload"
)

// The built-in scenarios are the pvesim workload models, one kind per
// scenario, plus "mixed", and the patterns of issue 15 that
// controller/sim/scenario generates (nightly, weekday, flashcrowd, ramp,
// thrash, runaway; several days long by default). Demand is sampled once a
// minute, what the processes want whatever they are given: the simulation
// applies the allocation. Everything is drawn from the seed, so the same
// flags give the same trace on any machine.

// scenarioStep is the resolution of a generated trace.
const scenarioStep = time.Minute

// scenarioStart is when every generated trace begins: a fixed Monday
// midnight UTC, so that the diurnal peaks fall at the same minutes.
var scenarioStart = time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)

// Limits of the generator: a trace is held in memory, 48 bytes a sample.
const (
	minScenarioDuration = time.Hour
	maxScenarioDuration = 30 * 24 * time.Hour
	maxScenarioSamples  = 5_000_000
	maxScenarioCount    = 1000
	mixedName           = "mixed"
)

type scenario struct {
	name        string
	description string
	containers  int           // default number of containers
	duration    time.Duration // default length; 0: --duration's default
}

func scenarios() []scenario {
	descriptions := map[workload.Kind]string{
		workload.Steady:   "0.3-1.5 cores with 10 % noise, flat memory and disk",
		workload.Diurnal:  "cpu follows a 24 h cosine peaking 13:00-16:00 UTC, memory +30 % at the peak",
		workload.Spike:    "0.2-0.5 cores with a 2-4 min burst of 5-10x every 10-20 min",
		workload.Leak:     "memory grows 256-768 MiB/h, dropping at a restart every 6-12 h",
		workload.DiskFill: "disk grows 2-5 GiB/h, emptied once a day",
		workload.Batch:    "a 10-15 min job of 2-4 cores and up to 2 GiB every 40-60 min",
		workload.Idle:     "about 0.01 cores and 32-96 MiB",
		workload.Busy:     "CPU-bound all the time: 3-6 cores",
	}
	var list []scenario
	for _, k := range workload.Kinds() {
		list = append(list, scenario{name: string(k), description: descriptions[k], containers: 4})
	}
	list = append(list, scenario{name: mixedName, description: "every kind above in a seeded order, repeated to the number of containers", containers: 16})
	// The patterns of issue 15, several days long where they need it.
	for _, sp := range simscenario.List() {
		list = append(list, scenario{name: sp.Name, description: sp.Description, containers: sp.Containers, duration: sp.Duration})
	}
	return list
}

func findScenario(name string) (scenario, bool) {
	for _, s := range scenarios() {
		if s.name == name {
			return s, true
		}
	}
	return scenario{}, false
}

func scenarioNames() []string {
	var names []string
	for _, s := range scenarios() {
		names = append(names, s.name)
	}
	return names
}

func printScenarios(w io.Writer) {
	fmt.Fprintln(w, "Built-in scenarios (lxc-autoscale simulate --scenario NAME [--seed N] [--duration 24h] [--containers N]):")
	rows := [][]string{}
	for _, s := range scenarios() {
		rows = append(rows, []string{"  " + s.name, fmt.Sprintf("%d containers by default", s.containers), s.description})
	}
	writeTable(w, rows, false)
}

// scenarioOptions are the generator's flags.
type scenarioOptions struct {
	seed     uint64
	duration time.Duration
	// durationSet: --duration was given; otherwise each scenario has its
	// own length (a weekday pattern needs days).
	durationSet bool
	containers  int // 0: the scenario's default
}

func (o scenarioOptions) check() error {
	switch {
	case o.duration < minScenarioDuration || o.duration > maxScenarioDuration:
		return usageErrorf("--duration: %s is out of range [%s, %s]", o.duration, minScenarioDuration, maxScenarioDuration)
	case o.duration%scenarioStep != 0:
		return usageErrorf("--duration: %s is not a whole number of minutes, the resolution of a scenario", o.duration)
	case o.containers < 0 || o.containers > maxScenarioCount:
		return usageErrorf("--containers: %d is out of range [0, %d] (0: the scenario's default)", o.containers, maxScenarioCount)
	case int64(o.containers)*int64(o.duration/scenarioStep) > maxScenarioSamples:
		return usageErrorf("--containers x --duration: %d containers for %s is more than %d samples; shorten one", o.containers, o.duration, maxScenarioSamples)
	}
	return nil
}

// Seeded initial allocations: what an administrator might have set, with
// no regard to the workload, so that every policy starts from a guess.
var (
	scenarioCores     = []int{1, 2, 3, 4}
	scenarioMemoryMiB = []int{512, 1024, 2048, 4096}
	scenarioDiskGiB   = []uint64{8, 16, 32}
)

// scenarioTrace generates the trace of a built-in scenario.
func scenarioTrace(name string, o scenarioOptions) (sim.Trace, error) {
	sc, ok := findScenario(name)
	if !ok {
		return sim.Trace{}, usageErrorf("--scenario: unknown scenario %q; want one of %s", name, strings.Join(scenarioNames(), ", "))
	}
	n := o.containers
	if n == 0 {
		n = sc.containers
	}
	length := o.duration
	if sc.duration > 0 && !o.durationSet {
		length = sc.duration
	}
	if int64(n)*int64(length/scenarioStep) > maxScenarioSamples {
		return sim.Trace{}, usageErrorf("--containers x --duration: %d containers for %s (scenario %s) is more than %d samples; shorten one", n, length, name, maxScenarioSamples)
	}
	if sc.duration > 0 {
		return simscenario.Generate(name, simscenario.Options{
			Seed: o.seed, Start: scenarioStart, Step: scenarioStep, Duration: length, Containers: n, NameHashKey: nameHash(name),
		})
	}
	// One generator for the scenario's choices, seeded with the scenario's
	// name too, so that "spike" and "leak" with seed 1 are not the same
	// draws.
	rng := rand.New(rand.NewPCG(o.seed, nameHash(name)))
	kinds := make([]workload.Kind, n)
	if name == mixedName {
		order := workload.Kinds()
		rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		for i := range kinds {
			kinds[i] = order[i%len(order)]
		}
	} else {
		for i := range kinds {
			kinds[i] = workload.Kind(name)
		}
	}

	samples := int(length / scenarioStep)
	tr := sim.Trace{Containers: make([]sim.TraceContainer, n)}
	count := make(map[workload.Kind]int)
	for i, kind := range kinds {
		count[kind]++
		model := workload.New(kind, rng.Uint64())
		first := model.Demand(scenarioStart)
		disk := scenarioDiskGiB[rng.IntN(len(scenarioDiskGiB))] << 30
		// A disk smaller than what is already on it would not have booted.
		disk = max(disk, uint64(math.Ceil(float64(first.DiskBytes)*1.25/(1<<30)))<<30)
		c := sim.TraceContainer{
			VMID: 101 + i,
			Name: fmt.Sprintf("%s-%d", kind, count[kind]),
			Initial: scaling.Allocation{
				Cores:     scenarioCores[rng.IntN(len(scenarioCores))],
				MemoryMiB: scenarioMemoryMiB[rng.IntN(len(scenarioMemoryMiB))],
				DiskBytes: disk,
			},
			Points: make([]sim.TracePoint, samples),
		}
		for j := range c.Points {
			t := scenarioStart.Add(time.Duration(j) * scenarioStep)
			d := model.Demand(t)
			c.Points[j] = sim.TracePoint{
				Time:        t,
				CPUCores:    d.CPUCores,
				MemoryBytes: d.MemBytes,
				DiskBytes:   d.DiskBytes,
				NetRate:     d.NetInRate + d.NetOutRate,
				IORate:      d.DiskReadRate + d.DiskWriteRate,
			}
		}
		tr.Containers[i] = c
	}
	return tr, nil
}

// nameHash is FNV-1a: a fixed, documented function of the name, so that a
// seed means the same trace in every version of Go.
func nameHash(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return h
}
