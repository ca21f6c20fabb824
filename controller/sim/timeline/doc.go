// Package timeline draws simulate's results as one SVG file per container:
// demand against each policy's allocation over time, for `simulate --svg`.
// The drawing is hand-written SVG with no script and nothing loaded from
// elsewhere, so any browser or image viewer shows it.
//
// It imports controller/sim and controller/scaling of the project and
// renameio (each file replaced whole); nothing imports it but cmd. It keeps
// no state: Write may run concurrently for different directories.
package timeline
