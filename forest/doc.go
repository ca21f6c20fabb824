// Package forest is the isolation forest (Liu, Ting and Zhou, ICDM 2008)
// that turns a container's recent metrics into an anomaly score. It owns
// fitting (Fit), scoring (Score, ScoreChecked, ScoreBatch), the threshold
// helpers (DefaultThreshold, ContaminationThreshold, Decision) and the
// binary encoding of a fitted forest (MarshalBinary, UnmarshalBinary).
//
// It reproduces scikit-learn's IsolationForest (1.2): subsamples drawn
// without replacement, the height limit ceil(log2(SampleSize)), splits
// that skip features constant in a node (range at most 1e-7) and make a
// leaf when every feature is constant, x <= threshold going left, float32
// values, and the path length depth + c(leaf size) with c(1) = 0 and
// c(2) = 1. Score is the paper's s(x) = 2^(-E[h(x)]/c(SampleSize)), which
// is -score_samples of scikit-learn; s > DefaultThreshold (0.5) is
// anomalous, as with contamination="auto".
//
// Trees are flat arrays of 8-byte nodes, walked a fixed number of steps
// per tree with no data-dependent branch and no allocation; a forest of
// 100 trees of 256 rows takes about 175 KB.
//
// The package imports only the standard library and nothing of this
// project. It does no I/O, reads no clock and has no mutable package
// state: all randomness comes from a generator each tree derives from
// Options.Seed and its index, so the same rows, options and seed give
// bit-identical forests and scores on any machine and any GOMAXPROCS.
//
// Concurrency: Fit may be called from any number of goroutines at once (it
// builds trees on up to GOMAXPROCS goroutines of its own). A fitted Forest
// is immutable, so Score, ScoreChecked, ScoreBatch and MarshalBinary are
// safe for concurrent use; UnmarshalBinary writes its receiver and must not
// run concurrently with anything else on that Forest.
package forest
