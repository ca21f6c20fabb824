// Package season holds what controller/scaling's seasonal rules are made
// of that needs nothing of a decision: the recurring peak a History
// reports (Recurring, which scaling names as its own), how far ahead a
// decrease and a growth look for one (Ahead, Lead, Climb), what a peak needs
// (Cores at a fraction of them, Memory with a margin or at a target) and
// the words a reason gives it (Text, TroughText, PeakText). The rules
// themselves (a decrease's floor for a peak within Ahead, a growth Lead
// before one, a decrease once the trough has settled) are scaling's:
// season.go and season_trough.go there say why.
//
// # Imports
//
// The standard library and controller/scaling/dayclass and sat only
// (test/layout): a leaf of scaling, which the engine's weekly profile
// fills through scaling's alias.
//
// # Concurrency
//
// Pure values and functions.
package season
