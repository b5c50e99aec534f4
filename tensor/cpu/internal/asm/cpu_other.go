//go:build noasm || !amd64

package asm

var (
	best   = Generic
	caches Caches
)
