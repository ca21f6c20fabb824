// Package jsonw appends JSON by hand for pvesim's answers: listing
// thousands of containers through encoding/json maps is several times
// slower and allocates per field. NaN and infinities, which JSON cannot
// carry, are written as 0; strings are escaped like encoding/json escapes
// them (<, > and & included) and invalid UTF-8 becomes U+FFFD.
//
// It owns no state and imports the standard library only.
// A Writer is not safe for concurrent use; each answer builds its own.
package jsonw
