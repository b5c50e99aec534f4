//go:build linux

// Package memtest checks that a piece of code stays under a memory ceiling, measured from the
// operating system as the peak resident set size (RSS) of a process that runs only that code.
//
// The code runs in a child process: the test binary itself, started again with -test.run
// naming the calling test, so that nothing else the test binary did (other tests, their
// garbage) counts. It is Linux-only, since it reads the child's peak RSS from its rusage.
package memtest

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"runtime"
	"syscall"
	"testing"

	"github.com/stretchr/testify/require"
)

const childEnv = "GODL_MEMTEST_CHILD"

// UnderLimit runs body in a child process and fails t unless the child's peak RSS stays at
// or below limit bytes. In the child, UnderLimit just runs body (and prints the collector's
// statistics), so that the test passes there once body returns.
func UnderLimit(t *testing.T, limit int64, body func()) {
	t.Helper()
	if os.Getenv(childEnv) == t.Name() {
		body()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		fmt.Printf("memtest: %d collections, heap %d MiB in use, %d MiB obtained from the system\n",
			ms.NumGC, ms.HeapInuse>>20, ms.Sys>>20)
		return
	}
	exe, err := os.Executable()
	require.NoError(t, err)
	cmd := exec.Command(exe, "-test.run=^"+regexp.QuoteMeta(t.Name())+"$", "-test.count=1", "-test.v")
	cmd.Env = append(os.Environ(), childEnv+"="+t.Name())
	// The child dies with the test binary (a -timeout that kills the parent would otherwise
	// leave it running).
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err = cmd.Run()
	require.NoError(t, err, "child process failed:\n%s", out.String())
	ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	require.True(t, ok, "no rusage for the child process")
	peak := ru.Maxrss << 10 // kilobytes on Linux
	for _, line := range bytes.Split(out.Bytes(), []byte("\n")) {
		if s := string(bytes.TrimSpace(line)); s != "" && s != "PASS" && !bytes.HasPrefix(line, []byte("=== ")) && !bytes.HasPrefix(line, []byte("--- ")) {
			t.Log("child: " + s)
		}
	}
	t.Logf("peak RSS %d MiB (ceiling %d MiB)", peak>>20, limit>>20)
	require.LessOrEqual(t, peak, limit, "peak RSS %d MiB is over the %d MiB ceiling", peak>>20, limit>>20)
}
