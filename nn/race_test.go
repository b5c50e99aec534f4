//go:build race

package nn

// raceEnabled reports whether the tests run under the race detector, which changes what
// allocates (sync.Pool drops items at random), so allocation counts are not compared there.
const raceEnabled = true
