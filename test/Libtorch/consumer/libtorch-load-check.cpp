//===- libtorch-load-check.cpp - Load a checkpoint with C++ torch --------===//
//
// Part of ckpt-migrate's tests. The real C++ consumer: loads a checkpoint
// with libtorch's torch::pickle_load and prints one line per tensor of the
// (nested) dict: `<path> <dtype> <shape> <sum>`. Kept in this one file, away
// from the tool, which never links libtorch.
//
//===----------------------------------------------------------------------===//

#include <torch/csrc/jit/serialization/pickle.h>
#include <torch/torch.h>

#include <fstream>
#include <iostream>
#include <iterator>
#include <string>
#include <vector>

static void walk(const c10::IValue &V, const std::string &Path) {
  if (V.isTensor()) {
    at::Tensor T = V.toTensor();
    std::cout << Path << ' ' << T.dtype() << ' ' << T.sizes() << ' '
              << T.to(at::kDouble).sum().item<double>() << '\n';
  } else if (V.isGenericDict()) {
    for (const auto &It : V.toGenericDict()) {
      std::string K = It.key().isString() ? It.key().toStringRef()
                                          : It.key().tagKind();
      walk(It.value(), Path + "['" + K + "']");
    }
  } else if (V.isList()) {
    auto L = V.toList();
    for (size_t I = 0; I < L.size(); ++I)
      walk(L.get(I), Path + "[" + std::to_string(I) + "]");
  } else if (V.isTuple()) {
    const auto &E = V.toTupleRef().elements();
    for (size_t I = 0; I < E.size(); ++I)
      walk(E[I], Path + "[" + std::to_string(I) + "]");
  }
}

int main(int argc, char **argv) {
  if (argc != 2) {
    std::cerr << "usage: libtorch-load-check FILE\n";
    return 2;
  }
  std::ifstream In(argv[1], std::ios::binary);
  std::vector<char> Bytes((std::istreambuf_iterator<char>(In)),
                          std::istreambuf_iterator<char>());
  try {
    c10::IValue V = torch::pickle_load(Bytes);
    walk(V, "$");
  } catch (const std::exception &E) {
    std::cerr << "libtorch: " << E.what() << '\n';
    return 1;
  }
  return 0;
}
