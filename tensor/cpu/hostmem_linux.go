package cpu

import (
	"math"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
)

// hostMemory returns the bytes of memory this process may use at most: the machine's
// physical memory, or the memory limit of its control group when that is lower.
var hostMemory = sync.OnceValue(func() int64 {
	limit := int64(math.MaxInt64)
	var si syscall.Sysinfo_t
	if syscall.Sysinfo(&si) == nil && si.Totalram > 0 {
		limit = int64(si.Totalram) * int64(max(si.Unit, 1))
	}
	for _, f := range []string{"/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"} {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		if v, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64); err == nil && v > 0 && v < limit {
			limit = v
		}
	}
	return limit
})
