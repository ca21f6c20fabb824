// Package diskgrow sizes the growth of a root filesystem that passed its
// threshold from its fill rate: by as many steps as keep a day of the
// rate below the threshold, so that a disk filling at a steady rate is
// resized about once a day instead of once per step's worth of the rate.
// controller/scaling decides when a disk grows and reads the rate;
// this package says by how much and how the reason puts it.
//
// # Imports
//
// The standard library only (enforced by test/layout): it is a leaf of
// controller/scaling, which imports it.
//
// # Concurrency
//
// Pure functions of their arguments.
package diskgrow
