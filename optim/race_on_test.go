//go:build race

package optim

// raceEnabled reports a build with the race detector, under which sync.Pool drops items at
// random, so that allocation counts mean nothing.
const raceEnabled = true
