// Package near searches a sorted run from a guess of where the answer is:
// the engine's windows know, from the interval, about where a time falls,
// and a search that reads the samples next to the guess touches one or
// two cache lines where a binary search over an hour's ring touches nine,
// each a cache miss at 10,000 containers.
//
// It is standard library only and imports nothing of the project. Search
// keeps no state; it is safe for concurrent use as far as its below is.
package near
