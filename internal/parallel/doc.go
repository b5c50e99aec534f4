// Package parallel runs loops on a bounded pool of worker goroutines.
//
// Work is always cut into the same fixed-size chunks, whatever the number of threads, so a
// caller that combines per-chunk results in chunk order gets the same answer on 1 thread and
// on 64. Calls may nest: a worker that calls For again runs the inner chunks itself when no
// other worker is idle, so nesting never deadlocks and never exceeds the thread limit.
package parallel
