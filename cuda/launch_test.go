package cuda

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestGridFor(t *testing.T) {
	const sms = 132 // an H100 or H200
	assert.Equal(t, launch{}, gridFor(0, sms), "no work, no launch")
	assert.Equal(t, launch{grid: 1, block: 256}, gridFor(1, sms))
	assert.Equal(t, launch{grid: 1, block: 256}, gridFor(256, sms))
	assert.Equal(t, launch{grid: 2, block: 256}, gridFor(257, sms))
	assert.Equal(t, launch{grid: 157, block: 256}, gridFor(40000, sms))
	assert.Equal(t, launch{grid: sms * wavesPerSM, block: 256}, gridFor(1<<30, sms), "capped: threads loop")
	assert.Equal(t, launch{grid: sms * wavesPerSM, block: 256}, gridFor(1<<40, sms), "beyond 32-bit sizes")
	assert.Equal(t, launch{grid: wavesPerSM, block: 256}, gridFor(1<<20, 0), "an unknown multiprocessor count counts as one")
}

func TestBlockFor(t *testing.T) {
	assert.Equal(t, 32, blockFor(0))
	assert.Equal(t, 32, blockFor(20))
	assert.Equal(t, 64, blockFor(33))
	assert.Equal(t, 128, blockFor(128))
	assert.Equal(t, 256, blockFor(70000))
	assert.Equal(t, launch{grid: 64, block: 32}, rowsFor(64, 20, 132), "a softmax over 20 classes")
	assert.Equal(t, launch{grid: 132 * wavesPerSM, block: 256}, rowsFor(1<<20, 1000, 132))
	assert.Equal(t, launch{}, rowsFor(0, 5, 132))
}

// TestPlanReduce covers each shape class of a reduction: outputs, elements per output, and
// whether neighbouring outputs read neighbouring elements.
func TestPlanReduce(t *testing.T) {
	const sms = 132
	cases := []struct {
		name         string
		outer, inner int
		adjacent     bool
		kind         reduceKind
	}{
		{"no outputs", 0, 100, false, reduceNone},
		{"empty reductions", 10, 0, false, reduceThread},
		{"short rows", 1 << 20, 8, false, reduceThread},
		{"many rows", 1000, 5000, false, reduceBlock},
		{"a column sum", 1 << 16, 1 << 12, true, reduceThread},
		{"few long columns", 10, 1 << 20, true, reduceSplit},
		{"a sum of everything", 1, 1 << 24, false, reduceSplit},
		{"two long rows", 2, 70000, false, reduceSplit},
		{"one middling row", 1, 5000, false, reduceBlock},
	}
	for _, c := range cases {
		p := planReduce(c.outer, c.inner, c.adjacent, sms)
		assert.Equal(t, c.kind, p.kind, "%s: %v", c.name, p)
	}

	p := planReduce(1, 1<<24, false, sms)
	assert.Equal(t, 1<<24/(4*sms)+1, p.chunk, "enough chunks for four blocks per multiprocessor")
	assert.Equal(t, (1<<24+p.chunk-1)/p.chunk, p.nchunks)
	assert.GreaterOrEqual(t, p.chunk*p.nchunks, 1<<24)
	assert.Equal(t, launch{grid: p.nchunks, block: 256}, p.first)
	assert.Equal(t, launch{grid: 1, block: 256}, p.finish)

	p = planReduce(2, 70000, false, sms)
	assert.Equal(t, minChunk, p.chunk, "chunks never go below minChunk")
	assert.Equal(t, 18, p.nchunks)
	assert.Equal(t, launch{grid: 36, block: 256}, p.first)
	assert.Equal(t, launch{grid: 2, block: 32}, p.finish)

	p = planReduce(1000, 5000, false, sms)
	assert.Equal(t, launch{grid: 1000, block: 256}, p.first)
	p = planReduce(5, 40, false, sms)
	assert.Equal(t, reduceBlock, p.kind)
	assert.Equal(t, launch{grid: 5, block: 64}, p.first)
	assert.Equal(t, "split", reduceSplit.String())
}
