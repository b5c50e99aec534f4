package cuda

import (
	"errors"
	"path/filepath"
	"testing"

	"github.com/godl/godl/tensor"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCandidatesSearchOrder(t *testing.T) {
	c := candidates(driverLibrary, "", "/opt/a: /opt/b ::")
	require.GreaterOrEqual(t, len(c), 6)
	assert.Equal(t, []string{"/opt/a/libcuda.so.1", "/opt/a/libcuda.so", "/opt/b/libcuda.so.1", "/opt/b/libcuda.so",
		"libcuda.so.1", "libcuda.so"}, c[:6], "the variable's folders, then the loader's own search")
	assert.Contains(t, c, "/usr/local/cuda/lib64/libcuda.so.1")
	seen := map[string]bool{}
	for _, p := range c {
		assert.False(t, seen[p], "%s twice", p)
		seen[p] = true
	}
	assert.Equal(t, []string{"/x/libcublas.so.12"}, candidates(blasLibrary, "/x/libcublas.so.12", "/opt/a"), "an explicit path alone")
	b := candidates(blasLibrary, "", "")
	assert.Equal(t, "libcublas.so.13", b[0], "newest first")
	assert.Equal(t, "libcublas.so.12", b[1])
}

type fakeHandle struct{ path string }

func TestOpenFirstTakesTheFirstThatLoads(t *testing.T) {
	dir := t.TempDir()
	t.Setenv(LibraryPathEnv, dir)
	var tried []string
	h, path, err := openFirst(blasLibrary, "", func(p string) (fakeHandle, error) {
		tried = append(tried, p)
		if p == "libcublas.so.12" {
			return fakeHandle{p}, nil
		}
		return fakeHandle{}, errors.New(p + ": cannot open shared object file: No such file or directory")
	})
	require.NoError(t, err)
	assert.Equal(t, "libcublas.so.12", path)
	assert.Equal(t, fakeHandle{"libcublas.so.12"}, h)
	assert.Equal(t, []string{filepath.Join(dir, "libcublas.so.13"), filepath.Join(dir, "libcublas.so.12"),
		filepath.Join(dir, "libcublas.so.11"), filepath.Join(dir, "libcublas.so"), "libcublas.so.13", "libcublas.so.12"}, tried)
}

// TestOpenFirstSaysWhatItTried is the error of a machine without the library: it names the
// library, every path tried (with the loader's message where it is not "no such file"), and
// the environment variable.
func TestOpenFirstSaysWhatItTried(t *testing.T) {
	t.Setenv(LibraryPathEnv, "/nowhere")
	_, _, err := openFirst(driverLibrary, "", func(p string) (*fakeHandle, error) {
		if p == "libcuda.so" {
			return nil, errors.New(p + ": wrong ELF class: ELFCLASS32")
		}
		return nil, errors.New(p + ": cannot open shared object file: No such file or directory")
	})
	require.Error(t, err)
	var e *tensor.Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, "cuda.Open", e.Op)
	msg := err.Error()
	assert.Contains(t, msg, "cuda.Open: cannot load the CUDA driver (not found: /nowhere/libcuda.so.1, /nowhere/libcuda.so, libcuda.so.1, /usr/local/cuda/lib64/libcuda.so.1")
	assert.Contains(t, msg, "; failed: libcuda.so (wrong ELF class: ELFCLASS32)); set GODL_CUDA_LIBRARY_PATH to the folder that holds it")
	assert.NotContains(t, msg, "No such file")
}

// TestOpenFirstExplicitPath: a path given explicitly is the only one tried.
func TestOpenFirstExplicitPath(t *testing.T) {
	p := filepath.Join(t.TempDir(), "libcuda.so.1")
	_, _, err := openFirst(driverLibrary, p, func(q string) (int, error) {
		return 0, errors.New(q + ": invalid ELF header")
	})
	require.Error(t, err)
	assert.Equal(t, "cuda.Open: cannot load the CUDA driver (failed: "+p+" (invalid ELF header)); set GODL_CUDA_LIBRARY_PATH to the folder that holds it", err.Error())
}
