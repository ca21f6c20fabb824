//go:build !purego

#include "textflag.h"

// gatherKeys converts 8 rows at a time, 8 columns at a time: one masked
// load per row brings its 8 (or, in the last group, fewer) values, which
// VCVTPD2PS rounds to float32 as CVTSD2SS does, and four integer
// instructions turn into order keys (see orderKey); an 8x8 transpose then
// makes each column's 8 keys one store. This takes about a tenth of the
// instructions of gatherColumn's loop, which loads each row's header for
// each column. It uses AVX512F (the conversion and the masked load) beside
// AVX2, as the score kernel does.
//
// Registers: SI the header of the block's first row, DI the keys of the
// group's first column at the block's first row, R8 a column's stride in
// bytes, BX the group's first column, K1 its columns, Y14 and Y15 the
// group's smallest and largest keys, Y0-Y13 the block.

// ROW loads the row whose header is at off(SI) into y, as order keys, and
// folds them into Y14 and Y15. Clobbers AX, Y8, Y9.
#define ROW(off, z, y) \
	MOVQ off(SI), AX; \
	VMOVUPD.Z (AX)(BX*8), K1, z; \
	VCVTPD2PS z, y; \
	VPSRAD $31, y, Y8; \
	VPSRLD $1, Y8, Y9; \
	VPXOR Y9, y, y; \
	VPSUBD Y8, y, y; \
	VPMINSD y, Y14, Y14; \
	VPMAXSD y, Y15, Y15

// STORE stores column y at (R9), unless the group has no column c, and
// moves R9 to the next column.
#define STORE(c, y) \
	CMPQ R12, $c; \
	JLE  blockDone; \
	VMOVDQU y, (R9); \
	ADDQ R8, R9

// func gatherKeys(rows *[]float64, n, width int, keys *int32, stride int, lo, hi *int32)
TEXT ·gatherKeys(SB), NOSPLIT, $0-56
	MOVQ stride+32(FP), R8
	SHLQ $2, R8
	XORQ BX, BX

group:
	// R12 = min(8, width-BX) columns in this group, K1 their mask.
	MOVQ width+16(FP), R12
	SUBQ BX, R12
	CMPQ R12, $8
	JLE  masked
	MOVQ $8, R12

masked:
	MOVQ $1, AX
	MOVQ R12, CX
	SHLQ CX, AX
	DECQ AX
	KMOVW AX, K1
	MOVL $0x7fffffff, AX
	VMOVD AX, X14
	VPBROADCASTD X14, Y14
	MOVL $0x80000000, AX
	VMOVD AX, X15
	VPBROADCASTD X15, Y15
	MOVQ rows+0(FP), SI
	// DI = keys + BX*stride*4
	MOVQ R8, DI
	IMULQ BX, DI
	ADDQ keys+24(FP), DI
	MOVQ n+8(FP), R10

block:
	ROW(0, Z0, Y0)
	ROW(24, Z1, Y1)
	ROW(48, Z2, Y2)
	ROW(72, Z3, Y3)
	ROW(96, Z4, Y4)
	ROW(120, Z5, Y5)
	ROW(144, Z6, Y6)
	ROW(168, Z7, Y7)

	// Transpose: Y(r) holds row r's columns; make Y(c) column c's rows.
	VPUNPCKLDQ Y1, Y0, Y8  // r0c0 r1c0 r0c1 r1c1 | c4 c5
	VPUNPCKHDQ Y1, Y0, Y9  // r0c2 r1c2 r0c3 r1c3 | c6 c7
	VPUNPCKLDQ Y3, Y2, Y10
	VPUNPCKHDQ Y3, Y2, Y11
	VPUNPCKLDQ Y5, Y4, Y0
	VPUNPCKHDQ Y5, Y4, Y1
	VPUNPCKLDQ Y7, Y6, Y2
	VPUNPCKHDQ Y7, Y6, Y3
	VPUNPCKLQDQ Y10, Y8, Y4 // r0-3 c0 | c4
	VPUNPCKHQDQ Y10, Y8, Y5 // r0-3 c1 | c5
	VPUNPCKLQDQ Y11, Y9, Y6 // r0-3 c2 | c6
	VPUNPCKHQDQ Y11, Y9, Y7 // r0-3 c3 | c7
	VPUNPCKLQDQ Y2, Y0, Y8  // r4-7 c0 | c4
	VPUNPCKHQDQ Y2, Y0, Y9  // r4-7 c1 | c5
	VPUNPCKLQDQ Y3, Y1, Y10 // r4-7 c2 | c6
	VPUNPCKHQDQ Y3, Y1, Y11 // r4-7 c3 | c7
	VPERM2I128 $0x20, Y8, Y4, Y0  // c0
	VPERM2I128 $0x31, Y8, Y4, Y12 // c4
	VPERM2I128 $0x20, Y9, Y5, Y1  // c1
	VPERM2I128 $0x31, Y9, Y5, Y13 // c5
	VPERM2I128 $0x20, Y10, Y6, Y2 // c2
	VPERM2I128 $0x31, Y10, Y6, Y4 // c6
	VPERM2I128 $0x20, Y11, Y7, Y3 // c3
	VPERM2I128 $0x31, Y11, Y7, Y5 // c7

	MOVQ DI, R9
	VMOVDQU Y0, (R9)
	ADDQ R8, R9
	STORE(1, Y1)
	STORE(2, Y2)
	STORE(3, Y3)
	STORE(4, Y12)
	STORE(5, Y13)
	STORE(6, Y4)
	STORE(7, Y5)

blockDone:
	ADDQ $192, SI // 8 headers
	ADDQ $32, DI  // 8 keys
	SUBQ $8, R10
	JNZ  block

	MOVQ lo+40(FP), AX
	VMOVDQU Y14, (AX)(BX*4)
	MOVQ hi+48(FP), AX
	VMOVDQU Y15, (AX)(BX*4)
	ADDQ $8, BX
	CMPQ BX, width+16(FP)
	JLT  group
	VZEROUPPER
	RET
