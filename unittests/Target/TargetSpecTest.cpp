//===- TargetSpecTest.cpp - The release tables of Versions.td -------------===//
//
// Part of ckpt-migrate. Checks lookupTarget() and a sample of the facts the
// tables generated from include/ckpt/Target/Versions.td must hold.
//
//===----------------------------------------------------------------------===//

#include "ckpt/Target/TargetSpec.h"
#include "ckpt/IR/DType.h"
#include "llvm/ADT/STLExtras.h"
#include "gtest/gtest.h"
#include <tuple>

using namespace ckpt;
using llvm::StringRef;

namespace {

const TargetSpec &get(StringRef Version) {
  const TargetSpec *T = lookupTarget(Version);
  EXPECT_NE(T, nullptr) << Version.str();
  static const TargetSpec Empty;
  return T ? *T : Empty;
}

bool has(llvm::ArrayRef<StringRef> List, StringRef Name) {
  return llvm::is_contained(List, Name);
}

std::tuple<unsigned, unsigned, unsigned> versionKey(StringRef V) {
  llvm::SmallVector<StringRef, 3> Parts;
  V.split(Parts, '.');
  unsigned N[3] = {0, 0, 0};
  for (size_t I = 0; I < Parts.size() && I < 3; ++I)
    EXPECT_FALSE(Parts[I].getAsInteger(10, N[I])) << V.str();
  return {N[0], N[1], N[2]};
}

TEST(TargetSpecTest, LookupExact) {
  const TargetSpec *T = lookupTarget("0.4.0");
  ASSERT_NE(T, nullptr);
  EXPECT_EQ(T->Version, "0.4.0");
  ASSERT_NE(lookupTarget("0.4.1"), nullptr);
  EXPECT_EQ(lookupTarget("0.4.1")->Version, "0.4.1");
  ASSERT_NE(lookupTarget("1.13"), nullptr);
  EXPECT_EQ(lookupTarget("1.13")->Version, "1.13");
}

TEST(TargetSpecTest, LookupMajorMinorIsNewestPatch) {
  const TargetSpec *T = lookupTarget("0.4");
  ASSERT_NE(T, nullptr);
  EXPECT_EQ(T->Version, "0.4.1");
}

TEST(TargetSpecTest, LookupPatchFallsBackToMajorMinor) {
  const TargetSpec *T = lookupTarget("1.13.1");
  ASSERT_NE(T, nullptr);
  EXPECT_EQ(T->Version, "1.13");
  ASSERT_NE(lookupTarget("2.6.0"), nullptr);
  EXPECT_EQ(lookupTarget("2.6.0")->Version, "2.6");
  // torch.__version__ spelling with a local part.
  ASSERT_NE(lookupTarget("1.13.1+cu117"), nullptr);
  EXPECT_EQ(lookupTarget("1.13.1+cu117")->Version, "1.13");
}

TEST(TargetSpecTest, LookupUnknown) {
  EXPECT_EQ(lookupTarget("9.9"), nullptr);
  EXPECT_EQ(lookupTarget("9.9.9"), nullptr);
  EXPECT_EQ(lookupTarget(""), nullptr);
  EXPECT_EQ(lookupTarget("1"), nullptr);
  EXPECT_EQ(lookupTarget("latest"), nullptr);
  // 0.4 is described by its patch releases only: no 0.4.2 to fall back to.
  EXPECT_EQ(lookupTarget("0.4.2"), nullptr);
}

TEST(TargetSpecTest, ReleasesAscendingAndRequiredOnesPresent) {
  llvm::ArrayRef<TargetSpec> Specs = getTargetSpecs();
  ASSERT_FALSE(Specs.empty());
  for (size_t I = 1; I < Specs.size(); ++I)
    EXPECT_LT(versionKey(Specs[I - 1].Version), versionKey(Specs[I].Version))
        << Specs[I - 1].Version.str() << " before " << Specs[I].Version.str();
  for (StringRef V : {"0.2",  "0.3", "0.4.0", "0.4.1", "1.0", "1.1",  "1.2",
                      "1.3",  "1.4", "1.5",   "1.6",   "1.9", "1.11", "1.12",
                      "1.13", "2.0", "2.1",   "2.2",   "2.3", "2.6",  "2.7"}) {
    const TargetSpec *T = lookupTarget(V);
    ASSERT_NE(T, nullptr) << V.str();
    EXPECT_EQ(T->Version, V);
  }
}

TEST(TargetSpecTest, Release040) {
  const TargetSpec &T = get("0.4.0");
  EXPECT_TRUE(has(T.RebuildFunctions, "_rebuild_tensor_v2"));
  EXPECT_TRUE(has(T.RebuildFunctions, "_rebuild_tensor"));
  EXPECT_FALSE(has(T.RebuildFunctions, "_rebuild_parameter"));
  EXPECT_FALSE(has(T.StorageClasses, "BoolStorage"));
  EXPECT_FALSE(has(T.DTypes, "bf16"));
  EXPECT_FALSE(has(T.DTypes, "bool"));
  EXPECT_TRUE(has(T.DTypes, "f32"));
  EXPECT_EQ(T.StorageClasses.size(), 8u);
  EXPECT_TRUE(has(T.TorchGlobals, "torch.device"));
  EXPECT_TRUE(has(T.TorchGlobals, "torch.float32"));
  EXPECT_FALSE(has(T.TorchGlobals, "torch.bool"));
  EXPECT_FALSE(has(T.TorchGlobals, "torch.serialization._get_layout"));
  EXPECT_EQ(T.TensorForm, "tensor");
  EXPECT_EQ(T.ParameterForm, "tensor");
  EXPECT_FALSE(T.HasModuleVersions);
  EXPECT_FALSE(has(T.Containers, "zip"));
  EXPECT_EQ(T.DefaultContainer, "legacy");
  EXPECT_EQ(T.MaxZipVersion, 0);
  EXPECT_EQ(T.MaxPickleProtocol, 2);
  EXPECT_TRUE(has(T.ParamGroupKeys, "adam:amsgrad"));
  EXPECT_FALSE(has(T.ParamGroupKeys, "adam:maximize"));
  EXPECT_EQ(T.Locations.size(), 2u);
}

TEST(TargetSpecTest, ParameterForms) {
  EXPECT_EQ(get("0.3").ParameterForm, "parameter_legacy");
  EXPECT_EQ(get("0.3").TensorForm, "tensor_v1");
  EXPECT_EQ(get("0.4.1").ParameterForm, "parameter_call");
  EXPECT_TRUE(get("0.4.1").HasModuleVersions);
  EXPECT_EQ(get("1.0").ParameterForm, "parameter");
  EXPECT_TRUE(has(get("1.0").RebuildFunctions, "_rebuild_parameter"));
}

TEST(TargetSpecTest, Containers) {
  const TargetSpec &T14 = get("1.4");
  EXPECT_TRUE(has(T14.Containers, "zip"));
  EXPECT_EQ(T14.MaxZipVersion, 2);
  EXPECT_EQ(T14.DefaultContainer, "legacy");
  EXPECT_EQ(T14.MaxPickleProtocol, 2);
  EXPECT_EQ(get("1.5").MaxZipVersion, 3);
  EXPECT_EQ(get("1.5").DefaultContainer, "legacy");
  EXPECT_EQ(get("1.6").DefaultContainer, "zip");
  EXPECT_GE(get("1.6").MaxZipVersion, 3);
  for (const TargetSpec &T : getTargetSpecs()) {
    EXPECT_TRUE(has(T.Containers, "tar")) << T.Version.str();
    EXPECT_TRUE(has(T.Containers, T.DefaultContainer)) << T.Version.str();
  }
}

TEST(TargetSpecTest, OptimizersAndLoader) {
  EXPECT_FALSE(get("1.11").TensorOptimizerStep);
  EXPECT_TRUE(get("1.12").TensorOptimizerStep);
  EXPECT_TRUE(get("2.0").TensorOptimizerStep);
  EXPECT_TRUE(has(get("1.11").ParamGroupKeys, "adam:maximize"));
  EXPECT_TRUE(has(get("1.12").ParamGroupKeys, "adam:foreach"));
  EXPECT_TRUE(has(get("1.13").ParamGroupKeys, "adam:fused"));
  EXPECT_FALSE(has(get("1.12").ParamGroupKeys, "adam:differentiable"));
  EXPECT_FALSE(get("2.3").WeightsOnlyDefault);
  EXPECT_TRUE(get("2.6").WeightsOnlyDefault);
  EXPECT_TRUE(get("2.7").WeightsOnlyDefault);
}

TEST(TargetSpecTest, DTypesAndStorages) {
  EXPECT_TRUE(has(get("1.2").StorageClasses, "BoolStorage"));
  EXPECT_FALSE(has(get("1.2").DTypes, "bf16"));
  EXPECT_TRUE(has(get("1.3").DTypes, "bf16"));
  EXPECT_TRUE(has(get("1.3").RebuildFunctions, "_rebuild_qtensor"));
  EXPECT_FALSE(has(get("1.2").RebuildFunctions, "_rebuild_qtensor"));
  EXPECT_FALSE(has(get("2.1").RebuildFunctions, "_rebuild_tensor_v3"));
  EXPECT_FALSE(has(get("2.1").DTypes, "f8e5m2"));
  EXPECT_TRUE(has(get("2.2").RebuildFunctions, "_rebuild_tensor_v3"));
  EXPECT_TRUE(has(get("2.2").DTypes, "f8e5m2"));
  EXPECT_TRUE(has(get("2.3").DTypes, "u16"));
  EXPECT_TRUE(
      has(get("2.0").RebuildFunctions, "_rebuild_parameter_with_state"));
  // Unqualified, as the unpickler's GLOBAL names it in torch._tensor.
  EXPECT_TRUE(has(get("1.9").RebuildFunctions, "_rebuild_from_type_v2"));
  EXPECT_FALSE(has(get("1.8").RebuildFunctions, "_rebuild_from_type_v2"));
}

// Every name in the tables is one the IR knows, and the tables agree with
// DTypes.def about which storage class holds which dtype.
TEST(TargetSpecTest, NamesAreKnownToTheIR) {
  for (const TargetSpec &T : getTargetSpecs()) {
    for (StringRef D : T.DTypes) {
      std::optional<DType> DT = parseDTypeIRName(D);
      ASSERT_TRUE(DT.has_value()) << T.Version.str() << ": " << D.str();
      StringRef Class = getDTypeStorageClass(*DT);
      if (!Class.empty()) {
        EXPECT_TRUE(has(T.StorageClasses, Class))
            << T.Version.str() << ": " << D.str();
      }
    }
    for (StringRef S : T.StorageClasses)
      EXPECT_TRUE(parseStorageClassName(S).has_value())
          << T.Version.str() << ": " << S.str();
  }
}

// A release can read everything the one before it could, except what
// Versions.td removes on purpose.
TEST(TargetSpecTest, ReleasesOnlyGrow) {
  llvm::ArrayRef<TargetSpec> Specs = getTargetSpecs();
  for (size_t I = 1; I < Specs.size(); ++I) {
    const TargetSpec &Prev = Specs[I - 1], &T = Specs[I];
    for (StringRef D : Prev.DTypes)
      EXPECT_TRUE(has(T.DTypes, D)) << T.Version.str() << ": " << D.str();
    for (StringRef S : Prev.StorageClasses)
      EXPECT_TRUE(has(T.StorageClasses, S)) << T.Version.str();
    for (StringRef C : Prev.Containers)
      EXPECT_TRUE(has(T.Containers, C)) << T.Version.str();
    EXPECT_GE(T.MaxZipVersion, Prev.MaxZipVersion) << T.Version.str();
    EXPECT_GE(T.MaxPickleProtocol, Prev.MaxPickleProtocol) << T.Version.str();
  }
}

TEST(TargetSpecTest, ParseReleaseVersion) {
  auto V = parseReleaseVersion("1.13.1");
  ASSERT_TRUE(V);
  EXPECT_EQ(V->key(), std::make_tuple(1u, 13u, 1u));
  V = parseReleaseVersion("0.4");
  ASSERT_TRUE(V);
  EXPECT_FALSE(V->Patch);
  EXPECT_EQ(V->key(), std::make_tuple(0u, 4u, 0u));
  EXPECT_LT(parseReleaseVersion("0.4")->key(),
            parseReleaseVersion("0.4.1")->key());
  EXPECT_LT(parseReleaseVersion("1.9")->key(),
            parseReleaseVersion("1.10")->key());
  for (const char *Bad : {"", "1", "1.", ".1", "1.2.3.4", "1.x", "1.-2",
                          "1.2+cu117", " 1.2", "01.2", "1.013", "1.1234567"})
    EXPECT_FALSE(parseReleaseVersion(Bad)) << Bad;
}

} // namespace
