// Package scenario generates the built-in scenarios of simulate that the
// simulator's workload models (test/pvesim/workload) do not cover: the
// patterns issue 15 judges decisions on, several days long where they
// need it: nightly jobs, weekday business hours, a flash crowd, a slow
// ramp, memory thrash and a runaway process. Each is documented where it
// is generated (models.go).
//
// A trace is a pure function of (name, seed, start, step, duration,
// containers): parameters are drawn from a PCG seeded with the seed and
// the scenario's name, noise from a hash of the seed and the sample's
// index, so the same flags give the same trace on any machine and in
// every version of Go.
//
// PSI (pressure, cpu/memory/io "some" avg10, percent) is what the
// container would have reported under its initial allocation, as a
// recorded trace's PSI is what it saw under the allocation of the time:
// a policy that grows the container does not make it fall. That is a
// limit of any replay, said here so that no one reads more into it.
//
// # Imports
//
// controller/sim (the trace types) and controller/scaling (the
// allocation); never controller, engine, proxmox, config or cmd, and not
// test/pvesim: only cmd's demo may import the simulator.
//
// # Concurrency
//
// No package state; Generate may run concurrently with itself.
package scenario
