//go:build cuda && cgo

package cuda_test

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/godl/godl/cuda"
	"github.com/godl/godl/tensor"
	"github.com/stretchr/testify/require"
)

// The emulated driver and cuBLAS (emu/emu.cpp), built from the kernel sources for the host,
// stand in for a GPU: the device tests run on it everywhere, through the same cgo calls as on
// a GPU, and on a real GPU too when there is one.

var (
	emuOnce sync.Once
	emuPath string
	emuErr  error
)

// cxx returns the C++ compiler to build the emulator with: $CXX, or the first of clang++-19,
// clang++ and g++ on the PATH.
func cxx() (string, error) {
	if c := os.Getenv("CXX"); c != "" {
		return c, nil
	}
	for _, c := range []string{"clang++-19", "clang++", "g++"} {
		if p, err := exec.LookPath(c); err == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("no C++ compiler to build the CUDA emulator (install clang-19, or set CXX)")
}

// emulatorLibrary builds the emulator once per process, into the user's cache folder keyed by
// a hash of its sources and compiler (so that a second run reuses it), and returns its path.
func emulatorLibrary(t testing.TB) string {
	t.Helper()
	emuOnce.Do(func() { emuPath, emuErr = buildEmulator() })
	require.NoError(t, emuErr)
	return emuPath
}

func buildEmulator() (string, error) {
	compiler, err := cxx()
	if err != nil {
		return "", err
	}
	srcs, err := filepath.Glob("kernels/*.cu")
	if err != nil {
		return "", err
	}
	sort.Strings(srcs)
	srcs = append(srcs, "emu/emu.cpp")
	deps, _ := filepath.Glob("kernels/*.cuh")
	deps = append(deps, "emu/emu.h")
	args := []string{"-std=c++17", "-O1", "-fPIC", "-shared", "-DGODL_EMU", "-ffp-contract=off", "-Wall", "-Werror", "-x", "c++"}
	h := sha256.New()
	fmt.Fprintln(h, compiler, strings.Join(args, " "))
	for _, f := range append(append([]string{}, srcs...), deps...) {
		b, err := os.ReadFile(f)
		if err != nil {
			return "", err
		}
		fmt.Fprintln(h, f, len(b))
		h.Write(b)
	}
	dir, err := os.UserCacheDir()
	if err != nil {
		dir = os.TempDir()
	}
	dir = filepath.Join(dir, "godl", "cuda-emulator")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	out := filepath.Join(dir, "libgodlcudaemu-"+hex.EncodeToString(h.Sum(nil))[:16]+".so")
	if _, err := os.Stat(out); err == nil {
		return out, nil
	}
	tmp := out + fmt.Sprintf(".%d.tmp", os.Getpid())
	cmd := exec.Command(compiler, append(append(args, srcs...), "-o", tmp, "-lpthread")...)
	if b, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("building the CUDA emulator with %s: %v\n%s", compiler, err, b)
	}
	return out, os.Rename(tmp, out)
}

// emulated returns a device of the emulated driver.
func emulated(t testing.TB) tensor.Device {
	t.Helper()
	lib := emulatorLibrary(t)
	dev, err := cuda.OpenLibraries(cuda.Libraries{Driver: lib, BLAS: lib}, 0)
	require.NoError(t, err)
	return dev
}

// gpu returns cuda:0 on a real GPU, or skips the test with the reason there is none.
func gpu(t testing.TB) tensor.Device {
	t.Helper()
	dev, err := tensor.GetDevice("cuda:0")
	if err != nil {
		t.Skipf("no CUDA GPU here (%v): this test runs on a machine with an NVIDIA GPU and its driver", err)
	}
	return dev
}

// devices runs f on the emulated device and, when there is one, on a real GPU.
func devices(t *testing.T, f func(t *testing.T, dev tensor.Device)) {
	t.Run("emulator", func(t *testing.T) { f(t, emulated(t)) })
	t.Run("gpu", func(t *testing.T) { f(t, gpu(t)) })
}
