#include "textflag.h"

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

// walkNarrow and walkWide walk vecs vectors of 16 trees depth (>= 3)
// steps. The first three steps read the trees' top nodes from top (see
// prepareKernel) with plain and masked loads; they leave each tree's
// cursor, a node index, in cur as a uint64. The other steps walk nq
// vectors of 8 cursors, level by level, each step one VPGATHERQQ of the
// cursors' 8-byte nodes: node.threshold in the even dwords, node.link in
// the odd ones. A row value is row[feature]: walkNarrow keeps the row
// (width <= 31, NaN in row[31]) in Z28:Z29 and picks the values with
// VPERMI2PS, which reads the low 5 bits of the feature, so a leaf's 255
// reads the NaN; walkWide gathers them from row (NaN in row[255]). x >
// threshold is VCMPPS with _CMP_GT_OQ (0x1e), false for a NaN, so a leaf
// stays put; it adds 1 to the cursor, which then goes to the right child.
//
// Registers: Z28:Z29 the row (walkNarrow), Z30 -1 in every dword, Z31 0xff
// (walkWide), K7 the even dwords.

// func walkNarrow(nodes *node, top *uint32, cur *uint64, pathLength *float64, sum float64, n, vecs, nq, depth int, row *[32]float32) float64
TEXT ·walkNarrow(SB), NOSPLIT, $0-88
	MOVQ nodes+0(FP), SI
	MOVQ top+8(FP), BX
	MOVQ cur+16(FP), DI
	MOVQ vecs+48(FP), CX
	MOVQ depth+64(FP), DX
	MOVQ row+72(FP), AX
	VMOVDQU32 (AX), Z28
	VMOVDQU32 64(AX), Z29
	VPTERNLOGD $0xff, Z30, Z30, Z30 // -1 in every dword
	MOVL $0x5555, R9
	KMOVW R9, K7 // the even dwords

walkNarrowTop:
	// Level 0: the roots' nodes, loaded, not gathered.
	VMOVDQU32 64(BX), Z2
	VPERMI2PS Z29, Z28, Z2
	VCMPPS $0x1e, 0(BX), Z2, K1
	// Level 1: the left child, or the right one where K1.
	VMOVDQU32 256(BX), Z2
	VMOVDQU32 448(BX), K1, Z2
	VMOVDQU32 192(BX), Z3
	VMOVDQU32 384(BX), K1, Z3
	VPERMI2PS Z29, Z28, Z2
	VCMPPS $0x1e, Z3, Z2, K2
	// Level 2: grandchild LL, LR, RL or RR; K1 picks the first letter, K2 the second.
	VMOVDQU32 640(BX), Z2
	VMOVDQU32 1024(BX), K1, Z2
	VMOVDQU32 832(BX), Z5
	VMOVDQU32 1216(BX), K1, Z5
	VMOVDQU32 Z5, K2, Z2
	VMOVDQU32 576(BX), Z3
	VMOVDQU32 960(BX), K1, Z3
	VMOVDQU32 768(BX), Z6
	VMOVDQU32 1152(BX), K1, Z6
	VMOVDQU32 Z6, K2, Z3
	VMOVDQU32 704(BX), Z7
	VMOVDQU32 1088(BX), K1, Z7
	VMOVDQU32 896(BX), Z8
	VMOVDQU32 1280(BX), K1, Z8
	VMOVDQU32 Z8, K2, Z7
	VPERMI2PS Z29, Z28, Z2
	VCMPPS $0x1e, Z3, Z2, K3
	VPSUBD Z30, Z7, K3, Z7 // cursors at level 3: left child + 1 where right
	VPMOVZXDQ Y7, Z9
	VEXTRACTI64X4 $1, Z7, Y10
	VPMOVZXDQ Y10, Z10
	VMOVDQU64 Z9, (DI)
	VMOVDQU64 Z10, 64(DI)
	ADDQ $1344, BX
	ADDQ $128, DI
	DECQ CX
	JNZ walkNarrowTop
	MOVQ pathLength+24(FP), R11
	VMOVSD sum+32(FP), X11
	MOVQ cur+16(FP), DI
	MOVQ n+40(FP), R8
	SUBQ $3, DX
	JLE walkNarrowSum // no step left: sum all cursors

walkNarrowLevel:
	MOVQ cur+16(FP), DI
	MOVQ nq+56(FP), R8
	CMPQ DX, $1
	JEQ walkNarrowLast

walkNarrowVec:
	VMOVDQU64 (DI), Z0
	KXNORB K1, K1, K1
	VPXORQ Z1, Z1, Z1
	VPGATHERQQ (SI)(Z0*8), K1, Z1 // nodes: threshold in even dwords, link in odd ones
	VPSRLQ $32, Z1, Z2 // links in even dwords, 0 in odd ones
	VPSRLQ $40, Z1, Z3 // offsets
	VPERMI2PS Z29, Z28, Z2 // row[feature] in even dwords
	VCMPPS $0x1e, Z1, Z2, K7, K3 // x > threshold, even dwords only
	VPADDQ Z3, Z0, Z0
	VPSUBD Z30, Z0, K3, Z0 // +1 in the cursor's low dword where right
	VMOVDQU64 Z0, (DI)
	ADDQ $64, DI
	DECQ R8
	JNZ walkNarrowVec
	DECQ DX
	JMP walkNarrowLevel

// The last step, which also sums the path lengths of the vector before,
// whose cursors are final, while the gathers of the next ones run.
walkNarrowLast:
	VMOVDQU64 (DI), Z0
	KXNORB K1, K1, K1
	VPXORQ Z1, Z1, Z1
	VPGATHERQQ (SI)(Z0*8), K1, Z1 // nodes: threshold in even dwords, link in odd ones
	VPSRLQ $32, Z1, Z2 // links in even dwords, 0 in odd ones
	VPSRLQ $40, Z1, Z3 // offsets
	VPERMI2PS Z29, Z28, Z2 // row[feature] in even dwords
	VCMPPS $0x1e, Z1, Z2, K7, K3 // x > threshold, even dwords only
	VPADDQ Z3, Z0, Z0
	VPSUBD Z30, Z0, K3, Z0 // +1 in the cursor's low dword where right
	VMOVDQU64 Z0, (DI)
	ADDQ $64, DI
	DECQ R8
	JZ walkNarrowTail
	MOVQ -64(DI), R10
	VADDSD (R11)(R10*8), X11, X11
	MOVQ -56(DI), R10
	VADDSD (R11)(R10*8), X11, X11
	MOVQ -48(DI), R10
	VADDSD (R11)(R10*8), X11, X11
	MOVQ -40(DI), R10
	VADDSD (R11)(R10*8), X11, X11
	MOVQ -32(DI), R10
	VADDSD (R11)(R10*8), X11, X11
	MOVQ -24(DI), R10
	VADDSD (R11)(R10*8), X11, X11
	MOVQ -16(DI), R10
	VADDSD (R11)(R10*8), X11, X11
	MOVQ -8(DI), R10
	VADDSD (R11)(R10*8), X11, X11
	JMP walkNarrowLast

walkNarrowTail:
	SUBQ $64, DI // the last vector, n - 8*(nq-1) trees
	MOVQ nq+56(FP), R8
	DECQ R8
	SHLQ $3, R8
	NEGQ R8
	ADDQ n+40(FP), R8

walkNarrowSum:
	MOVQ (DI), R10
	VADDSD (R11)(R10*8), X11, X11
	ADDQ $8, DI
	DECQ R8
	JNZ walkNarrowSum
	VMOVSD X11, ret+80(FP)
	VZEROUPPER
	RET

// func walkWide(nodes *node, top *uint32, cur *uint64, pathLength *float64, sum float64, n, vecs, nq, depth int, row *[256]float32) float64
TEXT ·walkWide(SB), NOSPLIT, $0-88
	MOVQ nodes+0(FP), SI
	MOVQ top+8(FP), BX
	MOVQ cur+16(FP), DI
	MOVQ vecs+48(FP), CX
	MOVQ depth+64(FP), DX
	MOVQ row+72(FP), AX
	VPTERNLOGD $0xff, Z30, Z30, Z30 // -1 in every dword
	VPSRLD $24, Z30, Z31 // 0xff in every dword
	MOVL $0x5555, R9
	KMOVW R9, K7 // the even dwords

walkWideTop:
	// Level 0: the roots' nodes, loaded, not gathered.
	VMOVDQU32 64(BX), Z2
	KXNORW K4, K4, K4
	VPXORD Z3, Z3, Z3
	VGATHERDPS (AX)(Z2*4), K4, Z3
	VCMPPS $0x1e, 0(BX), Z3, K1
	// Level 1: the left child, or the right one where K1.
	VMOVDQU32 256(BX), Z2
	VMOVDQU32 448(BX), K1, Z2
	VMOVDQU32 192(BX), Z3
	VMOVDQU32 384(BX), K1, Z3
	KXNORW K4, K4, K4
	VPXORD Z4, Z4, Z4
	VGATHERDPS (AX)(Z2*4), K4, Z4
	VCMPPS $0x1e, Z3, Z4, K2
	// Level 2: grandchild LL, LR, RL or RR; K1 picks the first letter, K2 the second.
	VMOVDQU32 640(BX), Z2
	VMOVDQU32 1024(BX), K1, Z2
	VMOVDQU32 832(BX), Z5
	VMOVDQU32 1216(BX), K1, Z5
	VMOVDQU32 Z5, K2, Z2
	VMOVDQU32 576(BX), Z3
	VMOVDQU32 960(BX), K1, Z3
	VMOVDQU32 768(BX), Z6
	VMOVDQU32 1152(BX), K1, Z6
	VMOVDQU32 Z6, K2, Z3
	VMOVDQU32 704(BX), Z7
	VMOVDQU32 1088(BX), K1, Z7
	VMOVDQU32 896(BX), Z8
	VMOVDQU32 1280(BX), K1, Z8
	VMOVDQU32 Z8, K2, Z7
	KXNORW K4, K4, K4
	VPXORD Z4, Z4, Z4
	VGATHERDPS (AX)(Z2*4), K4, Z4
	VCMPPS $0x1e, Z3, Z4, K3
	VPSUBD Z30, Z7, K3, Z7 // cursors at level 3: left child + 1 where right
	VPMOVZXDQ Y7, Z9
	VEXTRACTI64X4 $1, Z7, Y10
	VPMOVZXDQ Y10, Z10
	VMOVDQU64 Z9, (DI)
	VMOVDQU64 Z10, 64(DI)
	ADDQ $1344, BX
	ADDQ $128, DI
	DECQ CX
	JNZ walkWideTop
	MOVQ pathLength+24(FP), R11
	VMOVSD sum+32(FP), X11
	MOVQ cur+16(FP), DI
	MOVQ n+40(FP), R8
	SUBQ $3, DX
	JLE walkWideSum // no step left: sum all cursors

walkWideLevel:
	MOVQ cur+16(FP), DI
	MOVQ nq+56(FP), R8
	CMPQ DX, $1
	JEQ walkWideLast

walkWideVec:
	VMOVDQU64 (DI), Z0
	KXNORB K1, K1, K1
	VPXORQ Z1, Z1, Z1
	VPGATHERQQ (SI)(Z0*8), K1, Z1 // nodes: threshold in even dwords, link in odd ones
	VPSRLQ $32, Z1, Z2 // links in even dwords, 0 in odd ones
	VPSRLQ $40, Z1, Z3 // offsets
	VPANDD Z31, Z2, Z2 // features
	KMOVW K7, K4
	VPXORD Z4, Z4, Z4
	VGATHERDPS (AX)(Z2*4), K4, Z4 // row[feature] in even dwords
	VCMPPS $0x1e, Z1, Z4, K7, K3 // x > threshold, even dwords only
	VPADDQ Z3, Z0, Z0
	VPSUBD Z30, Z0, K3, Z0 // +1 in the cursor's low dword where right
	VMOVDQU64 Z0, (DI)
	ADDQ $64, DI
	DECQ R8
	JNZ walkWideVec
	DECQ DX
	JMP walkWideLevel

// The last step, which also sums the path lengths of the vector before,
// whose cursors are final, while the gathers of the next ones run.
walkWideLast:
	VMOVDQU64 (DI), Z0
	KXNORB K1, K1, K1
	VPXORQ Z1, Z1, Z1
	VPGATHERQQ (SI)(Z0*8), K1, Z1 // nodes: threshold in even dwords, link in odd ones
	VPSRLQ $32, Z1, Z2 // links in even dwords, 0 in odd ones
	VPSRLQ $40, Z1, Z3 // offsets
	VPANDD Z31, Z2, Z2 // features
	KMOVW K7, K4
	VPXORD Z4, Z4, Z4
	VGATHERDPS (AX)(Z2*4), K4, Z4 // row[feature] in even dwords
	VCMPPS $0x1e, Z1, Z4, K7, K3 // x > threshold, even dwords only
	VPADDQ Z3, Z0, Z0
	VPSUBD Z30, Z0, K3, Z0 // +1 in the cursor's low dword where right
	VMOVDQU64 Z0, (DI)
	ADDQ $64, DI
	DECQ R8
	JZ walkWideTail
	MOVQ -64(DI), R10
	VADDSD (R11)(R10*8), X11, X11
	MOVQ -56(DI), R10
	VADDSD (R11)(R10*8), X11, X11
	MOVQ -48(DI), R10
	VADDSD (R11)(R10*8), X11, X11
	MOVQ -40(DI), R10
	VADDSD (R11)(R10*8), X11, X11
	MOVQ -32(DI), R10
	VADDSD (R11)(R10*8), X11, X11
	MOVQ -24(DI), R10
	VADDSD (R11)(R10*8), X11, X11
	MOVQ -16(DI), R10
	VADDSD (R11)(R10*8), X11, X11
	MOVQ -8(DI), R10
	VADDSD (R11)(R10*8), X11, X11
	JMP walkWideLast

walkWideTail:
	SUBQ $64, DI // the last vector, n - 8*(nq-1) trees
	MOVQ nq+56(FP), R8
	DECQ R8
	SHLQ $3, R8
	NEGQ R8
	ADDQ n+40(FP), R8

walkWideSum:
	MOVQ (DI), R10
	VADDSD (R11)(R10*8), X11, X11
	ADDQ $8, DI
	DECQ R8
	JNZ walkWideSum
	VMOVSD X11, ret+80(FP)
	VZEROUPPER
	RET
