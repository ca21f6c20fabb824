// Package jsonscan is the strict, allocation-frugal JSON reader behind
// proxmox's decoding of container listings, container status and RRD rows,
// the answers that arrive thousands of entries at a time. It reads tokens
// and values; what a member means stays in proxmox's decode.go.
//
// It imports the standard library only. A Scanner is not safe for
// concurrent use; each answer gets its own, and nothing is shared between
// them.
package jsonscan
