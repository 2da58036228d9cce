package har

import "golang.org/x/sys/cpu"

// hasAVX2: classify a block with two 32-byte compares per class (a fifth
// of the SWAR version's instructions) where the CPU has them.
var hasAVX2 = cpu.X86.HasAVX2

//go:noescape
func classifyAVX2(b *[64]byte) (quote, open, close, backslash uint64)

// classifyBlock is classify, in AVX2 when the CPU has it, which also
// gives the exact masks.
func classifyBlock(b *[64]byte) blockMasks {
	if hasAVX2 {
		q, o, c, bs := classifyAVX2(b)
		return blockMasks{quote: q, bracket: o | c | bs, open: o, close: c, backslash: bs, exact: true}
	}
	return classify(b)
}
