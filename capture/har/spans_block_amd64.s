#include "textflag.h"

// Each constant is one byte repeated over a 32-byte AVX2 register.
DATA quoteBytes<>+0(SB)/8, $0x2222222222222222
DATA quoteBytes<>+8(SB)/8, $0x2222222222222222
DATA quoteBytes<>+16(SB)/8, $0x2222222222222222
DATA quoteBytes<>+24(SB)/8, $0x2222222222222222
GLOBL quoteBytes<>(SB), RODATA|NOPTR, $32

DATA caseBits<>+0(SB)/8, $0x2020202020202020
DATA caseBits<>+8(SB)/8, $0x2020202020202020
DATA caseBits<>+16(SB)/8, $0x2020202020202020
DATA caseBits<>+24(SB)/8, $0x2020202020202020
GLOBL caseBits<>(SB), RODATA|NOPTR, $32

DATA openBytes<>+0(SB)/8, $0x7b7b7b7b7b7b7b7b
DATA openBytes<>+8(SB)/8, $0x7b7b7b7b7b7b7b7b
DATA openBytes<>+16(SB)/8, $0x7b7b7b7b7b7b7b7b
DATA openBytes<>+24(SB)/8, $0x7b7b7b7b7b7b7b7b
GLOBL openBytes<>(SB), RODATA|NOPTR, $32

DATA closeBytes<>+0(SB)/8, $0x7d7d7d7d7d7d7d7d
DATA closeBytes<>+8(SB)/8, $0x7d7d7d7d7d7d7d7d
DATA closeBytes<>+16(SB)/8, $0x7d7d7d7d7d7d7d7d
DATA closeBytes<>+24(SB)/8, $0x7d7d7d7d7d7d7d7d
GLOBL closeBytes<>(SB), RODATA|NOPTR, $32

DATA backslashBytes<>+0(SB)/8, $0x5c5c5c5c5c5c5c5c
DATA backslashBytes<>+8(SB)/8, $0x5c5c5c5c5c5c5c5c
DATA backslashBytes<>+16(SB)/8, $0x5c5c5c5c5c5c5c5c
DATA backslashBytes<>+24(SB)/8, $0x5c5c5c5c5c5c5c5c
GLOBL backslashBytes<>(SB), RODATA|NOPTR, $32

// func classifyAVX2Blocks(b *byte, n int, out *blockMasks)
//
// For each of the n consecutive 64-byte blocks at b, the bytes '"', '{'
// or '[' (b|0x20 is '{'), '}' or ']' (b|0x20 is '}') and '\\', one bit
// each, with two 32-byte compares per class and the constants loaded
// once. Block i's masks go to out[i], written as a blockMasks: quote at
// 0, bracket (open, close and backslash) at 8, exact at 16, open at 24,
// close at 32, backslash at 40 (TestBlockMasksLayout holds the struct to
// it).
TEXT ·classifyAVX2Blocks(SB), NOSPLIT, $0-24
	MOVQ b+0(FP), SI
	MOVQ n+8(FP), CX
	MOVQ out+16(FP), DI
	TESTQ CX, CX
	JZ done
	VMOVDQU quoteBytes<>(SB), Y8
	VMOVDQU caseBits<>(SB), Y9
	VMOVDQU openBytes<>(SB), Y10
	VMOVDQU closeBytes<>(SB), Y11
	VMOVDQU backslashBytes<>(SB), Y12

loop:
	VMOVDQU (SI), Y0
	VMOVDQU 32(SI), Y1

	VPCMPEQB Y8, Y0, Y2
	VPCMPEQB Y8, Y1, Y3
	VPMOVMSKB Y2, AX
	VPMOVMSKB Y3, BX
	SHLQ $32, BX
	ORQ BX, AX
	MOVQ AX, 0(DI)

	VPCMPEQB Y12, Y0, Y2
	VPCMPEQB Y12, Y1, Y3
	VPMOVMSKB Y2, R8
	VPMOVMSKB Y3, BX
	SHLQ $32, BX
	ORQ BX, R8
	MOVQ R8, 40(DI)

	VPOR Y9, Y0, Y4
	VPOR Y9, Y1, Y5

	VPCMPEQB Y10, Y4, Y2
	VPCMPEQB Y10, Y5, Y3
	VPMOVMSKB Y2, R9
	VPMOVMSKB Y3, BX
	SHLQ $32, BX
	ORQ BX, R9
	MOVQ R9, 24(DI)

	VPCMPEQB Y11, Y4, Y2
	VPCMPEQB Y11, Y5, Y3
	VPMOVMSKB Y2, R10
	VPMOVMSKB Y3, BX
	SHLQ $32, BX
	ORQ BX, R10
	MOVQ R10, 32(DI)

	ORQ R9, R8
	ORQ R10, R8
	MOVQ R8, 8(DI)
	MOVQ $1, 16(DI)

	ADDQ $64, SI
	ADDQ $48, DI
	DECQ CX
	JNZ loop
	VZEROUPPER

done:
	RET
