//go:build !purego

#include "textflag.h"

// The builder prefetches the rows of the trees it builds next while it
// builds the current one (see builder.buildRange). A prefetch never faults
// and does not wait for its line, only for room among the misses in
// flight, so a few of them between two node splits keep cache and TLB
// misses going behind the tree-building work. The room is what is left of
// the misses' cost: on 1,000,000 rows, Fit still spends about a third of
// its time in these two functions. PREFETCHT1 asks for the L2 cache, not
// L1, which holds the current tree; PREFETCHT0, T2 and NTA measured no
// better.

// FOR_EACH_ROW loads the arguments (both functions take rows *[]float64,
// sample []int) and opens the loop over the CX indexes at DI (sample),
// with in AX the index, in qwords from rows (SI), of the header of
// rows[sample[i]]; NEXT_ROW closes it and returns.
#define FOR_EACH_ROW \
	MOVQ rows+0(FP), SI; \
	MOVQ sample_base+8(FP), DI; \
	MOVQ sample_len+16(FP), CX; \
	TESTQ CX, CX; \
	JEQ done; \
	loop: MOVQ (DI), AX; \
	LEAQ (AX)(AX*2), AX // a header is 24 bytes

#define NEXT_ROW \
	ADDQ $8, DI; \
	DECQ CX; \
	JNE loop; \
	done: RET

// func prefetchHeaders(rows *[]float64, sample []int)
TEXT ·prefetchHeaders(SB), NOSPLIT, $0-32
	FOR_EACH_ROW
	PREFETCHT1 (SI)(AX*8)
	PREFETCHT1 23(SI)(AX*8) // a quarter of the headers straddle two lines
	NEXT_ROW

// func prefetchRows(rows *[]float64, sample []int)
TEXT ·prefetchRows(SB), NOSPLIT, $0-32
	FOR_EACH_ROW
	MOVQ (SI)(AX*8), DX // the row's data pointer
	MOVQ 8(SI)(AX*8), BX // and length
	PREFETCHT1 (DX)
	PREFETCHT1 -8(DX)(BX*8) // its last value, on the same line or the next
	NEXT_ROW
