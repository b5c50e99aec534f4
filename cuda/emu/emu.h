// emu.h: what the kernel sources see when they are compiled for the host, into the emulated
// driver (emu.cpp): the CUDA built-in variables, __syncthreads, and the registry of kernels
// by name. See emu.cpp.
#pragma once
#include <cstddef>

struct uint3 {
  unsigned x, y, z;
};
struct dim3 {
  unsigned x, y, z;
};

namespace godl_emu {

// The built-in variables of the thread that runs: the scheduler sets them before it resumes a
// thread of a block.
extern thread_local uint3 tid, bid;
extern thread_local dim3 bdim, gdim;

// syncthreads is __syncthreads: the calling thread waits until every thread of its block has
// called it.
void syncthreads();

// Registrar records a kernel of a source file at load time: its name, the size of its
// argument struct, whether its threads synchronise (KERNEL_SYNC), and a function that runs
// one thread of it on an argument struct.
struct Registrar {
  Registrar(const char *name, size_t args, bool sync, void (*run)(const void *args));
};

} // namespace godl_emu

#define threadIdx godl_emu::tid
#define blockIdx godl_emu::bid
#define blockDim godl_emu::bdim
#define gridDim godl_emu::gdim
