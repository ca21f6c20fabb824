package forest

import (
	"fmt"
	"math"
	"slices"
)

// DefaultThreshold is the score above which a row is anomalous when the
// contamination is unknown: the paper's 0.5, scikit-learn's
// contamination="auto" (offset_ = -0.5).
const DefaultThreshold = 0.5

// Score returns the anomaly score s(x) = 2^(-E[h(x)]/c(SampleSize)) of the
// paper, in (0, 1]: near 1 is anomalous, well below 0.5 is normal. It equals
// -score_samples(x) of scikit-learn's IsolationForest.
//
// Score does not allocate. It panics if len(x) != NumFeatures(), like an out
// of range index; use ScoreChecked for input of unchecked width. A NaN goes
// left at every node (NaN > threshold is false), and a value beyond the
// float32 range compares as an infinity.
func (f *Forest) Score(x []float64) float64 {
	if len(x) != f.width {
		panic(fmt.Sprintf("forest: Score of a row with %d columns, forest has %d", len(x), f.width))
	}
	return f.score(x)
}

// ScoreChecked is Score for untrusted input: it returns an error wrapping
// ErrWidth for a row of the wrong width and ErrNonFinite for a NaN or an
// infinity, instead of panicking or guessing.
func (f *Forest) ScoreChecked(x []float64) (float64, error) {
	if len(x) != f.width {
		return 0, fmt.Errorf("row has %d columns, forest has %d: %w", len(x), f.width, ErrWidth)
	}
	for j, v := range x {
		if v-v != 0 {
			return 0, fmt.Errorf("column %d: %w", j, ErrNonFinite)
		}
	}
	return f.score(x), nil
}

// ScoreBatch writes Score(rows[i]) to out[i]. It panics if len(out) !=
// len(rows) or a row has the wrong width; the scores are bit-identical to
// Score's.
func (f *Forest) ScoreBatch(rows [][]float64, out []float64) {
	if len(out) != len(rows) {
		panic(fmt.Sprintf("forest: ScoreBatch of %d rows into %d scores", len(rows), len(out)))
	}
	for i, x := range rows {
		out[i] = f.Score(x)
	}
}

// scoreChunk is how many trees the walks take side by side.
const scoreChunk = 128

// score sums the path lengths of x with the AVX-512 walk where there is
// one (useKernel) and the pure-Go walk otherwise; both give the same sum,
// bit for bit.
func (f *Forest) score(x []float64) float64 {
	var sum float64
	if useKernel {
		sum = f.pathSumKernel(x)
	} else {
		sum = f.pathSumGo(x)
	}
	if f.norm == 0 { // SampleSize 1: scikit-learn defines the score as 1
		return 1
	}
	return math.Exp2(-sum / f.norm)
}

// pathSumGo walks every tree for exactly f.depth steps and returns the sum
// of the path lengths. Leaves step to themselves, so a row that reaches a
// leaf early stays there. It walks a chunk of trees one
// level at a time: the steps of one level are independent, so the CPU
// overlaps their loads instead of waiting on one tree's chain of dependent
// loads. It is the reference for the vector walk (pathSumKernel) and the
// walk on CPUs without one.
func (f *Forest) pathSumGo(x []float64) float64 {
	// The row as float32, with NaN in the leaves' feature slot. Indexing it
	// with a uint8 needs no bounds check.
	var row [256]float32
	for j, v := range x {
		row[uint8(j)] = float32(v)
	}
	row[leafFeature] = float32(math.NaN())

	nodes, depth := f.nodes, f.depth
	var at [scoreChunk]uint32
	sum := 0.0
	for start := 0; start < len(f.roots); start += scoreChunk {
		cur := at[:copy(at[:], f.roots[start:])]
		for range depth {
			t := 0
			for ; t+8 <= len(cur); t += 8 {
				c := cur[t : t+8 : t+8]
				n0, n1, n2, n3 := nodes[c[0]], nodes[c[1]], nodes[c[2]], nodes[c[3]]
				c[0] += n0.link>>8 + b2u32(row[uint8(n0.link)] > n0.threshold)
				c[1] += n1.link>>8 + b2u32(row[uint8(n1.link)] > n1.threshold)
				c[2] += n2.link>>8 + b2u32(row[uint8(n2.link)] > n2.threshold)
				c[3] += n3.link>>8 + b2u32(row[uint8(n3.link)] > n3.threshold)
				n4, n5, n6, n7 := nodes[c[4]], nodes[c[5]], nodes[c[6]], nodes[c[7]]
				c[4] += n4.link>>8 + b2u32(row[uint8(n4.link)] > n4.threshold)
				c[5] += n5.link>>8 + b2u32(row[uint8(n5.link)] > n5.threshold)
				c[6] += n6.link>>8 + b2u32(row[uint8(n6.link)] > n6.threshold)
				c[7] += n7.link>>8 + b2u32(row[uint8(n7.link)] > n7.threshold)
			}
			for ; t < len(cur); t++ {
				n := nodes[cur[t]]
				cur[t] += n.link>>8 + b2u32(row[uint8(n.link)] > n.threshold)
			}
		}
		// The order of the adds is fixed, so scores are the same on every
		// machine, and the vector walk (8 lanes, then a pairwise reduction)
		// follows it bit for bit: tree t of the chunk goes to partial sum
		// t%8, and the 8 sums are combined pairwise. In tree order the adds
		// were one chain, each waiting for the last.
		var lanes [8]float64
		for t, i := range cur {
			lanes[t%8] += f.pathLength[i]
		}
		sum += ((lanes[0] + lanes[4]) + (lanes[2] + lanes[6])) + ((lanes[1] + lanes[5]) + (lanes[3] + lanes[7]))
	}
	return sum
}

// b2u and b2u32 compile to a SETcc, keeping loops free of branches.
func b2u(b bool) uint8 {
	var u uint8
	if b {
		u = 1
	}
	return u
}

func b2u32(b bool) uint32 { return uint32(b2u(b)) }

// ContaminationThreshold returns the threshold above which the given
// fraction of scores lies, for when the expected share of anomalies is
// known: scikit-learn's offset_ = percentile(score_samples(X), 100*c) with
// linear interpolation, negated (offset_ = -threshold). Pass the scores of
// the training rows (ScoreBatch). contamination must be in (0, 0.5], as in
// scikit-learn; scores must be non-empty and free of NaN.
func ContaminationThreshold(scores []float64, contamination float64) (float64, error) {
	if !(contamination > 0 && contamination <= 0.5) {
		return 0, fmt.Errorf("contamination %v, want (0, 0.5]: %w", contamination, ErrInvalidOptions)
	}
	if len(scores) == 0 {
		return 0, ErrNoRows
	}
	sorted := slices.Clone(scores)
	for i, s := range sorted {
		if math.IsNaN(s) {
			return 0, fmt.Errorf("score %d: %w", i, ErrNonFinite)
		}
	}
	slices.Sort(sorted)
	// numpy's linear percentile at q = 100*(1-c) of s, which is minus its
	// percentile at 100*c of -s.
	pos := (1 - contamination) * float64(len(sorted)-1)
	lo := int(math.Floor(pos))
	hi := min(lo+1, len(sorted)-1)
	frac := pos - float64(lo)
	return sorted[lo] + (sorted[hi]-sorted[lo])*frac, nil
}

// Decision returns threshold - score, scikit-learn's decision_function with
// offset_ = -threshold: negative means anomalous. With DefaultThreshold it
// is 0.5 - s.
func Decision(score, threshold float64) float64 {
	return threshold - score
}
