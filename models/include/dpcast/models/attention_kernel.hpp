#pragma once
// How an attention core runs (training.attention). Eager PyTorch writes the scores and the
// probabilities to memory; the fused FlashAttention kernels keep them on chip, and differ in
// how fast they run (FlashAttention-2 paper, Dao 2023, Fig. 4 and 7: the first FlashAttention
// and its Triton version reach about half of FlashAttention-2's throughput).
#include "dpcast/models/enum_names.hpp"

namespace dpcast::models {

enum class AttentionKernel {
  Eager,        // eager PyTorch: products through cuBLAS, softmax through memory
  Flash,        // FlashAttention-2 (flash-attn >= 2.0; PyTorch >= 2.2 SDPA)
  Flash1,       // the first FlashAttention (flash-attn 0.x/1.x; PyTorch 2.0-2.1 SDPA)
  FlashTriton,  // FlashAttention in Triton (flash_attn_triton.py; llm-foundry attn_impl: triton)
};

template <>
struct EnumNames<AttentionKernel> {
  static constexpr std::array<EnumName<AttentionKernel>, 4> table{{{AttentionKernel::Eager, "eager"},
                                                                   {AttentionKernel::Flash, "flash"},
                                                                   {AttentionKernel::Flash1, "flash1"},
                                                                   {AttentionKernel::FlashTriton, "flash-triton"}}};
};

}  // namespace dpcast::models
