package main

import (
	"fmt"
	"math"
	"os"
	"runtime/debug"
	"runtime/metrics"
	"strconv"
	"strings"
)

// memGovernor keeps the Go runtime's soft memory limit (debug.SetMemoryLimit) a margin above
// the largest live heap the run has shown so far: 30% of it plus 32 MiB for the runtime's own
// memory. A limit makes the runtime return freed pages to the system promptly instead of
// keeping them for reuse (the difference between a run's peak resident memory and its live
// data), and collect before the heap overshoots; following the run's own peak, it never
// holds a larger model below what it needs, so the collector never runs back to back.
type memGovernor struct {
	sample  []metrics.Sample
	maxLive uint64
}

func newMemGovernor() *memGovernor {
	return &memGovernor{sample: []metrics.Sample{{Name: "/gc/heap/live:bytes"}}}
}

// limitFor returns the limit the governor sets for a largest live heap of live bytes.
func limitFor(live uint64) int64 {
	return int64(live+live*3/10) + 32<<20
}

// update reads the live heap (as of the last collection) and raises the limit when it grew.
func (g *memGovernor) update() {
	metrics.Read(g.sample)
	if g.sample[0].Value.Kind() != metrics.KindUint64 {
		return
	}
	live := g.sample[0].Value.Uint64()
	if live <= g.maxLive {
		return
	}
	g.maxLive = live
	debug.SetMemoryLimit(limitFor(live))
}

// memLimit is what -memlimit asks: the governor (auto), no limit (off), or a fixed one.
type memLimit struct {
	auto  bool
	bytes int64 // fixed limit; math.MaxInt64 for none
}

// defaultMemLimit is GOMEMLIMIT when the environment sets it, and auto otherwise.
func defaultMemLimit() string {
	if v := os.Getenv("GOMEMLIMIT"); v != "" {
		return v
	}
	return "auto"
}

// parseMemLimit reads "auto", "off" or a size as GOMEMLIMIT writes it: a number of bytes with
// an optional B, KiB, MiB, GiB or TiB suffix.
func parseMemLimit(s string) (memLimit, error) {
	switch s {
	case "auto":
		return memLimit{auto: true}, nil
	case "off", "0":
		return memLimit{bytes: math.MaxInt64}, nil
	}
	num, mul := s, int64(1)
	for _, u := range []struct {
		suffix string
		mul    int64
	}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"TiB", 1 << 40}, {"B", 1}} {
		if strings.HasSuffix(s, u.suffix) {
			num, mul = strings.TrimSuffix(s, u.suffix), u.mul
			break
		}
	}
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil || n <= 0 || n > math.MaxInt64/mul {
		return memLimit{}, fmt.Errorf("newsgroups: -memlimit %q is not auto, off or a size such as 300MiB or 2GiB", s)
	}
	return memLimit{bytes: n * mul}, nil
}
