// Package schema is pvesim's copy of PVE::JSONSchema for request parameters
// (pve-common src/PVE/JSONSchema.pm, and pve-http-server's extract_params
// for how a request's query and body become parameters): the hand-written
// Spec of a parameter, the decoding of a request into Params, and
// validation with PVE's own messages. Which routes take which parameters
// stays in pvesim's route table; the conformance test there compares them
// with the official API schema.
//
// It owns no state beyond a cache of compiled patterns and imports the
// standard library only. Everything is safe for concurrent
// use.
package schema
