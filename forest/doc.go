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
// 100 trees of 256 rows takes about 180 KB (175 KB of trees, 6 KB of the
// kernel's copy of their top levels).
//
// On amd64 CPUs with AVX-512F (checked once with CPUID and XGETBV), Score
// walks the trees with an assembly kernel (score_amd64.s); elsewhere, and
// for forests under 3 levels deep, it walks them in Go, eight trees side by
// side, one level at a time. The purego build tag leaves every assembly file
// out on amd64 too (go test -tags purego ./forest), which is how the code
// arm64 and other architectures run is tested on an amd64 machine. The kernel takes the first three levels of 16
// trees at a time from a per-forest copy of the trees' top nodes, picked
// with masked moves instead of gathered; for the other levels it loads the
// nodes of 8 trees one by one (VMOVQ, VMOVHPD), which on Zen 4 beats
// VPGATHERQQ, and steps all of them at once: the row value by VPERMI2PS
// from the row held in two registers (rows of up to 31 columns) or by a
// gather, the comparison by VCMPPS, NaN going left. Both walks add the
// leaves' path lengths in one fixed order, tree t of each chunk of 128 to
// partial sum t%8 and the 8 sums pairwise, so that the kernel need not
// wait on one long chain of adds and both give the same scores bit for
// bit. On a 2-vCPU AMD EPYC (Zen 4), 100 trees of 256 rows over 8
// features score about 2.2 to 2.5 million rows a second on one core (the
// Go walk: about 0.9 million).
//
// Fit's cost on large data is reading the rows it samples, spread over
// memory: a cache and TLB miss for each row's header and another for its
// values. A builder draws each tree's sample two trees ahead and, while it
// builds one tree, prefetches the headers of the tree two ahead and the
// values of the next one, a few at each node (PREFETCHT1, in
// prefetch_amd64.s; other architectures touch the rows just before use).
// On 1,000,000 rows of 8 features this cuts the time to fit 100 trees of
// 256 rows on one core by about a quarter. With AVX-512F, a tree that
// splits on every feature gets its sampled rows converted to float32 order
// keys 8 rows by 8 columns at a time, with a transpose (gather_amd64.s),
// not column by column; and in trees of up to 256 rows, a node of 32 rows
// or more finds a feature's range and partitions its rows 16 at a time
// (VPGATHERDD, VPCOMPRESSD; split_amd64.s).
//
// The package imports only the standard library and nothing of this
// project. It does no I/O and reads no clock; its only package state is
// the CPU check's result, set once at init (tests switch it to compare
// the kernels with the Go code), and a sync.Pool of Fit's scratch space
// (its builders, about twice the size of the forest they build, holding
// no rows between calls), so that a Fit allocates little more than the
// forest it returns. All randomness comes from a generator each tree
// derives from Options.Seed and its index, so the same rows, options and
// seed give bit-identical forests and scores on any machine and any
// GOMAXPROCS.
//
// Concurrency: Fit may be called from any number of goroutines at once (it
// builds trees on up to GOMAXPROCS goroutines of its own). A fitted Forest
// is immutable, so Score, ScoreChecked, ScoreBatch and MarshalBinary are
// safe for concurrent use; UnmarshalBinary writes its receiver and must not
// run concurrently with anything else on that Forest.
package forest
