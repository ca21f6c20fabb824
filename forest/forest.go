package forest

import (
	"errors"
	"fmt"
	"math"
	"runtime"
	"sync"
	"sync/atomic"
)

// Paper defaults (Liu, Ting and Zhou 2008), also scikit-learn's.
const (
	DefaultTrees      = 100
	DefaultSampleSize = 256
)

// MaxWidth is the widest row Fit accepts. A node stores its feature in
// 8 bits and Score reserves one slot of its copy of the row; this keeps a
// node at 8 bytes and a forest in the CPU's L2 cache.
const MaxWidth = 255

// maxSampleSize bounds SampleSize so that the offset from a node to its
// children (less than 2*SampleSize) fits the 24 bits a node gives it.
const maxSampleSize = 1 << 22

// leafFeature is the feature slot of a leaf. Score keeps NaN there, and
// NaN > threshold is false, so a leaf's next node is itself.
const leafFeature = 255

// constantFeatureThreshold is scikit-learn's FEATURE_THRESHOLD: a feature
// whose range in a node is at most this is constant there. It is a float32
// in scikit-learn, and so is the comparison.
const constantFeatureThreshold float32 = 1e-7

// eulerGamma is numpy's np.euler_gamma, used by c(n).
const eulerGamma = 0.5772156649015329

// Errors returned by Fit, ScoreChecked, ContaminationThreshold and
// UnmarshalBinary. Match them with errors.Is; the returned errors add the
// row, column or field at fault.
var (
	ErrNoRows         = errors.New("no rows")
	ErrRaggedRows     = errors.New("rows differ in width")
	ErrNonFinite      = errors.New("value is NaN, infinite or beyond the float32 range")
	ErrWidth          = errors.New("row width does not match the forest")
	ErrInvalidOptions = errors.New("invalid options")
	// ErrFormat means the bytes are not a serialized forest of a version this
	// package reads (wrong magic or unknown version).
	ErrFormat = errors.New("not a forest encoding")
	// ErrCorrupt means the bytes claim to be a forest but fail the checksum
	// or the structural checks.
	ErrCorrupt = errors.New("corrupt forest encoding")
)

// Options configure Fit. The zero value selects the paper's defaults.
type Options struct {
	// Trees is the number of isolation trees; 0 means DefaultTrees.
	Trees int
	// SampleSize is the number of rows drawn, without replacement, for each
	// tree; 0 means min(DefaultSampleSize, len(rows)). A value above
	// len(rows) is clipped to len(rows), as scikit-learn does.
	SampleSize int
	// Seed selects the random stream. The same rows, options and seed give
	// bit-identical forests and scores.
	Seed uint64
	// MaxFeatures is the fraction of the features, in (0, 1], each tree may
	// split on (scikit-learn's float max_features): each tree draws
	// max(1, int(MaxFeatures*width)) features without replacement. 0 means 1.
	MaxFeatures float64
}

// node is one node of a flat tree, 8 bytes. link holds the feature in its
// low 8 bits and the offset from this node to its left child in the other
// 24; the right child follows the left one. An internal node sends x left
// when float32(x[feature]) <= threshold. A leaf has feature leafFeature and
// offset 0, so stepping from it stays put: Score takes the same number of
// steps in every tree, without a branch on the node kind.
//
// Like scikit-learn, which converts X to float32 before fitting and
// scoring, the forest compares float32 values. A threshold is stored as the
// largest float32 not above scikit-learn's float64 threshold, which makes
// the comparison exactly scikit-learn's (float32 x <= float64 t) and halves
// the memory a tree takes.
type node struct {
	threshold float32
	link      uint32
}

func (n node) feature() int   { return int(n.link & 0xff) }
func (n node) offset() uint32 { return n.link >> 8 }

// Forest is a fitted isolation forest. It is immutable once returned by Fit
// or filled by UnmarshalBinary, and safe for concurrent use by any number of
// goroutines.
type Forest struct {
	nodes []node
	// pathLength holds, for a leaf, depth + c(training rows in the leaf),
	// the path length of a row that ends there; 0 for internal nodes. It is
	// apart from nodes because scoring reads it only once per tree.
	pathLength  []float64
	roots       []uint32
	width       int
	sampleSize  int
	depth       int // deepest leaf: the number of steps Score takes per tree
	maxFeatures float64
	norm        float64 // Trees * c(SampleSize), the score's denominator
	// top is the vector kernel's copy of the trees' first levels, derived
	// from the fields above by prepareKernel; nil where there is no kernel.
	top []uint32
}

// NumFeatures returns the row width the forest was fitted on.
func (f *Forest) NumFeatures() int { return f.width }

// NumTrees returns the number of trees.
func (f *Forest) NumTrees() int { return len(f.roots) }

// SampleSize returns the number of rows each tree was built from, after
// defaulting and clipping.
func (f *Forest) SampleSize() int { return f.sampleSize }

// averagePathLength is c(n), the mean depth of an unsuccessful search in a
// binary search tree of n keys, with scikit-learn's c(<=1) = 0 and c(2) = 1.
func averagePathLength(n int) float64 {
	switch {
	case n <= 1:
		return 0
	case n == 2:
		return 1
	}
	x := float64(n)
	return 2*(math.Log(x-1)+eulerGamma) - 2*(x-1)/x
}

// maxDepth is scikit-learn's height limit ceil(log2(max(psi, 2))).
func maxDepth(sampleSize int) int {
	d := 0
	for (1 << d) < max(sampleSize, 2) {
		d++
	}
	return d
}

// resolved holds Options after defaulting, clipping and checking.
type resolved struct {
	trees, sampleSize, width, features int
	maxFeatures                        float64
}

func resolve(rows [][]float64, opts Options) (resolved, error) {
	if len(rows) == 0 {
		return resolved{}, ErrNoRows
	}
	width := len(rows[0])
	if width == 0 {
		return resolved{}, fmt.Errorf("row 0 has no columns: %w", ErrInvalidOptions)
	}
	if width > MaxWidth {
		return resolved{}, fmt.Errorf("%d columns, at most %d: %w", width, MaxWidth, ErrInvalidOptions)
	}
	r := resolved{trees: opts.Trees, sampleSize: opts.SampleSize, width: width, maxFeatures: opts.MaxFeatures}
	switch {
	case r.trees < 0:
		return resolved{}, fmt.Errorf("trees %d: %w", r.trees, ErrInvalidOptions)
	case r.trees == 0:
		r.trees = DefaultTrees
	}
	switch {
	case r.sampleSize < 0:
		return resolved{}, fmt.Errorf("sample size %d: %w", r.sampleSize, ErrInvalidOptions)
	case r.sampleSize == 0:
		r.sampleSize = DefaultSampleSize
	}
	r.sampleSize = min(r.sampleSize, len(rows))
	if r.sampleSize > maxSampleSize {
		return resolved{}, fmt.Errorf("sample size %d, at most %d: %w", r.sampleSize, maxSampleSize, ErrInvalidOptions)
	}
	// Node indices are 32-bit; a tree has at most 2*SampleSize-1 nodes.
	if uint64(r.trees)*uint64(2*r.sampleSize) > math.MaxUint32 {
		return resolved{}, fmt.Errorf("%d trees of sample size %d: %w", r.trees, r.sampleSize, ErrInvalidOptions)
	}
	if r.maxFeatures == 0 {
		r.maxFeatures = 1
	}
	if !(r.maxFeatures > 0 && r.maxFeatures <= 1) { // also rejects NaN
		return resolved{}, fmt.Errorf("max features %v, want (0, 1]: %w", opts.MaxFeatures, ErrInvalidOptions)
	}
	r.features = max(1, int(r.maxFeatures*float64(width)))
	return r, nil
}

// checkRow reports a row that is ragged or holds a NaN, an infinity or a
// value beyond the float32 range (the forest works in float32, as
// scikit-learn does, which rejects such values too).
func checkRow(rows [][]float64, i, width int) error {
	row := rows[i]
	if len(row) != width {
		return fmt.Errorf("row %d has %d columns, row 0 has %d: %w", i, len(row), width, ErrRaggedRows)
	}
	for j, v := range row {
		if v32 := float32(v); v32-v32 != 0 { // NaN and ±Inf give NaN
			return fmt.Errorf("row %d column %d: %w", i, j, ErrNonFinite)
		}
	}
	return nil
}

// Fit builds an isolation forest on rows, which must all have the same
// width (1 to MaxWidth) and hold values that are finite as float32.
//
// Each tree is built from its own subsample, drawn without replacement, and
// its own generator derived from opts.Seed and the tree's index, so the
// result does not depend on GOMAXPROCS even though Fit builds trees on up to
// GOMAXPROCS goroutines. Fit keeps no reference to rows.
//
// Fit returns ErrNoRows, ErrRaggedRows, ErrNonFinite or ErrInvalidOptions
// (wrapped). To keep its cost independent of len(rows), Fit reads every row
// only when len(rows) <= Trees*SampleSize (then checking them costs no more
// than the sampling itself); beyond that it reads, and checks, only the
// rows it samples, which are the only rows that shape the forest.
func Fit(rows [][]float64, opts Options) (*Forest, error) {
	r, err := resolve(rows, opts)
	if err != nil {
		return nil, err
	}
	checkAll := len(rows) <= r.trees*r.sampleSize
	if checkAll {
		for i := range rows {
			if err := checkRow(rows, i, r.width); err != nil {
				return nil, err
			}
		}
	}

	trees := make([]tree, r.trees)
	workers := min(runtime.GOMAXPROCS(0), r.trees)
	if workers <= 1 {
		b := getBuilder(rows, r, !checkAll, r.trees)
		defer putBuilder(b)
		b.buildRange(opts.Seed, 0, r.trees, trees)
	} else {
		// Runs of trees, so that each builder can prefetch the rows of
		// its next trees; about four runs per worker balance the load.
		run := max(1, r.trees/(4*workers))
		var next atomic.Int64
		var wg sync.WaitGroup
		// The trees point into their builders until assemble copies them.
		used := make(chan *builder, workers)
		defer func() {
			for range workers {
				putBuilder(<-used)
			}
		}()
		for range workers {
			wg.Go(func() {
				b := getBuilder(rows, r, !checkAll, (r.trees+workers-1)/workers)
				used <- b
				for {
					from := int(next.Add(int64(run)) - int64(run))
					if from >= r.trees {
						return
					}
					b.buildRange(opts.Seed, from, min(from+run, r.trees), trees)
				}
			})
		}
		wg.Wait()
	}
	// The lowest tree's error wins, so the error too is independent of
	// scheduling.
	for _, t := range trees {
		if t.err != nil {
			return nil, t.err
		}
	}
	return assemble(trees, r), nil
}

// assemble concatenates the trees, in order, into one node array; links
// are relative, so they need no rebasing.
func assemble(trees []tree, r resolved) *Forest {
	total := 0
	for _, t := range trees {
		total += t.end - t.start
	}
	f := &Forest{
		nodes:       make([]node, 0, total),
		pathLength:  make([]float64, 0, total),
		roots:       make([]uint32, len(trees)),
		width:       r.width,
		sampleSize:  r.sampleSize,
		maxFeatures: r.maxFeatures,
		norm:        float64(len(trees)) * averagePathLength(r.sampleSize),
	}
	for t, tree := range trees {
		f.roots[t] = uint32(len(f.nodes))
		f.nodes = append(f.nodes, tree.nodes()...)
		f.pathLength = append(f.pathLength, tree.pathLength()...)
		f.depth = max(f.depth, tree.depth)
	}
	f.prepareKernel()
	return f
}
