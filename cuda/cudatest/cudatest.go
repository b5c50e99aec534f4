//go:build cuda && cgo

package cudatest

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/godl/godl/cuda"
	"github.com/godl/godl/tensor"
	"github.com/stretchr/testify/require"
)

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

// EmulatorLibrary builds the emulated driver and cuBLAS once per process, from the sources
// in cuda/kernels and cuda/emu, into the user's cache folder keyed by a hash of the sources
// and the compiler (so that the next run reuses it), and returns the shared library's path.
// It fails the test when there is no C++ compiler.
func EmulatorLibrary(t testing.TB) string {
	t.Helper()
	emuOnce.Do(func() { emuPath, emuErr = buildEmulator() })
	require.NoError(t, emuErr)
	return emuPath
}

// sourceDir returns the folder of package cuda's sources, found from this file's path.
func sourceDir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..")
}

func buildEmulator() (string, error) {
	compiler, err := cxx()
	if err != nil {
		return "", err
	}
	dir := sourceDir()
	srcs, err := filepath.Glob(filepath.Join(dir, "kernels", "*.cu"))
	if err != nil {
		return "", err
	}
	if len(srcs) == 0 {
		return "", fmt.Errorf("no kernel sources in %s: the emulator is built from a source tree", filepath.Join(dir, "kernels"))
	}
	sort.Strings(srcs)
	srcs = append(srcs, filepath.Join(dir, "emu", "emu.cpp"))
	deps, _ := filepath.Glob(filepath.Join(dir, "kernels", "*.cuh"))
	deps = append(deps, filepath.Join(dir, "emu", "emu.h"))
	args := []string{"-std=c++17", "-O1", "-fPIC", "-shared", "-DGODL_EMU", "-ffp-contract=off", "-Wall", "-Werror", "-x", "c++"}
	h := sha256.New()
	fmt.Fprintln(h, compiler, strings.Join(args, " "))
	for _, f := range append(append([]string{}, srcs...), deps...) {
		b, err := os.ReadFile(f)
		if err != nil {
			return "", err
		}
		fmt.Fprintln(h, filepath.Base(f), len(b))
		h.Write(b)
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		cache = os.TempDir()
	}
	cache = filepath.Join(cache, "godl", "cuda-emulator")
	if err := os.MkdirAll(cache, 0o755); err != nil {
		return "", err
	}
	out := filepath.Join(cache, "libgodlcudaemu-"+hex.EncodeToString(h.Sum(nil))[:16]+".so")
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

// Emulator returns the device of the emulated driver and cuBLAS (building them first), named
// cuda:0 like the first GPU.
func Emulator(t testing.TB) tensor.Device {
	t.Helper()
	lib := EmulatorLibrary(t)
	dev, err := cuda.OpenLibraries(cuda.Libraries{Driver: lib, BLAS: lib}, 0)
	require.NoError(t, err)
	return dev
}

// GPU returns cuda:0 on a real GPU, or skips the test, saying there is none and why (fails
// it when RequireGPUEnv is set).
func GPU(t testing.TB) tensor.Device {
	t.Helper()
	dev, err := tensor.GetDevice("cuda:0")
	if err != nil && os.Getenv(RequireGPUEnv) != "" {
		require.NoError(t, err, "%s is set, and cuda:0 does not open", RequireGPUEnv)
	}
	if err != nil {
		t.Skipf("no CUDA GPU on this machine (%v): this test runs on a machine with an NVIDIA GPU and its driver", err)
	}
	return dev
}

// HaveGPU reports whether cuda:0 opens on a real GPU.
func HaveGPU() bool {
	_, err := tensor.GetDevice("cuda:0")
	return err == nil
}

// RequireGPUEnv names the environment variable that makes Device fail, instead of falling
// back on the emulator, when cuda:0 does not open (scripts/gpu-check.sh sets it).
const RequireGPUEnv = "GODL_CUDA_REQUIRE_GPU"

// Device returns the GPU when the machine has one, the emulator otherwise, and logs which.
// With RequireGPUEnv set, it fails the test when there is no GPU.
func Device(t testing.TB) tensor.Device {
	t.Helper()
	var dev tensor.Device
	switch {
	case HaveGPU():
		dev = GPU(t)
	case os.Getenv(RequireGPUEnv) != "":
		_, err := tensor.GetDevice("cuda:0")
		require.NoError(t, err, "%s is set, and cuda:0 does not open", RequireGPUEnv)
	default:
		dev = Emulator(t)
	}
	if info, ok := cuda.DeviceInfo(dev); ok {
		t.Logf("running on %s: %s", dev.Name(), info.Name)
	}
	return dev
}
