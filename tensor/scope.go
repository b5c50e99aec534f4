package tensor

// Scope collects temporaries that die together, so that code computing with them reads as
// the math it does instead of a list of Release calls:
//
//	var s tensor.Scope
//	defer s.Release()
//	m := s.Own(x.MaxKeepDim(1))
//	e := s.Own(x.Sub(m)).ApplyInPlace(tensor.OpExp, 0, 0)
//	return e.SumKeepDim(1) // not owned: handed to the caller
//
// Own registers a tensor and returns it; Release releases every registered tensor (releasing
// one twice is harmless). The zero Scope is ready to use. A Scope is not safe for concurrent
// use.
type Scope struct {
	ts     []*Tensor
	inline [8]*Tensor // the first temporaries, without an allocation
}

// Own registers t for release by Release and returns t.
func (s *Scope) Own(t *Tensor) *Tensor {
	if s.ts == nil {
		s.ts = s.inline[:0]
	}
	s.ts = append(s.ts, t)
	return t
}

// Release releases every tensor registered since the last Release.
func (s *Scope) Release() {
	for _, t := range s.ts {
		t.Release()
	}
	clear(s.ts)
	s.ts = s.ts[:0]
}
