package forest

import "math/bits"

// rng is xoshiro256** (Blackman and Vigna). Each tree owns one, seeded from
// the forest seed and the tree's index, so trees can be built in any order or
// in parallel and still come out bit-identical.
type rng struct{ s0, s1, s2, s3 uint64 }

// splitmix64 advances *state and returns the next SplitMix64 output; it is
// the seeding procedure the xoshiro authors recommend.
func splitmix64(state *uint64) uint64 {
	*state += 0x9e3779b97f4a7c15
	z := *state
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// treeRNG returns the generator of tree t. The two mixing rounds keep the
// per-tree states unrelated even though t only differs in its low bits.
func treeRNG(seed uint64, t int) rng {
	state := seed
	key := splitmix64(&state) ^ uint64(t)*0xd1b54a32d192ed03
	var r rng
	r.s0 = splitmix64(&key)
	r.s1 = splitmix64(&key)
	r.s2 = splitmix64(&key)
	r.s3 = splitmix64(&key)
	return r
}

func (r *rng) uint64() uint64 {
	result := bits.RotateLeft64(r.s1*5, 7) * 9
	t := r.s1 << 17
	r.s2 ^= r.s0
	r.s3 ^= r.s1
	r.s1 ^= r.s2
	r.s0 ^= r.s3
	r.s2 ^= t
	r.s3 = bits.RotateLeft64(r.s3, 45)
	return result
}

// intn returns a uniform integer in [0, n) for n > 0, without modulo bias
// (Lemire's multiply-and-reject).
func (r *rng) intn(n int) int {
	bound := uint64(n)
	hi, lo := bits.Mul64(r.uint64(), bound)
	if lo < bound {
		reject := -bound % bound
		for lo < reject {
			hi, lo = bits.Mul64(r.uint64(), bound)
		}
	}
	return int(hi)
}

// float64 returns a uniform value in [0, 1).
func (r *rng) float64() float64 {
	return float64(r.uint64()>>11) * 0x1p-53
}
