//go:build noasm || !amd64

package asm

func fmaLoop(_ Level, n int) int { return fmaLoopGo(n) }
