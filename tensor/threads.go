package tensor

import "github.com/godl/godl/internal/parallel"

// SetNumThreads sets how many goroutines one operation may use (n < 1 means GOMAXPROCS) and
// returns the previous setting. Results do not depend on it.
func SetNumThreads(n int) int { return parallel.SetThreads(n) }

// NumThreads returns how many goroutines one operation may use.
func NumThreads() int { return parallel.Threads() }
