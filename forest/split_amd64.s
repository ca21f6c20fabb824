//go:build !purego

#include "textflag.h"

// The split kernels take a node's rows 16 at a time: VPMOVZXBD widens 16
// row numbers (uint8) to dwords, VPGATHERDD loads their keys from the
// column, and a mask covers the node's last, partial group. They use
// AVX512F only, as the score kernel does.

// MASK16 sets K1 to the rows left in the node, at most 16: R9 - R8.
// Clobbers AX, CX.
#define MASK16 \
	MOVQ R9, CX; \
	SUBQ R8, CX; \
	CMPQ CX, $16; \
	JLE  2(PC); \
	MOVQ $16, CX; \
	MOVL $1, AX; \
	SHLL CX, AX; \
	DECL AX; \
	KMOVW AX, K1

// func minMaxKernel(col *[256]int32, members *[256]uint8, start, end int32) (lo, hi int32)
TEXT ·minMaxKernel(SB), NOSPLIT, $0-32
	MOVQ col+0(FP), SI
	MOVQ members+8(FP), DX
	MOVLQSX start+16(FP), R8
	MOVLQSX end+20(FP), R9
	MOVL $0x7fffffff, AX
	VPBROADCASTD AX, Z14
	MOVL $0x80000000, AX
	VPBROADCASTD AX, Z15

minMaxLoop:
	MASK16
	VPMOVZXBD.Z (DX)(R8*1), K1, Z0
	KMOVW K1, K2
	VPGATHERDD (SI)(Z0*4), K2, Z1
	VPMINSD Z1, Z14, K1, Z14
	VPMAXSD Z1, Z15, K1, Z15
	ADDQ $16, R8
	CMPQ R8, R9
	JLT  minMaxLoop

	// Fold the 16 lanes into one.
	VEXTRACTI64X4 $1, Z14, Y1
	VPMINSD Y1, Y14, Y14
	VEXTRACTI128 $1, Y14, X1
	VPMINSD X1, X14, X14
	VPSHUFD $0x4e, X14, X1
	VPMINSD X1, X14, X14
	VPSHUFD $0xb1, X14, X1
	VPMINSD X1, X14, X14
	VMOVD X14, AX
	MOVL AX, lo+24(FP)
	VEXTRACTI64X4 $1, Z15, Y1
	VPMAXSD Y1, Y15, Y15
	VEXTRACTI128 $1, Y15, X1
	VPMAXSD X1, X15, X15
	VPSHUFD $0x4e, X15, X1
	VPMAXSD X1, X15, X15
	VPSHUFD $0xb1, X15, X1
	VPMAXSD X1, X15, X15
	VMOVD X15, AX
	MOVL AX, hi+28(FP)
	VZEROUPPER
	RET

// partitionKernel compresses each group's row numbers with VPCOMPRESSD into
// those going left (key <= limit) and the others, and stores them, narrowed
// back to bytes by VPMOVDB under a mask of their count, after the left
// side's last row (R10) and before the right side's first (R11 + 1).
//
// func partitionKernel(col *[256]int32, limit int32, members, out *[256]uint8, start, end int32) int32
TEXT ·partitionKernel(SB), NOSPLIT, $0-44
	MOVQ col+0(FP), SI
	MOVL limit+8(FP), AX
	VPBROADCASTD AX, Z13
	MOVQ members+16(FP), DX
	MOVQ out+24(FP), DI
	MOVLQSX start+32(FP), R8
	MOVLQSX end+36(FP), R9
	MOVQ R8, R10
	LEAQ -1(R9), R11

partitionLoop:
	MASK16
	VPMOVZXBD.Z (DX)(R8*1), K1, Z0
	KMOVW K1, K2
	VPGATHERDD (SI)(Z0*4), K2, Z1
	VPCMPD $2, Z13, Z1, K1, K3 // key <= limit: left
	KANDNW K1, K3, K4          // the others: right
	VPCOMPRESSD Z0, K3, Z2
	VPCOMPRESSD Z0, K4, Z3
	KMOVW K3, AX
	POPCNTL AX, AX
	KMOVW K4, BX
	POPCNTL BX, BX

	MOVL AX, CX
	MOVL $1, R12
	SHLL CX, R12
	DECL R12
	KMOVW R12, K5
	VPMOVDB Z2, K5, (DI)(R10*1)
	ADDQ AX, R10

	MOVL BX, CX
	MOVL $1, R12
	SHLL CX, R12
	DECL R12
	KMOVW R12, K6
	SUBQ BX, R11
	VPMOVDB Z3, K6, 1(DI)(R11*1)

	ADDQ $16, R8
	CMPQ R8, R9
	JLT  partitionLoop

	MOVL R10, ret+40(FP)
	VZEROUPPER
	RET
