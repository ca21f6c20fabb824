// Package trainrows keeps the rows the next training of the anomaly
// model fits on (Set): the feature vectors the passes scored, a seeded
// sample of each pass's, over the training window. controller/engine
// offers them as it scores and draws them when it trains.
//
// It is standard library only and imports nothing of the project. A Set
// belongs to one goroutine (the engine's pass).
package trainrows
