package tensor

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestRNNSequenceTemporaries checks that a kept sequence lists each buffer it holds exactly
// once (the LSTM's projection doubles as its activations), so that a caller releasing them
// returns every buffer to the pool, none twice.
func TestRNNSequenceTemporaries(t *testing.T) {
	r := NewRNG(1)
	const T, B, I, H = 3, 2, 4, 5
	for _, mode := range []RNNMode{LSTM, GRU, RNNTanh} {
		G := mode.Gates()
		w := RNNWeights{WIh: r.Normal(Shape{G * H, I}, 0, 0.3), WHh: r.Normal(Shape{G * H, H}, 0, 0.3)}
		x := r.Normal(Shape{T, B, I}, 0, 1)
		_, _, _, seq := RNNForward(mode, x, w, nil, nil, nil, false, true)
		require.NotNil(t, seq)
		tmp := seq.Temporaries()
		seen := map[*Tensor]bool{}
		for _, x := range tmp {
			assert.False(t, seen[x], "%v: a temporary listed twice", mode)
			seen[x] = true
		}
		assert.True(t, seen[seq.gi], "%v: the projection is not listed", mode)
		assert.True(t, seen[seq.act], "%v: the activations are not listed", mode)
		want := map[RNNMode]int{LSTM: 5, GRU: 4, RNNTanh: 3}[mode] // xp, gi (= act but for the GRU), act, hPrev; LSTM: cs, c0
		assert.Len(t, tmp, want, "%v", mode)
		// What a sequence keeps, in elements: the LSTM keeps no copy of each step's previous
		// cell state (the previous step's row of cs is that state), only the initial one.
		n := 0
		for _, x := range tmp {
			n += x.Numel()
		}
		N := T * B
		wantN := map[RNNMode]int{LSTM: N*I + N*4*H + N*H + N*H + B*H, GRU: N*I + N*3*H + N*4*H + N*H, RNNTanh: N*I + N*H + N*H}[mode]
		assert.Equal(t, wantN, n, "%v: elements kept", mode)
		for _, x := range tmp {
			x.Release()
		}
	}
}
