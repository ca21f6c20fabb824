//go:build !purego

#include "textflag.h"

// LOAD_PAIR loads the nodes at the cursors off(DI) and off+4(DI) into x.
// Clobbers R9, R10.
#define LOAD_PAIR(off, x) \
	MOVL off(DI), R10; \
	MOVL (off+4)(DI), R9; \
	VMOVQ (SI)(R10*8), x; \
	VMOVHPD (SI)(R9*8), x, x

// LOAD_NODES loads the 8 nodes at the cursors (DI, 8 uint32) into Z1 one
// by one (threshold in even dwords, link in odd ones), which beats
// VPGATHERQQ on Zen 4, and the links into Z2's even dwords. Clobbers R9,
// R10, X2-X4 (Y3).
#define LOAD_NODES \
	LOAD_PAIR(0, X1); \
	LOAD_PAIR(8, X2); \
	LOAD_PAIR(16, X3); \
	LOAD_PAIR(24, X4); \
	VINSERTI128 $1, X2, Y1, Y1; \
	VINSERTI128 $1, X4, Y3, Y3; \
	VINSERTI64X4 $1, Y3, Z1, Z1; \
	VPSRLQ $32, Z1, Z2

// ADD_LANE adds the path length (R11) of the leaf at the cursor off(DI)
// to x. Clobbers R9.
#define ADD_LANE(off, x) \
	MOVL off(DI), R9; \
	VADDSD (R11)(R9*8), x, x

// SUM_LANES adds the path lengths of the leaves at the 8 cursors at DI to
// the partial sums in X1-X8, one per lane. It runs after the last step,
// so the cursors it reads as scalars were stored long before (reading
// them right after a vector store stalls on store forwarding).
#define SUM_LANES \
	ADD_LANE(0, X1); \
	ADD_LANE(4, X2); \
	ADD_LANE(8, X3); \
	ADD_LANE(12, X4); \
	ADD_LANE(16, X5); \
	ADD_LANE(20, X6); \
	ADD_LANE(24, X7); \
	ADD_LANE(28, X8)

// LAST_LANE is ADD_LANE for lane off/4 of the last vector, which holds
// CX+8 trees: with no tree there (CX <= k, k = off/4 - 8) it jumps to
// reduce instead.
#define LAST_LANE(k, off, x) \
	CMPQ CX, $k; \
	JLE reduce; \
	ADD_LANE(off, x)

// ZERO_SUMS clears the partial sums X1-X8.
#define ZERO_SUMS \
	VXORPD X1, X1, X1; \
	VXORPD X2, X2, X2; \
	VXORPD X3, X3, X3; \
	VXORPD X4, X4, X4; \
	VXORPD X5, X5, X5; \
	VXORPD X6, X6, X6; \
	VXORPD X7, X7, X7; \
	VXORPD X8, X8, X8

// REDUCE leaves in X1 sum plus the partial sums l0-l7 in X1-X8, combined
// as pathSumGo combines them: (l0+l4)+(l2+l6), plus (l1+l5)+(l3+l7).
#define REDUCE \
	VADDSD X5, X1, X1; \
	VADDSD X7, X3, X3; \
	VADDSD X3, X1, X1; \
	VADDSD X6, X2, X2; \
	VADDSD X8, X4, X4; \
	VADDSD X4, X2, X2; \
	VADDSD X2, X1, X1; \
	VADDSD sum+24(FP), X1, X1

// SUM_PATHS ends both walks: it adds the path lengths of the leaves at
// the cursors in the frame to 8 partial sums, one per lane (SUM_LANES),
// the last vector's n - 8*(nq-1) trees with no lane past n, and returns
// REDUCE's total. Its labels are the walks' own: sums, where a walk of no
// step past the top levels jumps, sum, last and reduce.
#define SUM_PATHS \
	LEAQ 0(SP), DI; \
	MOVQ nq+48(FP), R8; \
	sums: ZERO_SUMS; \
	sum: DECQ R8; \
	JZ last; \
	SUM_LANES; \
	ADDQ $32, DI; \
	JMP sum; \
	last: MOVQ nq+48(FP), CX; \
	SHLQ $3, CX; \
	NEGQ CX; \
	ADDQ n+32(FP), CX; \
	ADD_LANE(0, X1); \
	LAST_LANE(-7, 4, X2); \
	LAST_LANE(-6, 8, X3); \
	LAST_LANE(-5, 12, X4); \
	LAST_LANE(-4, 16, X5); \
	LAST_LANE(-3, 20, X6); \
	LAST_LANE(-2, 24, X7); \
	LAST_LANE(-1, 28, X8); \
	reduce: REDUCE; \
	VMOVSD X1, ret+72(FP); \
	VZEROUPPER; \
	RET

// WALK_ARGS loads the arguments both walks share: nodes in SI, top in BX,
// the address of the cursors (scoreChunk uint32 in the frame) in DI, vecs
// in CX, depth in DX and row in AX. vet's asmdecl does not look inside a
// macro: TestKernelMatchesPureGo is what catches a wrong offset here, in
// SUM_PATHS or in FOR_EACH_STEP.
#define WALK_ARGS \
	MOVQ nodes+0(FP), SI; \
	MOVQ top+8(FP), BX; \
	LEAQ 0(SP), DI; \
	MOVQ vecs+40(FP), CX; \
	MOVQ depth+56(FP), DX; \
	MOVQ row+64(FP), AX

// PICK leaves in dst the 16 dwords at a(BX), or those at b(BX) where K1
// holds (the tree went right at its root). Clobbers Z10.
#define PICK(dst, a, b) \
	VMOVDQU32 a(BX), dst; \
	VMOVDQU32 b(BX), Z10; \
	VMOVDQU32 Z10, K1, dst

// PICK4 leaves in dst the dwords of each tree's level-2 node among the
// four at ll, rl, lr and rr: their first letter is the step at the root
// (K1 where right), the second the step at level 1 (K2). Clobbers Z9, Z10.
#define PICK4(dst, ll, rl, lr, rr) \
	PICK(dst, ll, rl); \
	PICK(Z9, lr, rr); \
	VMOVDQU32 Z9, K2, dst

// GATHER_ROW (walkWide) leaves in Z4 row[feature] for the features in the
// low byte of Z1's dwords. Clobbers Z3, K6.
#define GATHER_ROW \
	VPANDD Z31, Z1, Z3; \
	KXNORW K6, K6, K6; \
	VPXORD Z4, Z4, Z4; \
	VGATHERDPS (AX)(Z3*4), K6, Z4

// NEXT_TOP ends the top levels of a vector of 16 trees: it stores their
// cursors at level 3 (the left child of Z1's nodes, +1 where K3 says
// right) at DI and goes on to the next vector, at loop.
#define NEXT_TOP(loop) \
	VPSRLD $8, Z1, Z7; \
	VPSUBD Z30, Z7, K3, Z7; \
	VMOVDQU32 Z7, (DI); \
	ADDQ $896, BX; \
	ADDQ $64, DI; \
	DECQ CX; \
	JNZ loop

// FOR_EACH_STEP opens the walks' loops over the steps past the top levels
// (none left: on to SUM_PATHS's sums) and, in each, over the nq vectors
// of 8 cursors at DI, whose nodes it loads (LOAD_NODES) with their left
// children's offsets in Z3. NEXT_STEP closes them: it moves each cursor
// to its left child, +1 in its low dword where K3 says right.
#define FOR_EACH_STEP(level, vec) \
	LEAQ 0(SP), DI; \
	MOVQ nq+48(FP), R8; \
	SUBQ $3, DX; \
	JLE sums; \
	level: LEAQ 0(SP), DI; \
	MOVQ nq+48(FP), R8; \
	vec: LOAD_NODES; \
	VPSRLQ $40, Z1, Z3

#define NEXT_STEP(vec, level) \
	VPMOVZXDQ (DI), Z0; \
	VPADDQ Z3, Z0, Z0; \
	VPSUBD Z30, Z0, K3, Z0; \
	VPMOVQD Z0, (DI); \
	ADDQ $32, DI; \
	DECQ R8; \
	JNZ vec; \
	DECQ DX; \
	JNZ level

// func cpuAVX512() bool
TEXT ·cpuAVX512(SB), NOSPLIT, $0-1
	MOVB $0, ret+0(FP)
	XORL AX, AX
	XORL CX, CX
	CPUID
	CMPL AX, $7
	JLT  no
	MOVL $1, AX
	XORL CX, CX
	CPUID
	BTL  $27, CX // OSXSAVE: XGETBV is available
	JCC  no
	MOVL $7, AX
	XORL CX, CX
	CPUID
	BTL  $16, BX // AVX512F
	JCC  no
	XORL CX, CX
	XGETBV
	ANDL $0xe6, AX // XCR0: SSE, AVX, opmask, ZMM_Hi256, Hi16_ZMM state
	CMPL AX, $0xe6
	JNE  no
	MOVB $1, ret+0(FP)

no:
	RET

// walkNarrow and walkWide walk the trees of one chunk depth (>= topLevels)
// steps and return sum plus the path lengths of the leaves they reach,
// added in pathSumGo's order: tree t of the chunk to partial sum t%8 (in
// X1-X8), the 8 partial sums then combined pairwise. In tree order, the
// adds were one chain of dependent VADDSDs, about a fifth of the time.
//
// The first topLevels steps take 16 trees per vector: their nodes come
// from top (see prepareKernel) with plain loads and masked register moves
// (masked loads from memory were slower), the masks being the earlier
// steps' decisions; they leave each tree's cursor, a node index, as a
// uint32 in the frame, which Go would otherwise zero at every call. The
// other steps walk nq vectors of 8 cursors, level by level: the 8 nodes
// (8 bytes: threshold in the even dword, link in the odd one) are loaded
// with scalar-indexed VMOVQ and VMOVHPD (one uop where VPINSRQ takes two)
// and put together in a ZMM, which on Zen 4 beats one VPGATHERQQ; the
// cursors are widened to qwords to step (VPMOVZXDQ, VPMOVQD). The time
// follows the number of uops more than the cache misses: scoring one row
// over and over takes as long as scoring new ones, and prefetching the
// next step's nodes made it slower. A last pass adds up the path lengths.
//
// A row value is row[feature]: walkNarrow keeps the row (width <= 31, NaN
// in row[31]) in Z28:Z29 and picks the values with VPERMI2PS, which reads
// the low 5 bits of the feature, so a leaf's 255 reads the NaN; walkWide
// gathers them from row (NaN in row[255]), with VGATHERDPS in the first
// steps and an 8-lane VGATHERQPS in the others. x > threshold
// is VCMPPS with _CMP_GT_OQ (0x1e), false for a NaN, so a leaf stays put;
// where it holds, the cursor, which has moved to the left child, moves on
// to the right one.
//
// It uses AVX512F only (beside AVX2 and AVX), the one extension
// cpuAVX512 checks.
//
// Registers: Z28:Z29 the row (walkNarrow), Z30 -1 in every dword, Z31 0xff
// (walkWide), K7 the even dwords; X1-X8 the partial sums in the last pass.

// func walkNarrow(nodes *node, top *uint32, pathLength *float64, sum float64, n, vecs, nq, depth int, row *[32]float32) float64
TEXT ·walkNarrow(SB), $512-80
	WALK_ARGS
	VMOVDQU32 (AX), Z28
	VMOVDQU32 64(AX), Z29
	VPTERNLOGD $0xff, Z30, Z30, Z30 // -1 in every dword
	MOVL $0x5555, R9
	KMOVW R9, K7 // the even dwords

walkNarrowTop:
	// Level 0: the roots.
	VMOVDQU32 64(BX), Z4
	VPERMI2PS Z29, Z28, Z4 // row[feature & 31]
	VCMPPS $0x1e, 0(BX), Z4, K1 // x > threshold: right
	// Level 1: K1 picks the node's ancestor at level 1, K2 at level 2, ...
	PICK(Z4, 192, 320) // features
	PICK(Z2, 128, 256) // thresholds
	VPERMI2PS Z29, Z28, Z4 // row[feature & 31]
	VCMPPS $0x1e, Z2, Z4, K2 // x > threshold: right
	// Level 2.
	PICK4(Z1, 448, 704, 576, 832) // features
	PICK4(Z2, 384, 640, 512, 768) // thresholds
	VMOVDQA32 Z1, Z4
	VPERMI2PS Z29, Z28, Z4 // row[feature & 31]
	VCMPPS $0x1e, Z2, Z4, K3 // x > threshold: right
	NEXT_TOP(walkNarrowTop)
	MOVQ pathLength+16(FP), R11
	FOR_EACH_STEP(walkNarrowLevel, walkNarrowVec)
	VPERMI2PS Z29, Z28, Z2 // row[feature] in even dwords
	VCMPPS $0x1e, Z1, Z2, K7, K3 // x > threshold, even dwords only
	NEXT_STEP(walkNarrowVec, walkNarrowLevel)
	SUM_PATHS

// func walkWide(nodes *node, top *uint32, pathLength *float64, sum float64, n, vecs, nq, depth int, row *[256]float32) float64
TEXT ·walkWide(SB), $512-80
	WALK_ARGS
	VPTERNLOGD $0xff, Z30, Z30, Z30 // -1 in every dword
	VPSRLD $24, Z30, Z31 // 0xff in every dword
	MOVL $0x5555, R9
	KMOVW R9, K7 // the even dwords

walkWideTop:
	// Level 0: the roots.
	VMOVDQU32 64(BX), Z1
	GATHER_ROW
	VCMPPS $0x1e, 0(BX), Z4, K1 // x > threshold: right
	// Level 1: K1 picks the node's ancestor at level 1, K2 at level 2, ...
	PICK(Z1, 192, 320) // features
	PICK(Z2, 128, 256) // thresholds
	GATHER_ROW
	VCMPPS $0x1e, Z2, Z4, K2 // x > threshold: right
	// Level 2.
	PICK4(Z1, 448, 704, 576, 832) // features
	PICK4(Z2, 384, 640, 512, 768) // thresholds
	GATHER_ROW
	VCMPPS $0x1e, Z2, Z4, K3 // x > threshold: right
	NEXT_TOP(walkWideTop)
	MOVQ pathLength+16(FP), R11
	ZERO_SUMS
	FOR_EACH_STEP(walkWideLevel, walkWideVec)
	VPANDQ Z31, Z2, Z2 // features, as qwords
	KXNORW K4, K4, K4 // the gather reads the low 8 bits
	VPXOR Y4, Y4, Y4
	VGATHERQPS (AX)(Z2*4), K4, Y4 // row[feature]
	VPMOVZXDQ Y4, Z4 // in even dwords
	VCMPPS $0x1e, Z1, Z4, K7, K3 // x > threshold, even dwords only
	NEXT_STEP(walkWideVec, walkWideLevel)
	SUM_PATHS
