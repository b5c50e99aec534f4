package main

import (
	"math"
	"runtime"
	"runtime/debug"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseMemLimit(t *testing.T) {
	for in, want := range map[string]memLimit{
		"auto":   {auto: true},
		"off":    {bytes: math.MaxInt64},
		"0":      {bytes: math.MaxInt64},
		"300MiB": {bytes: 300 << 20},
		"2GiB":   {bytes: 2 << 30},
		"1000":   {bytes: 1000},
		"512B":   {bytes: 512},
		"64KiB":  {bytes: 64 << 10},
	} {
		got, err := parseMemLimit(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, got, in)
	}
	for _, in := range []string{"", "lots", "-5MiB", "3MB", "9999999TiB", "1.5GiB"} {
		_, err := parseMemLimit(in)
		assert.ErrorContains(t, err, "-memlimit", in)
	}
	o, err := parseFlags([]string{"-memlimit", "256MiB"})
	require.NoError(t, err)
	assert.Equal(t, memLimit{bytes: 256 << 20}, o.mem)
}

// The governor raises the runtime's limit to 30% and 32 MiB above the live heap, and never
// lowers it.
func TestMemGovernor(t *testing.T) {
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(-1))
	debug.SetMemoryLimit(math.MaxInt64)
	g := newMemGovernor()
	big := make([]byte, 64<<20)
	for i := range big {
		big[i] = byte(i)
	}
	runtime.GC()
	g.update()
	require.GreaterOrEqual(t, g.maxLive, uint64(len(big)))
	limit := debug.SetMemoryLimit(-1)
	assert.Equal(t, limitFor(g.maxLive), limit)
	assert.GreaterOrEqual(t, limit, int64(len(big))*13/10+32<<20)
	runtime.KeepAlive(big)
	big = nil
	runtime.GC()
	g.update()
	assert.Equal(t, limit, debug.SetMemoryLimit(-1), "a smaller live heap keeps the limit")
}

// Any -memlimit text parses to auto, off, a positive size, or an error naming the flag;
// nothing panics or overflows.
func FuzzParseMemLimit(f *testing.F) {
	for _, s := range []string{"auto", "off", "0", "300MiB", "2GiB", "1", "9223372036854775807", "8388608TiB", "-1B", "KiB"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m, err := parseMemLimit(s)
		if err != nil {
			assert.ErrorContains(t, err, "-memlimit")
			return
		}
		assert.True(t, m.auto || m.bytes > 0, "%q gave %+v", s, m)
	})
}
