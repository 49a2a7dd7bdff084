// Muon (Keller Jordan et al., "Muon: An optimizer for hidden layers in neural networks", 2024),
// in the formulation of PyTorch's torch.optim.Muon. For every matrix block W of the parameters,
// with its direction g (the gradient of W):
//   B   <- momentum * B + (1 - momentum) * g           (B starts at 0)
//   B~  =  nesterov ? (1 - momentum) * g + momentum * B : B
//   O   =  NS_{ns_steps}(B~; eps)                      (newton_schulz.hpp, Jordan's quintic)
//   update = -lr_t * weight_decay * W - lr_t * s(rows, cols) * O
// so the step orthogonalizes the momentum: O has the singular vectors of B~ and singular
// values near 1. torch keeps B as this moving average (Jordan's muon.py does too); the form
// B <- momentum B + g of torch's documentation differs by the factor (1 - momentum) in B and
// B~, which the normalization in NS removes, so both give the same update.
// The scale s is adjust_lr:
//   original:            sqrt(max(1, rows / cols))     (Jordan's; torch's default)
//   match_rms_adamw:     0.2 sqrt(max(rows, cols))     (Liu et al., "Muon is Scalable for LLM
//                        Training", 2025: an update RMS of about AdamW's, so AdamW's lr and
//                        weight decay carry over)
//   spectral_unclamped:  sqrt(rows / cols)             (Bernstein, "Deriving Muon")
//   none:                1
//
// Blocks: a block of shape {r, c, ...} is the r x (c ...) row-major matrix (a conv kernel
// {out, in, kh, kw} is out x (in kh kw), as torch flattens it), and rows, cols above are r and
// c .... Muon is for hidden layers' weight matrices: a block of fewer than 2 dimensions (a
// bias, a gain, a flat vector) is refused at init() with a ConfigError; such blocks go to
// another optimizer with partition(...), e.g.
//   partition(group(ndim=2, muon(lr=0.02)), default=adamw(lr=1e-3)).
// Embeddings and output layers are, in Jordan's recommendation, also better left to AdamW.
//
// A global transform: each block's update needs the whole block. State: one slot,
// momentum_buffer (torch's name and meaning), as long as the parameters. NS runs in the
// parameters' precision (torch runs it in bfloat16).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "descent/spec/hyperparameters.hpp"
#include "descent/transform/transform.hpp"

namespace descent {

struct MuonOptions {
  static constexpr const char* kName = "MuonOptions";
  SchedulePtr lr = constant(1e-3);     // step size lr_t > 0 (number or schedule)
  double momentum = 0.95;              // 0 <= momentum < 1
  bool nesterov = true;                // orthogonalize (1 - momentum) g + momentum B instead of B
  double weight_decay = 0.1;           // decoupled: update -= lr_t * weight_decay * W, >= 0
  std::string adjust_lr = "original";  // original, match_rms_adamw, spectral_unclamped or none
  std::int64_t ns_steps = 5;           // Newton-Schulz steps, 1 <= ns_steps <= 99
  double eps = 1e-7;                   // X_0 = B~ / max(||B~||_F, eps), eps > 0
  static const std::vector<std::string>& adjust_lr_choices();
  static const std::vector<Field<MuonOptions>>& fields();
};

TransformPtr muon(MuonOptions options = {});

// The factor adjust_lr applies to lr for a rows x cols block (see above).
double muon_lr_scale(const std::string& adjust_lr, std::size_t rows, std::size_t cols);

// Muon's step on one rows x cols block, in place, shared by muon and lanton (which differ only
// in the rate each block gets): the momentum buffer b <- momentum b + (1 - momentum) g, the
// (Nesterov) direction orthogonalized by ns_steps quintic Newton-Schulz steps, then
// d <- -decay p - rate NS(.).
template <class T>
void muon_block_step(T* d, T* b, const T* p, std::size_t rows, std::size_t cols, double momentum, bool nesterov,
                     int ns_steps, double eps, double rate, double decay);

}  // namespace descent
