package har

import "golang.org/x/sys/cpu"

// hasAVX2: classify a block with two 32-byte compares per class (a fifth
// of the SWAR version's instructions) where the CPU has them.
var hasAVX2 = cpu.X86.HasAVX2

//go:noescape
func classifyAVX2(b *[64]byte) (quote, bracket uint64)

// classifyBlock is classify, in AVX2 when the CPU has it.
func classifyBlock(b *[64]byte) blockMasks {
	if hasAVX2 {
		q, br := classifyAVX2(b)
		return blockMasks{quote: q, bracket: br}
	}
	return classify(b)
}
