//go:build !purego

#include "textflag.h"

// LOAD_NODES loads the 8 nodes at the cursors (DI, 8 uint32) into Z1 one
// by one (threshold in even dwords, link in odd ones), which beats
// VPGATHERQQ on Zen 4, and the links into Z2's even dwords. Clobbers R9,
// R10, X2-X4 (Y3).
#define LOAD_NODES \
	MOVL 0(DI), R10; \
	MOVL 4(DI), R9; \
	VMOVQ (SI)(R10*8), X1; \
	VMOVHPD (SI)(R9*8), X1, X1; \
	MOVL 8(DI), R10; \
	MOVL 12(DI), R9; \
	VMOVQ (SI)(R10*8), X2; \
	VMOVHPD (SI)(R9*8), X2, X2; \
	MOVL 16(DI), R10; \
	MOVL 20(DI), R9; \
	VMOVQ (SI)(R10*8), X3; \
	VMOVHPD (SI)(R9*8), X3, X3; \
	MOVL 24(DI), R10; \
	MOVL 28(DI), R9; \
	VMOVQ (SI)(R10*8), X4; \
	VMOVHPD (SI)(R9*8), X4, X4; \
	VINSERTI128 $1, X2, Y1, Y1; \
	VINSERTI128 $1, X4, Y3, Y3; \
	VINSERTI64X4 $1, Y3, Z1, Z1; \
	VPSRLQ $32, Z1, Z2

// SUM_LANES adds the path lengths (R11) of the leaves at the 8 cursors at
// DI to the partial sums in X1-X8, one per lane. It runs after the last
// step, so the cursors it reads as scalars were stored long before
// (reading them right after a vector store stalls on store forwarding).
// Clobbers R9.
#define SUM_LANES \
	MOVL 0(DI), R9 \
	VADDSD (R11)(R9*8), X1, X1 \
	MOVL 4(DI), R9 \
	VADDSD (R11)(R9*8), X2, X2 \
	MOVL 8(DI), R9 \
	VADDSD (R11)(R9*8), X3, X3 \
	MOVL 12(DI), R9 \
	VADDSD (R11)(R9*8), X4, X4 \
	MOVL 16(DI), R9 \
	VADDSD (R11)(R9*8), X5, X5 \
	MOVL 20(DI), R9 \
	VADDSD (R11)(R9*8), X6, X6 \
	MOVL 24(DI), R9 \
	VADDSD (R11)(R9*8), X7, X7 \
	MOVL 28(DI), R9 \
	VADDSD (R11)(R9*8), X8, X8

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
// the last vector's n - 8*(nq-1) trees with no lane past n, and leaves
// REDUCE's total in X1. Its labels are the walks' own: sums, where a walk
// of no step past the top levels jumps, sum, last and reduce.
#define SUM_PATHS \
	LEAQ 0(SP), DI; \
	MOVQ nq+48(FP), R8; \
	sums: VXORPD X1, X1, X1; \
	VXORPD X2, X2, X2; \
	VXORPD X3, X3, X3; \
	VXORPD X4, X4, X4; \
	VXORPD X5, X5, X5; \
	VXORPD X6, X6, X6; \
	VXORPD X7, X7, X7; \
	VXORPD X8, X8, X8; \
	sum: DECQ R8; \
	JZ last; \
	SUM_LANES; \
	ADDQ $32, DI; \
	JMP sum; \
	last: MOVQ nq+48(FP), CX; \
	SHLQ $3, CX; \
	NEGQ CX; \
	ADDQ n+32(FP), CX; \
	MOVL 0(DI), R9; \
	VADDSD (R11)(R9*8), X1, X1; \
	CMPQ CX, $-7; \
	JLE reduce; \
	MOVL 4(DI), R9; \
	VADDSD (R11)(R9*8), X2, X2; \
	CMPQ CX, $-6; \
	JLE reduce; \
	MOVL 8(DI), R9; \
	VADDSD (R11)(R9*8), X3, X3; \
	CMPQ CX, $-5; \
	JLE reduce; \
	MOVL 12(DI), R9; \
	VADDSD (R11)(R9*8), X4, X4; \
	CMPQ CX, $-4; \
	JLE reduce; \
	MOVL 16(DI), R9; \
	VADDSD (R11)(R9*8), X5, X5; \
	CMPQ CX, $-3; \
	JLE reduce; \
	MOVL 20(DI), R9; \
	VADDSD (R11)(R9*8), X6, X6; \
	CMPQ CX, $-2; \
	JLE reduce; \
	MOVL 24(DI), R9; \
	VADDSD (R11)(R9*8), X7, X7; \
	CMPQ CX, $-1; \
	JLE reduce; \
	MOVL 28(DI), R9; \
	VADDSD (R11)(R9*8), X8, X8; \
	reduce: REDUCE

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
	MOVQ nodes+0(FP), SI
	MOVQ top+8(FP), BX
	LEAQ 0(SP), DI // the cursors, scoreChunk uint32 in the frame
	MOVQ vecs+40(FP), CX
	MOVQ depth+56(FP), DX
	MOVQ row+64(FP), AX
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
	VMOVDQU32 192(BX), Z4
	VMOVDQU32 320(BX), Z10
	VMOVDQU32 Z10, K1, Z4
	VMOVDQU32 128(BX), Z2
	VMOVDQU32 256(BX), Z10
	VMOVDQU32 Z10, K1, Z2
	VPERMI2PS Z29, Z28, Z4 // row[feature & 31]
	VCMPPS $0x1e, Z2, Z4, K2 // x > threshold: right
	// Level 2: K1 picks the node's ancestor at level 1, K2 at level 2, ...
	VMOVDQU32 448(BX), Z1
	VMOVDQU32 704(BX), Z10
	VMOVDQU32 Z10, K1, Z1
	VMOVDQU32 576(BX), Z9
	VMOVDQU32 832(BX), Z10
	VMOVDQU32 Z10, K1, Z9
	VMOVDQU32 Z9, K2, Z1
	VMOVDQU32 384(BX), Z2
	VMOVDQU32 640(BX), Z10
	VMOVDQU32 Z10, K1, Z2
	VMOVDQU32 512(BX), Z9
	VMOVDQU32 768(BX), Z10
	VMOVDQU32 Z10, K1, Z9
	VMOVDQU32 Z9, K2, Z2
	VMOVDQA32 Z1, Z4
	VPERMI2PS Z29, Z28, Z4 // row[feature & 31]
	VCMPPS $0x1e, Z2, Z4, K3 // x > threshold: right
	VPSRLD $8, Z1, Z7 // left children
	VPSUBD Z30, Z7, K3, Z7 // cursors at level 3: left child + 1 where right
	VMOVDQU32 Z7, (DI)
	ADDQ $896, BX
	ADDQ $64, DI
	DECQ CX
	JNZ walkNarrowTop
	MOVQ pathLength+16(FP), R11
	LEAQ 0(SP), DI // the cursors, scoreChunk uint32 in the frame
	MOVQ nq+48(FP), R8
	SUBQ $3, DX
	JLE sums // no step left: sum all cursors

walkNarrowLevel:
	LEAQ 0(SP), DI // the cursors, scoreChunk uint32 in the frame
	MOVQ nq+48(FP), R8

walkNarrowVec:
	LOAD_NODES
	VPSRLQ $40, Z1, Z3 // offsets
	VPERMI2PS Z29, Z28, Z2 // row[feature] in even dwords
	VCMPPS $0x1e, Z1, Z2, K7, K3 // x > threshold, even dwords only
	VPMOVZXDQ (DI), Z0
	VPADDQ Z3, Z0, Z0 // cursors + offsets
	VPSUBD Z30, Z0, K3, Z0 // +1 in the cursor's low dword where right
	VPMOVQD Z0, (DI)
	ADDQ $32, DI
	DECQ R8
	JNZ walkNarrowVec
	DECQ DX
	JNZ walkNarrowLevel
	SUM_PATHS
	VMOVSD X1, ret+72(FP)
	VZEROUPPER
	RET

// func walkWide(nodes *node, top *uint32, pathLength *float64, sum float64, n, vecs, nq, depth int, row *[256]float32) float64
TEXT ·walkWide(SB), $512-80
	MOVQ nodes+0(FP), SI
	MOVQ top+8(FP), BX
	LEAQ 0(SP), DI // the cursors, scoreChunk uint32 in the frame
	MOVQ vecs+40(FP), CX
	MOVQ depth+56(FP), DX
	MOVQ row+64(FP), AX
	VPTERNLOGD $0xff, Z30, Z30, Z30 // -1 in every dword
	VPSRLD $24, Z30, Z31 // 0xff in every dword
	MOVL $0x5555, R9
	KMOVW R9, K7 // the even dwords

walkWideTop:
	// Level 0: the roots.
	VMOVDQU32 64(BX), Z1
	VPANDD Z31, Z1, Z3 // features
	KXNORW K6, K6, K6
	VPXORD Z4, Z4, Z4
	VGATHERDPS (AX)(Z3*4), K6, Z4 // row[feature]
	VCMPPS $0x1e, 0(BX), Z4, K1 // x > threshold: right
	// Level 1: K1 picks the node's ancestor at level 1, K2 at level 2, ...
	VMOVDQU32 192(BX), Z1
	VMOVDQU32 320(BX), Z10
	VMOVDQU32 Z10, K1, Z1
	VMOVDQU32 128(BX), Z2
	VMOVDQU32 256(BX), Z10
	VMOVDQU32 Z10, K1, Z2
	VPANDD Z31, Z1, Z3 // features
	KXNORW K6, K6, K6
	VPXORD Z4, Z4, Z4
	VGATHERDPS (AX)(Z3*4), K6, Z4 // row[feature]
	VCMPPS $0x1e, Z2, Z4, K2 // x > threshold: right
	// Level 2: K1 picks the node's ancestor at level 1, K2 at level 2, ...
	VMOVDQU32 448(BX), Z1
	VMOVDQU32 704(BX), Z10
	VMOVDQU32 Z10, K1, Z1
	VMOVDQU32 576(BX), Z9
	VMOVDQU32 832(BX), Z10
	VMOVDQU32 Z10, K1, Z9
	VMOVDQU32 Z9, K2, Z1
	VMOVDQU32 384(BX), Z2
	VMOVDQU32 640(BX), Z10
	VMOVDQU32 Z10, K1, Z2
	VMOVDQU32 512(BX), Z9
	VMOVDQU32 768(BX), Z10
	VMOVDQU32 Z10, K1, Z9
	VMOVDQU32 Z9, K2, Z2
	VPANDD Z31, Z1, Z3 // features
	KXNORW K6, K6, K6
	VPXORD Z4, Z4, Z4
	VGATHERDPS (AX)(Z3*4), K6, Z4 // row[feature]
	VCMPPS $0x1e, Z2, Z4, K3 // x > threshold: right
	VPSRLD $8, Z1, Z7 // left children
	VPSUBD Z30, Z7, K3, Z7 // cursors at level 3: left child + 1 where right
	VMOVDQU32 Z7, (DI)
	ADDQ $896, BX
	ADDQ $64, DI
	DECQ CX
	JNZ walkWideTop
	MOVQ pathLength+16(FP), R11
	VXORPD X1, X1, X1
	VXORPD X2, X2, X2
	VXORPD X3, X3, X3
	VXORPD X4, X4, X4
	VXORPD X5, X5, X5
	VXORPD X6, X6, X6
	VXORPD X7, X7, X7
	VXORPD X8, X8, X8
	LEAQ 0(SP), DI // the cursors, scoreChunk uint32 in the frame
	MOVQ nq+48(FP), R8
	SUBQ $3, DX
	JLE sums // no step left: sum all cursors

walkWideLevel:
	LEAQ 0(SP), DI // the cursors, scoreChunk uint32 in the frame
	MOVQ nq+48(FP), R8

walkWideVec:
	LOAD_NODES
	VPSRLQ $40, Z1, Z3 // offsets
	VPANDQ Z31, Z2, Z2 // features, as qwords
	KXNORW K4, K4, K4 // the gather reads the low 8 bits
	VPXOR Y4, Y4, Y4
	VGATHERQPS (AX)(Z2*4), K4, Y4 // row[feature]
	VPMOVZXDQ Y4, Z4 // in even dwords
	VCMPPS $0x1e, Z1, Z4, K7, K3 // x > threshold, even dwords only
	VPMOVZXDQ (DI), Z0
	VPADDQ Z3, Z0, Z0 // cursors + offsets
	VPSUBD Z30, Z0, K3, Z0 // +1 in the cursor's low dword where right
	VPMOVQD Z0, (DI)
	ADDQ $32, DI
	DECQ R8
	JNZ walkWideVec
	DECQ DX
	JNZ walkWideLevel
	SUM_PATHS
	VMOVSD X1, ret+72(FP)
	VZEROUPPER
	RET
