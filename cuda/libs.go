package cuda

import (
	"os"
	"path/filepath"
	"strings"

	"github.com/godl/godl/tensor/device"
)

// LibraryPathEnv names the environment variable with the folders (separated by colons) where
// the backend looks for the CUDA driver and cuBLAS before the usual places: set it when
// cuBLAS comes from somewhere the dynamic loader does not search, such as a Python wheel's
// nvidia/cublas/lib folder.
const LibraryPathEnv = "GODL_CUDA_LIBRARY_PATH"

// Libraries names the shared libraries a device uses, by path. An empty field means the
// usual search: the folders of LibraryPathEnv, then the dynamic loader's own search, then the
// usual CUDA install folders.
type Libraries struct {
	Driver string // libcuda.so.1
	BLAS   string // libcublas.so.12 (or .13, .11)
}

// library is a shared library the backend needs: what to call it in messages and the names
// it goes by, newest first.
type library struct {
	what    string
	sonames []string
}

var (
	driverLibrary = library{"the CUDA driver", []string{"libcuda.so.1", "libcuda.so"}}
	blasLibrary   = library{"cuBLAS", []string{"libcublas.so.13", "libcublas.so.12", "libcublas.so.11", "libcublas.so"}}
)

// usualDirs are the folders where CUDA installs put its libraries, searched after the
// dynamic loader's own search has failed.
var usualDirs = []string{
	"/usr/local/cuda/lib64",
	"/usr/local/cuda/targets/x86_64-linux/lib",
	"/usr/local/nvidia/lib64",
	"/usr/lib/x86_64-linux-gnu",
	"/usr/lib64",
	"/usr/lib/wsl/lib",
}

// candidates returns the paths to try for lib, in order: explicit alone when it is set;
// otherwise each soname in each folder of env (the value of LibraryPathEnv), each bare soname
// (which dlopen looks up in LD_LIBRARY_PATH, the loader's cache and the system folders), and
// each soname in the usual folders. No path appears twice.
func candidates(lib library, explicit, env string) []string {
	if explicit != "" {
		return []string{explicit}
	}
	var out []string
	seen := map[string]bool{}
	add := func(p string) {
		if !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	for _, dir := range strings.Split(env, ":") {
		if dir = strings.TrimSpace(dir); dir != "" {
			for _, s := range lib.sonames {
				add(filepath.Join(dir, s))
			}
		}
	}
	for _, s := range lib.sonames {
		add(s)
	}
	for _, dir := range usualDirs {
		for _, s := range lib.sonames {
			add(filepath.Join(dir, s))
		}
	}
	return out
}

// openFirst tries the candidates for lib with open (dlopen in the cgo build) and returns the
// first handle that loads, with its path. When none loads, the error names the library, every
// path tried with the loader's message, and the environment variable to set.
func openFirst[H any](lib library, explicit string, open func(path string) (H, error)) (H, string, error) {
	var zero H
	var missing, failed []string
	for _, p := range candidates(lib, explicit, os.Getenv(LibraryPathEnv)) {
		h, err := open(p)
		if err == nil {
			return h, p, nil
		}
		// The loader's message repeats the path; keep what follows it.
		msg := strings.TrimPrefix(err.Error(), p+": ")
		if strings.Contains(msg, "No such file or directory") {
			missing = append(missing, p)
		} else {
			failed = append(failed, p+" ("+msg+")")
		}
	}
	var why []string
	if len(missing) > 0 {
		why = append(why, "not found: "+strings.Join(missing, ", "))
	}
	if len(failed) > 0 {
		why = append(why, "failed: "+strings.Join(failed, ", "))
	}
	return zero, "", &device.Error{Op: "cuda.Open", Msg: "cannot load " + lib.what + " (" +
		strings.Join(why, "; ") + "); set " + LibraryPathEnv + " to the folder that holds it"}
}
