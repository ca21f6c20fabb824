// Package dayclass names the days a recurring peak recurs on (every day,
// workdays, the weekend, one weekday each week) and how a reason says
// them. What recurs in each class is learnt elsewhere
// (controller/engine/weekly); controller/scaling re-exports the class as
// scaling.DayClass for its Recurring.
//
// # Imports
//
// The standard library only (enforced by test/layout): it is a leaf of
// controller/scaling, which imports it.
//
// # Concurrency
//
// Constants and pure functions.
package dayclass
