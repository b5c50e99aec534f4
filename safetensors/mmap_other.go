//go:build !unix

package safetensors

import "os"

// mmapFile reports that this system maps nothing: files are read in chunks.
func mmapFile(*os.File, int64) ([]byte, func() error, bool) { return nil, nil, false }
