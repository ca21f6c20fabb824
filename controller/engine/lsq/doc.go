// Package lsq keeps the sums of a least-squares fit (Σx, Σx², Σy, Σxy)
// over points with whole x and y exactly, as points enter at the newest
// end and leave at the oldest, x counted from the oldest point's: what a
// float scan of the same points computes while its partial sums stay
// below 2^53, in O(1) a point instead of a scan a read.
//
// It is standard library only and imports nothing of the project. A Sums
// is a value; it is not safe for concurrent use.
package lsq
