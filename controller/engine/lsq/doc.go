// Package lsq keeps the sums of least-squares fits as points enter and
// leave, in O(1) a point instead of a scan a read. Sums (Σx, Σx², Σy, Σxy)
// hold points with whole x and y exactly, as points enter at the newest
// end and leave at the oldest, x counted from the oldest point's: what a
// float scan of the same points computes while its partial sums stay
// below 2^53. Moments hold the mean, deviation and slope of float y over
// whole x, points entering and leaving in any order (the model's rolling
// features).
//
// It is standard library only and imports nothing of the project. A Sums
// or a Moments is a value; it is not safe for concurrent use.
package lsq
