package cuda

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/godl/godl/tensor/device"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// ptxEntries reads every checked-in PTX module and returns its kernels with the size of their
// one parameter in bytes.
func ptxEntries(t *testing.T) map[string]int {
	files, err := filepath.Glob("kernels/*.ptx")
	require.NoError(t, err)
	require.NotEmpty(t, files, "no PTX in kernels/: run go generate ./cuda")
	entry := regexp.MustCompile(`(?m)^\.visible \.entry (\w+)\(\s*\n\s*\.param \.align 8 \.b8 \w+\[(\d+)\]\s*\n\s*\)`)
	out := map[string]int{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		require.NoError(t, err)
		src := string(b)
		assert.NotContains(t, src, "\n.extern", "%s calls a function it does not define", f)
		assert.Equal(t, strings.Count(src, ".entry "), len(entry.FindAllString(src, -1)),
			"%s has a kernel whose parameters are not one struct", f)
		for _, m := range entry.FindAllStringSubmatch(src, -1) {
			n, err := strconv.Atoi(m[2])
			require.NoError(t, err)
			_, dup := out[m[1]]
			assert.False(t, dup, "kernel %s defined twice", m[1])
			out[m[1]] = n
		}
	}
	return out
}

// TestKernelTableMatchesPTX checks that every kernel the host launches is in the PTX with an
// argument struct of the size the host packs, and that the PTX holds no kernel the host does
// not know.
func TestKernelTableMatchesPTX(t *testing.T) {
	ptx := ptxEntries(t)
	table := kernelTable()
	for name, words := range table {
		size, ok := ptx[name]
		if assert.True(t, ok, "kernel %s is not in the PTX", name) {
			assert.Equal(t, 8*words, size, "argument struct of %s: %d bytes in the PTX, the host packs %d words", name, size, words)
		}
	}
	for name := range ptx {
		_, ok := table[name]
		assert.True(t, ok, "the PTX defines %s, which the host never launches", name)
	}
	assert.Len(t, ptx, 63)
}

// enumNames returns the names of the C enum called name in a kernel source, in order.
func enumNames(t *testing.T, file, name string) []string {
	b, err := os.ReadFile(filepath.Join("kernels", file))
	require.NoError(t, err)
	m := regexp.MustCompile(`enum ` + name + ` \{([^}]*)\}`).FindStringSubmatch(string(b))
	require.NotNil(t, m, "enum %s not found in %s", name, file)
	var out []string
	for _, f := range strings.Split(m[1], ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

// cName turns a Go op name into the kernels' constant: GELUGrad → GELU_GRAD, RSubScalar →
// RSUB_SCALAR, ArgMax → ARGMAX.
func cName(s string) string {
	special := map[string]string{"GELUGrad": "GELU_GRAD", "ReLU": "RELU", "LeakyReLU": "LEAKY_RELU",
		"RSubScalar": "RSUB_SCALAR", "RDivScalar": "RDIV_SCALAR", "RPowScalar": "RPOW_SCALAR",
		"Log1p": "LOG1P", "RNNTanh": "RNN_TANH", "RNNReLU": "RNN_RELU"}
	if v, ok := special[s]; ok {
		return v
	}
	var b strings.Builder
	rs := []rune(s)
	for i, r := range rs {
		upper := func(r rune) bool { return r >= 'A' && r <= 'Z' }
		if i > 0 && upper(r) && (!upper(rs[i-1]) || i+1 < len(rs) && !upper(rs[i+1])) {
			b.WriteByte('_')
		}
		b.WriteRune(r)
	}
	return strings.ToUpper(b.String())
}

// TestKernelEnumsFollowTheContract checks that the op codes the kernels switch on are
// device's enumerations, in the same order: the host passes the Go value as it is.
func TestKernelEnumsFollowTheContract(t *testing.T) {
	var unary []string
	for op := device.UnaryOp(0); op < device.NumUnaryOps; op++ {
		unary = append(unary, "OP_"+cName(op.String()))
	}
	assert.Equal(t, unary, enumNames(t, "elementwise.cu", "UnaryOp"))

	var binary []string
	for op := device.BinaryOp(0); op < device.NumBinaryOps; op++ {
		binary = append(binary, "OP_"+cName(op.String()))
	}
	assert.Equal(t, binary, enumNames(t, "elementwise.cu", "BinaryOp"))

	var reduce []string
	for op := device.ReduceOp(0); op < device.NumReduceOps; op++ {
		reduce = append(reduce, "R_"+cName(op.String()))
	}
	assert.Equal(t, reduce, enumNames(t, "reduce.cu", "ReduceOp"))

	var dists []string
	for d := device.Distribution(0); d < device.NumDistributions; d++ {
		dists = append(dists, "D_"+cName(d.String()))
	}
	assert.Equal(t, dists, enumNames(t, "random.cu", "Distribution"))

	var modes []string
	for m := device.RNNTanh; m <= device.GRU; m++ {
		modes = append(modes, "M_"+cName(m.String()))
	}
	assert.Equal(t, modes, enumNames(t, "rnn.cu", "RNNMode"))
}

// TestKernelErrorCodes checks that the kernels' error codes are the host's.
func TestKernelErrorCodes(t *testing.T) {
	b, err := os.ReadFile("kernels/common.cuh")
	require.NoError(t, err)
	want := map[string]int{"ERR_INDEX_SELECT": errIndexSelect, "ERR_GATHER": errGather,
		"ERR_SCATTER_ADD": errScatterAdd, "ERR_INDEX_ADD": errIndexAdd, "ERR_DIV_ZERO": errDivZero,
		"ERR_NEG_POW": errNegPow}
	for name, code := range want {
		assert.Regexp(t, `#define `+name+` `+strconv.Itoa(code)+`\n`, string(b))
	}
	assert.Regexp(t, `#define MAXD `+strconv.Itoa(maxDims)+`\n`, string(b))
	assert.Regexp(t, `#define MAXOPS `+strconv.Itoa(maxOps)+`\n`, string(b))
	assert.Regexp(t, `#define MAX_BLOCK `+strconv.Itoa(blockSize)+`\n`, string(b))
}

// TestKernelsRoundEveryOperation checks the PTX for what the emulator cannot see: no fused
// multiply-add, and every floating-point addition, subtraction and multiplication with an
// explicit rounding mode (.rn), which the driver's JIT must not contract into a fused
// multiply-add either. The kernels round each operation where the CPU does (the optimizer
// updates, the recurrent cells) only if the GPU does too.
func TestKernelsRoundEveryOperation(t *testing.T) {
	files, err := filepath.Glob("kernels/*.ptx")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	arith := regexp.MustCompile(`(?m)^\s+(add|sub|mul)((\.\w+)*)\.f(32|64)\s`)
	for _, f := range files {
		b, err := os.ReadFile(f)
		require.NoError(t, err)
		src := string(b)
		assert.NotRegexp(t, `(?m)^\s+fma\.`, src, "%s has a fused multiply-add", f)
		for _, m := range arith.FindAllStringSubmatch(src, -1) {
			assert.Contains(t, m[2], ".rn", "%s: %q has no explicit rounding", f, strings.TrimSpace(m[0]))
		}
	}
	optim, err := os.ReadFile("kernels/optim.ptx")
	require.NoError(t, err)
	assert.Regexp(t, `mul\.rn\.f32`, string(optim))
}
