package cuda

// Launch configurations. Kernels loop over their work with a grid stride, so any grid covers
// any size; these functions pick grids that fill the GPU without launching more blocks than
// there is work for.

const (
	blockSize = 256 // MAX_BLOCK in common.cuh: threads per block of the elementwise kernels
	// wavesPerSM caps a grid at this many blocks per multiprocessor: enough to hide latency,
	// few enough that each thread loops a while on a large tensor.
	wavesPerSM = 32
)

// launch is a kernel's grid and block size (one-dimensional).
type launch struct {
	grid, block int
}

// gridFor returns the launch of an elementwise kernel over n items (elements, or Philox
// blocks) on a GPU with sms multiprocessors: one thread per item up to the cap. It returns a
// zero launch for no items.
func gridFor(n, sms int) launch {
	if n <= 0 {
		return launch{}
	}
	blocks := (n + blockSize - 1) / blockSize
	return launch{grid: min(blocks, max(sms, 1)*wavesPerSM), block: blockSize}
}

// blockFor returns the block size for a block that cooperates on n items: the power of two
// at or above n, between 32 (a warp) and blockSize.
func blockFor(n int) int {
	b := 32
	for b < n && b < blockSize {
		b *= 2
	}
	return b
}

// rowsFor returns the launch of a kernel that gives each of rows a block of threads that
// cooperate on n items (a softmax row, a reduction's output).
func rowsFor(rows, n, sms int) launch {
	if rows <= 0 {
		return launch{}
	}
	return launch{grid: min(rows, max(sms, 1)*wavesPerSM), block: blockFor(n)}
}

// reduceKind is how a reduction spreads over the GPU.
type reduceKind uint8

const (
	reduceNone   reduceKind = iota // no outputs: nothing to launch
	reduceThread                   // one thread per output
	reduceBlock                    // one block per output
	reduceSplit                    // several blocks per output, then one block merges their partials
)

var reduceKindNames = [...]string{"none", "thread", "block", "split"}

func (k reduceKind) String() string { return reduceKindNames[k] }

// reducePlan is how a reduction runs: its kind, the launch of its (first) kernel, and for a
// split, the chunk of reduced elements each block of the first pass takes, the number of
// chunks per output and the launch of the second pass.
type reducePlan struct {
	kind    reduceKind
	first   launch
	chunk   int
	nchunks int
	finish  launch
}

const (
	// shortReduce: up to this many elements per output, a thread does each output alone.
	shortReduce = 32
	// splitReduce: from this many elements per output on, few outputs share the GPU.
	splitReduce = 1 << 14
	// minChunk is the least number of elements a block of the first split pass takes.
	minChunk = 4096
)

// planReduce chooses how to reduce inner elements into each of outer outputs on a GPU with
// sms multiprocessors. adjacent says that neighbouring outputs read neighbouring source
// elements (a column sum over a row-major matrix), so that one thread per output reads
// memory in coalesced rows whatever inner is.
func planReduce(outer, inner int, adjacent bool, sms int) reducePlan {
	sms = max(sms, 1)
	switch {
	case outer <= 0:
		return reducePlan{kind: reduceNone}
	case inner <= shortReduce || (adjacent && outer >= 32*sms):
		return reducePlan{kind: reduceThread, first: gridFor(outer, sms)}
	case inner >= splitReduce && outer < 4*sms:
		// Enough chunks to give each multiprocessor a few blocks, each of at least minChunk
		// elements.
		want := (4*sms + outer - 1) / outer
		chunk := max(minChunk, (inner+want-1)/want)
		nchunks := (inner + chunk - 1) / chunk
		return reducePlan{kind: reduceSplit, chunk: chunk, nchunks: nchunks,
			first:  rowsFor(outer*nchunks, chunk, sms),
			finish: rowsFor(outer, nchunks, sms)}
	}
	return reducePlan{kind: reduceBlock, first: rowsFor(outer, inner, sms)}
}

// partBytes is the size of one partial result of a split reduction (Part in reduce.cu).
const partBytes = 32
