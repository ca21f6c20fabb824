// Package codes holds the encodings of a container's history: what
// changes every sample is stored in 16 or 32 bits (rates as an unsigned
// 16-bit float with a relative error of at most 2^-12, pressure in
// hundredths of a percent, memory in KiB and disk in MiB in 32 bits), so
// that a window's sample takes 26 bytes; controller/engine's doc.go says
// which field uses which.
//
// It is standard library only and imports nothing of the project. Its
// functions are pure and safe for concurrent use.
package codes
