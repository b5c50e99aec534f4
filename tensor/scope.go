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
	inline [8]*Tensor // the first temporaries: a Scope on the stack allocates nothing for them
	n      int
	more   []*Tensor
}

// Own registers t for release by Release and returns t.
func (s *Scope) Own(t *Tensor) *Tensor {
	if s.n < len(s.inline) {
		s.inline[s.n] = t
		s.n++
	} else {
		s.more = append(s.more, t)
	}
	return t
}

// Release releases every tensor registered since the last Release.
func (s *Scope) Release() {
	for _, t := range s.inline[:s.n] {
		t.Release()
	}
	for _, t := range s.more {
		t.Release()
	}
	clear(s.inline[:s.n])
	clear(s.more)
	s.n, s.more = 0, s.more[:0]
}
