//go:build !amd64

package har

// hasAVX2 is amd64's (a variable, so tests can switch it as there).
var hasAVX2 = false

func classifyBlock(b *[64]byte) blockMasks { return classify(b) }

func classifyBlocks(chunk []byte, out *[blockBatch]blockMasks) int {
	return classifyEach(chunk, min(len(chunk)/64, blockBatch), out)
}
