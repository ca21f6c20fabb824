package engine

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/lxc-autoscale/lxc-autoscale/forest"
)

// ModelOptions configure the anomaly model.
type ModelOptions struct {
	Enabled bool
	// RetrainInterval is how often a new forest is fitted on recent history.
	RetrainInterval time.Duration
	Trees           int
	SampleSize      int
	Seed            uint64
	// TrainingWindow is how far back training rows are drawn from.
	TrainingWindow time.Duration
	// Threshold is the score at or above which a container is anomalous.
	Threshold float64
}

// maxTrainingRows bounds the rows a training draws: a forest only ever
// looks at Trees x SampleSize of them (25,600 by default), so more rows
// cost time and memory without changing what it learns.
const maxTrainingRows = 32_768

// trainingRows returns the rows a training at now fits on: the vectors
// the passes of the training window scored (trainrows.Set), once the engine
// has run that long; before, as after a start, vectors computed at
// random samples of the windows (windowRows). The draws are seeded.
func (e *Engine) trainingRows(now time.Time, seed uint64) [][]float64 {
	tw := e.trainingWindow()
	if e.training.Covers(now, tw) {
		return e.training.Draw(now.Add(-tw), rand.New(rand.NewPCG(seed, uint64(now.Unix()))))
	}
	return e.windowRows(now, seed)
}

// windowRows draws feature vectors at random points of the containers'
// windows within the training window: each row is a container's features
// over its window up to that sample (what the window still holds of the
// period before it). It costs a scan of the window per row: the rows of
// a start, before the training set covers the training window.
func (e *Engine) windowRows(now time.Time, seed uint64) [][]float64 {
	type slot struct {
		tr    *Container
		first int
	}
	var slots []slot
	var ends []int // ends[i]: samples in slots[:i+1]
	total := 0
	for _, tr := range e.SortedTracked() {
		w := tr.Window
		first := w.Since(now.Add(-e.opts.Model.TrainingWindow))
		if n := w.Len() - first; n > 0 {
			slots = append(slots, slot{tr, first})
			total += n
			ends = append(ends, total)
		}
	}
	if total == 0 {
		return nil
	}
	rows := min(total, maxTrainingRows)
	rnd := rand.New(rand.NewPCG(seed, uint64(now.Unix())))
	backing := make([]float64, rows*NumModelFeatures)
	out := make([][]float64, 0, rows)
	scratch := &featureScratch{}
	for i := range rows {
		// Every sample equally likely: pick by position in the concatenation.
		k := i
		if total > rows {
			k = rnd.IntN(total)
		}
		j, _ := slices.BinarySearch(ends, k+1)
		s := slots[j]
		if j > 0 {
			k -= ends[j-1]
		}
		w, idx := s.tr.Window, s.first+k
		f := computeFeatures(w, idx+1, w.timeAt(idx), e.opts.ShortPeriod, e.opts.Window, scratch)
		row := backing[len(out)*NumModelFeatures : (len(out)+1)*NumModelFeatures : (len(out)+1)*NumModelFeatures]
		out = append(out, f.ModelVector(row))
	}
	return out
}

// train fits a new forest on recent history and makes it current. Too
// few rows is an error: the model (or none) stays, and the next pass tries
// again.
func (e *Engine) train(now time.Time) error {
	var rows [][]float64
	var f *forest.Forest
	var err error
	fit := func() {
		rows = e.trainingRows(now, e.opts.Model.Seed)
		if len(rows) < 2 {
			err = fmt.Errorf("only %d training rows", len(rows))
			return
		}
		f, err = forest.Fit(rows, forest.Options{
			Trees:      e.opts.Model.Trees,
			SampleSize: e.opts.Model.SampleSize,
			Seed:       e.opts.Model.Seed,
		})
	}
	var took time.Duration
	if e.hooks.Elapsed != nil {
		took = e.hooks.Elapsed(fit)
	} else {
		fit()
	}
	if err != nil {
		return err
	}
	e.Model, e.ModelTrainedAt = f, now
	if e.hooks.Trained != nil {
		e.hooks.Trained(len(rows), f.NumTrees(), took, now)
	}
	return nil
}
