// dendrax: the serial elimination of a forest-shaped symmetric system on the CPU (an XLA FFI
// handler; built and loaded by native.py).
//
// Solves A x = rhs where A has `diag` on its diagonal and, for each non-root node k, the
// entry weight[k] at (k, parent[k]) and (parent[k], k). `order` lists the nodes children
// before parents; the elimination visits it forwards (each node into its parent: Hines 1984)
// and the back-substitution backwards. Leading axes of diag, rhs and weight are a batch
// (size 1 = shared by every batch element); the last axis is the node axis.
#include <cstdint>
#include <vector>

#include "xla/ffi/api/ffi.h"

namespace ffi = xla::ffi;

template <ffi::DataType T>
static ffi::Error Solve(ffi::Buffer<T> diag, ffi::Buffer<T> rhs, ffi::Buffer<T> weight,
                        ffi::Buffer<ffi::S32> order, ffi::Buffer<ffi::S32> parent,
                        ffi::ResultBuffer<T> out) {
  using V = ffi::NativeType<T>;
  const auto dims = out->dimensions();
  if (dims.size() == 0) return ffi::Error::InvalidArgument("the solve needs a node axis");
  const int64_t n = dims.back();
  if (n == 0) return ffi::Error::Success();
  const int64_t batch = static_cast<int64_t>(out->element_count()) / n;
  const int64_t n_diag = static_cast<int64_t>(diag.element_count()) / n;
  const int64_t n_rhs = static_cast<int64_t>(rhs.element_count()) / n;
  const int64_t n_weight = static_cast<int64_t>(weight.element_count()) / n;
  if (static_cast<int64_t>(order.element_count()) != n || static_cast<int64_t>(parent.element_count()) != n)
    return ffi::Error::InvalidArgument("order and parent must have one entry per node");
  for (const int64_t count : {static_cast<int64_t>(diag.element_count()), static_cast<int64_t>(rhs.element_count()),
                              static_cast<int64_t>(weight.element_count())}) {
    if (count % n != 0 || (count / n != 1 && count / n != batch))
      return ffi::Error::InvalidArgument("diag, rhs and weight must have n entries per batch element (or n in all)");
  }
  const int32_t* ord = order.typed_data();
  const int32_t* par = parent.typed_data();
  thread_local std::vector<V> pivot, inverse;  // pivots and their reciprocals
  pivot.resize(n);
  inverse.resize(n);
  for (int64_t b = 0; b < batch; ++b) {
    const V* d = diag.typed_data() + (n_diag == 1 ? 0 : b * n);
    const V* r = rhs.typed_data() + (n_rhs == 1 ? 0 : b * n);
    const V* w = weight.typed_data() + (n_weight == 1 ? 0 : b * n);
    V* x = out->typed_data() + b * n;
    for (int64_t i = 0; i < n; ++i) {
      pivot[i] = d[i];
      x[i] = r[i];
    }
    // One division per node: its pivot is final when it is visited (children come first).
    for (int64_t j = 0; j < n; ++j) {
      const int32_t k = ord[j];
      const int32_t p = par[k];
      const V inv = V(1) / pivot[k];
      inverse[k] = inv;
      if (p >= 0) {
        const V f = w[k] * inv;
        pivot[p] -= f * w[k];
        x[p] -= f * x[k];
      }
    }
    for (int64_t j = n - 1; j >= 0; --j) {
      const int32_t k = ord[j];
      const int32_t p = par[k];
      x[k] = (p >= 0 ? x[k] - w[k] * x[p] : x[k]) * inverse[k];
    }
  }
  return ffi::Error::Success();
}

#define DENDRAX_BIND(T)                 \
  ffi::Ffi::Bind()                      \
      .Arg<ffi::Buffer<T>>()            \
      .Arg<ffi::Buffer<T>>()            \
      .Arg<ffi::Buffer<T>>()            \
      .Arg<ffi::Buffer<ffi::S32>>()     \
      .Arg<ffi::Buffer<ffi::S32>>()     \
      .Ret<ffi::Buffer<T>>()

XLA_FFI_DEFINE_HANDLER_SYMBOL(DendraxTreeSolveF64, Solve<ffi::F64>, DENDRAX_BIND(ffi::F64));
XLA_FFI_DEFINE_HANDLER_SYMBOL(DendraxTreeSolveF32, Solve<ffi::F32>, DENDRAX_BIND(ffi::F32));
