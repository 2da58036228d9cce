package har

import "golang.org/x/sys/cpu"

// hasAVX2: classify a block with two 32-byte compares per class (a fifth
// of the SWAR version's instructions) where the CPU has them.
var hasAVX2 = cpu.X86.HasAVX2

// classifyBlock is classify, in AVX2 when the CPU has it, which also
// gives the exact masks.
func classifyBlock(b *[64]byte) blockMasks {
	if hasAVX2 {
		var m blockMasks
		classifyAVX2Blocks(&b[0], 1, &m)
		return m
	}
	return classify(b)
}

// classifyAVX2Blocks writes the masks of the n blocks at b to out and the
// n-1 blockMasks after it (spans_block_amd64.s).
//
//go:noescape
func classifyAVX2Blocks(b *byte, n int, out *blockMasks)

// classifyBlocks classifies the whole blocks at the start of chunk, up to
// blockBatch of them, into out, and returns how many: one call for a
// kilobyte, where a call per block cost as much as the classifying.
func classifyBlocks(chunk []byte, out *[blockBatch]blockMasks) int {
	n := min(len(chunk)/64, blockBatch)
	if !hasAVX2 {
		return classifyEach(chunk, n, out)
	}
	if n > 0 {
		classifyAVX2Blocks(&chunk[0], n, &out[0])
	}
	return n
}
