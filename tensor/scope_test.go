package tensor

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestScopeReleasesWhatItOwns(t *testing.T) {
	var s Scope
	var owned []*Tensor
	for i := range 12 { // more than the inline slots
		owned = append(owned, s.Own(Full(Shape{3}, float64(i))))
	}
	kept := Ones(Shape{3})
	assert.Same(t, owned[5], s.Own(owned[5]), "Own returns its argument; owning twice is harmless")
	for _, x := range owned {
		assert.False(t, x.Released())
	}
	s.Release()
	for _, x := range owned {
		assert.True(t, x.Released())
	}
	assert.False(t, kept.Released())
	// The scope can be used again.
	y := s.Own(Zeros(Shape{2}))
	s.Release()
	assert.True(t, y.Released())
	s.Release()
}

func ExampleScope() {
	x := From([]float32{1, 2, 3, 4}, 2, 2)
	logSumExp := func(x *Tensor) *Tensor {
		var s Scope
		defer s.Release()
		m := s.Own(x.MaxKeepDim(1))
		e := s.Own(x.Sub(m)).ApplyInPlace(OpExp, 0, 0)
		return s.Own(e.SumKeepDim(1)).ApplyInPlace(OpLog, 0, 0).Add(m) // not owned: returned
	}
	fmt.Printf("%.4f\n", logSumExp(x).Float32s())
	// Output:
	// [2.3133 4.3133]
}
