//go:build noasm || !amd64

package asm

func sumF32Asm([]float32, *[32]float64) bool { return false }

func maxF32Asm([]float32, *[32]float32) (nan, ok bool) { return false, false }
