//===- ParserTest.cpp - Textual IR parser tests ---------------------------===//
//
// Part of ckpt-migrate. parseCheckpointText on every construct the printer
// prints (text -> parse -> print is the identity), the nodes it builds, its
// diagnostics on bad input, and the round trip of every corpus checkpoint.
//
//===----------------------------------------------------------------------===//

#include "ckpt/IR/Parser.h"
#include "ckpt/IR/Printer.h"
#include "ckpt/Reader/Reader.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include <algorithm>
#include <cstdlib>
#include <random>

using namespace ckpt;
using namespace llvm;
using ::testing::HasSubstr;
using ::testing::StartsWith;

namespace {

/// Parses \p Text as a file named bad.ckir.
Expected<std::unique_ptr<Checkpoint>> parse(StringRef Text) {
  return parseCheckpointText(MemoryBuffer::getMemBufferCopy(Text, "bad.ckir"));
}

std::string print(const Checkpoint &C, bool InlineData = false) {
  std::string S;
  raw_string_ostream OS(S);
  PrintOptions Opts;
  Opts.InlineData = InlineData;
  printCheckpoint(OS, C, Opts);
  return S;
}

/// Parses and prints \p Text, or returns "error: <message>".
std::string roundTrip(StringRef Text, bool InlineData = false) {
  auto C = parse(Text);
  if (!C)
    return "error: " + toString(C.takeError());
  return print(**C, InlineData);
}

/// The diagnostic for \p Text, or "no error".
std::string parseError(StringRef Text) {
  auto C = parse(Text);
  if (C)
    return "no error";
  return toString(C.takeError());
}

const char *Header = "// ckpt-migrate IR\n"
                     "checkpoint pickle {\n"
                     "  pickle_protocol 2\n"
                     "}\n";

/// A whole file around \p Root, with the storage declarations \p Storages
/// (each ending in a newline).
std::string file(StringRef Root, StringRef Storages = "") {
  std::string S = Header;
  if (!Storages.empty())
    S += "\n" + Storages.str();
  S += "\nroot " + Root.str() + "\n";
  return S;
}

/// Parses \p Text, which must succeed.
std::unique_ptr<Checkpoint> parseOK(StringRef Text) {
  auto C = parse(Text);
  if (!C) {
    ADD_FAILURE() << toString(C.takeError());
    return nullptr;
  }
  return std::move(*C);
}

#define EXPECT_ROUND_TRIP(Text)                                                \
  do {                                                                         \
    std::string T_ = (Text);                                                   \
    EXPECT_EQ(roundTrip(T_), T_);                                              \
  } while (false)

//===----------------------------------------------------------------------===//
// Round trips
//===----------------------------------------------------------------------===//

TEST(ParserRoundTrip, Scalars) {
  EXPECT_ROUND_TRIP(file("None"));
  EXPECT_ROUND_TRIP(file("[None, True, False, 0, -1, 42]"));
  EXPECT_ROUND_TRIP(file("[9223372036854775807, -9223372036854775808, "
                         "9223372036854775808, -9223372036854775809, "
                         "123456789012345678901234567890, "
                         "-340282366920938463463374607431768211456]"));
  EXPECT_ROUND_TRIP(file("[1.0, -0.0, 0.0, 0.1, -2.5, 1e+300, 1.5e-07, "
                         "5e-324, 1.7976931348623157e+308, 100.0, 1e+16, "
                         "inf, -inf, nan, -nan]"));
  EXPECT_ROUND_TRIP(file("[complex(1.0, -2.5), complex(-0.0, inf), "
                         "complex(nan, 1e+100)]"));
  EXPECT_ROUND_TRIP(file(R"(["", "plain", "esc \\ \" \n \t \r \x01 \x7f", )"
                         R"("utf8 é ☃"])"));
  // Escaped UTF-8 in a str prints back raw.
  EXPECT_EQ(roundTrip(file(R"("\xc3\xa9")")), file("\"é\""));
  EXPECT_ROUND_TRIP(file(R"([b"", b"\x00\xff\x80ab\\\"", py2"\x80abc\n", )"
                         R"(bytearray"xy\x00", bytearray""])"));
  EXPECT_ROUND_TRIP(file("[ext 1, ext -2147483648, ext 2147483647]"));
}

TEST(ParserRoundTrip, Containers) {
  EXPECT_ROUND_TRIP(file("()"));
  EXPECT_ROUND_TRIP(file("(1,)"));
  EXPECT_ROUND_TRIP(file("(1, 2)"));
  EXPECT_ROUND_TRIP(file("[]"));
  EXPECT_ROUND_TRIP(file("[1, 2, 3]"));
  EXPECT_ROUND_TRIP(file("set{}"));
  EXPECT_ROUND_TRIP(file("set{1, \"a\"}"));
  EXPECT_ROUND_TRIP(file("frozenset{}"));
  EXPECT_ROUND_TRIP(file("frozenset{1, 2.0}"));
  EXPECT_ROUND_TRIP(file("{}"));
  EXPECT_ROUND_TRIP(file("{\"a\": 1, 2: None, 3.5: b\"x\"}"));
  EXPECT_ROUND_TRIP(file("{\n"
                         "  \"a\": 1,\n"
                         "  (1, 2): b\"x\",\n"
                         "}"));
  EXPECT_ROUND_TRIP(file("(\n"
                         "  [1],\n"
                         ")"));
  EXPECT_ROUND_TRIP(file("[\n"
                         "  (),\n"
                         "  {\n"
                         "    \"k\": [\n"
                         "      set{1},\n"
                         "      frozenset{2},\n"
                         "    ],\n"
                         "  },\n"
                         "  3,\n"
                         "]"));
}

TEST(ParserRoundTrip, Globals) {
  EXPECT_ROUND_TRIP(file("[@collections:OrderedDict, @__builtin__:set, "
                         "@torch.nn.modules.linear:Linear, "
                         "@\"1abc\":\"with space\", @.x:y_, @\"\":\"é\", "
                         "@\"a-b\":\"\\n\"]"));
  // Keywords are fine as names.
  EXPECT_ROUND_TRIP(file("{@builtins:set: @builtins:complex, @None:True: "
                         "@tensor:root}"));
}

TEST(ParserRoundTrip, Objects) {
  EXPECT_ROUND_TRIP(file("reduce @collections:OrderedDict ()"));
  EXPECT_ROUND_TRIP(file("reduce @collections:OrderedDict () setitems "
                         "{\"a\": 1}"));
  EXPECT_ROUND_TRIP(file("newobj @m:C (1, 2) build {\"x\": 1}"));
  EXPECT_ROUND_TRIP(file("newobj_ex @m:C (1,) kwargs {\"k\": 2}"));
  EXPECT_ROUND_TRIP(file("inst @m:C (\"a\",) build None build (1, 2)"));
  EXPECT_ROUND_TRIP(file("obj @m:C () append [1, 2] setitems {3: 4} build "
                         "{}"));
  EXPECT_ROUND_TRIP(file("reduce @m:f (\n"
                         "  [1],\n"
                         ") kwargs {\"a\": 1} append [\n"
                         "  (),\n"
                         "] setitems {\n"
                         "  \"b\": [],\n"
                         "} build {\n"
                         "  \"c\": reduce @m:g (),\n"
                         "}"));
  // The callable need not be a global.
  EXPECT_ROUND_TRIP(file("reduce reduce @builtins:getattr (@m:C, \"f\") (1,)"));
  EXPECT_ROUND_TRIP(file("persistent_id (\"module\", @m:C, \"m.py\", \"\")"));
  EXPECT_ROUND_TRIP(file("[\n"
                         "  persistent_id (\"storage\",),\n"
                         "  reduce @m:C (),\n"
                         "]"));
}

TEST(ParserRoundTrip, SharedAndCyclicValues) {
  EXPECT_ROUND_TRIP(file("[\n"
                         "  %v0 = [1],\n"
                         "  %v0,\n"
                         "]"));
  // A list containing itself.
  EXPECT_ROUND_TRIP(file("%v0 = [1, %v0]"));
  // A dict containing itself as key and value, a set through a tuple.
  EXPECT_ROUND_TRIP(file("%v0 = {\n"
                         "  \"self\": %v0,\n"
                         "  1: [\n"
                         "    %v1 = set{%v0},\n"
                         "    %v1,\n"
                         "  ],\n"
                         "}"));
  EXPECT_ROUND_TRIP(file("%v0 = (\n"
                         "  [%v0],\n"
                         ")"));
  // An object whose state refers to itself, and shared objects/tuples.
  EXPECT_ROUND_TRIP(file("%v0 = newobj @m:Node () build {\n"
                         "  \"next\": %v0,\n"
                         "  \"args\": %v1 = (1, 2),\n"
                         "  \"again\": %v1,\n"
                         "}"));
  EXPECT_ROUND_TRIP(file("[\n"
                         "  %v0 = reduce @m:f %v1 = (1,),\n"
                         "  reduce @m:g %v1,\n"
                         "  %v0,\n"
                         "  %v2 = persistent_id %v2,\n"
                         "]"));
  // A state dict whose build state refers to it.
  EXPECT_ROUND_TRIP(file("%v0 = state_dict {\n"
                         "  \"w\": tensor %s0 f32[1] stride [1],\n"
                         "} build {\"_metadata\": %v0}",
                         "storage %s0 f32[1] location \"cpu\" key \"0\"\n"));
}

TEST(ParserRoundTrip, Storages) {
  EXPECT_ROUND_TRIP(
      file("[%s0, %s1, %s2, %s3]",
           "storage %s0 f32[6] location \"cpu\" key \"318872272\" xxh3 "
           "0x4d3e068fdd9fe919\n"
           "storage %s1 untyped[0] location \"cuda:0\" key \"1\"\n"
           "storage %s2 f32[2] location \"cpu\" key \"k\\x01\" view %s0 "
           "offset 3\n"
           "storage %s3 i64[0] location \"mps\" key \"é\" xxh3 "
           "0x0000000000000000\n"));
  // A view may name a root declared after it, and views of views resolve.
  EXPECT_ROUND_TRIP(
      file("%s2", "storage %s0 f32[1] location \"cpu\" key \"v\" view %s1 "
                  "offset 1\n"
                  "storage %s1 f32[2] location \"cpu\" key \"r\" view %s2 "
                  "offset 0\n"
                  "storage %s2 f32[4] location \"cpu\" key \"root\" xxh3 "
                  "0x0123456789abcdef\n"));
}

TEST(ParserRoundTrip, InlineData) {
  std::string Text =
      file("[%s0, %s1, %s2, %s3]",
           "storage %s0 f32[2] location \"cpu\" key \"0\" data "
           "x\"0000803f00000040\"\n"
           "storage %s1 f32[1] location \"cpu\" key \"1\" view %s0 offset 1\n"
           "storage %s2 u8[0] location \"cpu\" key \"2\" data x\"\"\n"
           "storage %s3 bool[3] location \"cpu\" key \"3\" data x\"000100\"\n");
  EXPECT_EQ(roundTrip(Text, /*InlineData=*/true), Text);
  auto C = parseOK(Text);
  ASSERT_TRUE(C);
  auto &S = C->getStorages();
  ASSERT_EQ(S.size(), 4u);
  EXPECT_TRUE(S[0]->hasData());
  EXPECT_EQ(S[0]->getData(), StringRef("\x00\x00\x80\x3f\x00\x00\x00\x40", 8));
  EXPECT_EQ(S[0]->getFileOffset(), std::nullopt);
  EXPECT_EQ(S[1]->getViewRoot(), S[0]);
  EXPECT_EQ(S[1]->getViewOffset(), 1u);
  EXPECT_EQ(S[1]->getData(), StringRef("\x00\x00\x00\x40", 4));
  EXPECT_TRUE(S[2]->hasData());
  EXPECT_EQ(S[2]->getData(), "");
  // Printed with checksums, the same file shows the data's xxh3.
  std::string Sums = roundTrip(Text);
  EXPECT_THAT(Sums,
              HasSubstr(formatv("storage %s0 f32[2] location \"cpu\" "
                                "key \"0\" xxh3 {0}\n",
                                format_hex(checksumBytes(S[0]->getData()), 18))
                            .str()));
  EXPECT_EQ(roundTrip(Sums), Sums);
  // Upper-case hex is read too (and printed lower-case).
  std::string Upper = Text;
  Upper.replace(Upper.find("803f"), 4, "803F");
  EXPECT_EQ(roundTrip(Upper, true), Text);
}

TEST(ParserRoundTrip, Tensors) {
  const char *Storages = "storage %s0 f32[6] location \"cpu\" key \"0\"\n"
                         "storage %s1 untyped[8] location \"cpu\" key \"1\"\n"
                         "storage %s2 qi8[4] location \"cpu\" key \"2\"\n"
                         "storage %s3 f8e5m2[4] location \"cpu\" key \"3\"\n";
  EXPECT_ROUND_TRIP(file("{\n"
                         "  \"a\": tensor %s0 f32[3, 2] stride [2, 1],\n"
                         "  \"b\": tensor %s0 f32[] stride [],\n"
                         "  \"c\": tensor %s0 f32[2] stride [1] offset 4 "
                         "requires_grad,\n"
                         "  \"d\": tensor %s0 f32[0] stride [1] hooks None,\n"
                         "  \"e\": tensor %s0 f32[1] stride [1],\n"
                         "  \"f\": tensor %s0 f32[1] stride [1] hooks (reduce "
                         "@collections:OrderedDict () setitems {1: @m:hook}) "
                         "metadata {\"conj\": True},\n"
                         "  \"g\": tensor_v1 %s0 f32[6] stride [1],\n"
                         "  \"h\": tensor_class %s0 f32[2, 3] stride [1, 2] "
                         "offset -1,\n"
                         "  \"i\": tensor_v3 %s1 f16[4] stride [1],\n"
                         "  \"j\": tensor_v3 %s1 f8e4m3fn[2, 2] stride [2, 1] "
                         "requires_grad metadata {},\n"
                         "  \"k\": tensor_v3 %s3 f8e5m2[4] stride [1],\n"
                         "  \"l\": qtensor %s2 qi8[2, 2] stride [2, 1] "
                         "quantizer (@torch:per_tensor_affine, 0.1, 0),\n"
                         "  \"m\": qtensor %s2 qi8[4] stride [1] hooks None "
                         "quantizer (@torch:per_tensor_affine, 0.5, 3),\n"
                         "}",
                         Storages));
  // Tensor subclasses (_rebuild_from_type_v2 around the rebuild call).
  EXPECT_ROUND_TRIP(file("[\n"
                         "  tensor %s0 f32[6] stride [1] subclass @m:MyTensor "
                         "state None,\n"
                         "  tensor %s0 f32[6] stride [1] requires_grad "
                         "metadata {} subclass @m:MyTensor wrapper "
                         "@torch.tensor:_rebuild_from_type_v2 state "
                         "{\"tag\": 1},\n"
                         "  tensor_v1 %s0 f32[6] stride [1] subclass @m:T "
                         "state reduce @collections:OrderedDict (),\n"
                         "]",
                         Storages));
  // A tensor shared between two places, and tied tensors on one storage.
  EXPECT_ROUND_TRIP(file("[\n"
                         "  %v0 = tensor %s0 f32[6] stride [1],\n"
                         "  %v0,\n"
                         "  tensor %s0 f32[6] stride [1],\n"
                         "]",
                         Storages));

  auto C = parseOK(file("[tensor %s0 f32[6] stride [1], tensor %s0 f32[6] "
                        "stride [1] hooks absent, tensor_v1 %s0 f32[6] stride "
                        "[1], tensor_v3 %s1 bf16[4] stride [1]]",
                        Storages));
  ASSERT_TRUE(C);
  auto *L = cast<ListValue>(C->getRoot());
  auto *T0 = cast<TensorValue>((*L)[0]);
  auto *T1 = cast<TensorValue>((*L)[1]);
  auto *T2 = cast<TensorValue>((*L)[2]);
  auto *T3 = cast<TensorValue>((*L)[3]);
  EXPECT_EQ(T0->getForm(), TensorValue::Form::RebuildTensorV2);
  // The default hooks, a fresh OrderedDict() each, are a null operand; the
  // older spelling `hooks absent` means the same.
  EXPECT_EQ(T0->getHooks(), nullptr);
  EXPECT_EQ(T1->getHooks(), nullptr);
  EXPECT_EQ(T2->getForm(), TensorValue::Form::RebuildTensor);
  EXPECT_EQ(T2->getHooks(), nullptr);
  EXPECT_EQ(T3->getDType(), DType::BFloat16);
  auto *G = dyn_cast_or_null<GlobalValue>(T3->getDTypeGlobal());
  ASSERT_TRUE(G);
  EXPECT_TRUE(G->is("torch", "bfloat16"));
  EXPECT_EQ(T3->getHooks(), nullptr);
  EXPECT_EQ(T0->getSubclass(), nullptr);

  C = parseOK(
      file("tensor %s0 f32[6] stride [1] subclass @m:T state None", Storages));
  ASSERT_TRUE(C);
  auto *T = cast<TensorValue>(C->getRoot());
  auto *W = dyn_cast_or_null<GlobalValue>(T->getSubclassWrapper());
  ASSERT_TRUE(W);
  EXPECT_TRUE(W->is("torch._tensor", "_rebuild_from_type_v2"));
  EXPECT_TRUE(cast<GlobalValue>(T->getSubclass())->is("m", "T"));
  EXPECT_EQ(T->getSubclassState(), C->getNone());
}

TEST(ParserRoundTrip, Parameters) {
  const char *Storages = "storage %s0 f32[6] location \"cpu\" key \"0\"\n";
  EXPECT_ROUND_TRIP(file(
      "[\n"
      "  parameter (tensor %s0 f32[6] stride [1]) requires_grad,\n"
      "  parameter (tensor %s0 f32[6] stride [1]) hooks None,\n"
      "  parameter (tensor %s0 f32[6] stride [1]),\n"
      "  parameter_with_state (tensor %s0 f32[6] stride [1]) requires_grad "
      "state {\"a\": 1},\n"
      "  parameter_call (tensor %s0 f32[6] stride [1]) requires_grad,\n"
      "  parameter_call (tensor %s0 f32[6] stride [1]),\n"
      "  %v0 = parameter_legacy (%v1 = tensor_class %s0 f32[6] stride [1]) "
      "requires_grad state (reduce @torch.nn.parameter:Parameter (%v1,) build "
      "(True, False, reduce @collections:OrderedDict ())),\n"
      "  %v0,\n"
      "  parameter_legacy (%v2 = tensor_v1 %s0 f32[6] stride [1]) state "
      "(newobj @torch.nn.parameter:Parameter () build (%v2, None, None, False, "
      "False)),\n"
      "  parameter ((1, 2)),\n"
      "]",
      Storages));

  auto C = parseOK(file("[parameter (tensor %s0 f32[6] stride [1]), "
                        "parameter_call (tensor %s0 f32[6] stride [1]), "
                        "parameter (tensor %s0 f32[6] stride [1]) hooks "
                        "absent]",
                        Storages));
  ASSERT_TRUE(C);
  auto *L = cast<ListValue>(C->getRoot());
  auto *P0 = cast<ParameterValue>((*L)[0]);
  EXPECT_EQ(P0->getHooks(), nullptr);
  EXPECT_TRUE(P0->getTensor());
  EXPECT_FALSE(P0->getRequiresGrad());
  EXPECT_EQ(cast<ParameterValue>((*L)[1])->getHooks(), nullptr);
  EXPECT_EQ(cast<ParameterValue>((*L)[2])->getHooks(), nullptr);
}

TEST(ParserRoundTrip, StateDictsAndOptimizerState) {
  const char *Storages = "storage %s0 f32[6] location \"cpu\" key \"0\"\n";
  EXPECT_ROUND_TRIP(file("state_dict {}"));
  EXPECT_ROUND_TRIP(file("state_dict {\n"
                         "  \"0.weight\": tensor %s0 f32[3, 2] stride [2, 1],\n"
                         "} build {\n"
                         "  \"_metadata\": reduce @collections:OrderedDict () "
                         "setitems {\n"
                         "    \"\": {\"version\": 1},\n"
                         "  },\n"
                         "}",
                         Storages));
  EXPECT_ROUND_TRIP(file("state_dict @m:MyDict {\"a\": 1}"));
  EXPECT_ROUND_TRIP(file("state_dict reduce @m:factory () {\"a\": 1} build "
                         "None"));
  EXPECT_ROUND_TRIP(file("optimizer_state {\n"
                         "  \"state\": {},\n"
                         "  \"param_groups\": [\n"
                         "    {\n"
                         "      \"lr\": 0.01,\n"
                         "      \"params\": [0, 1],\n"
                         "    },\n"
                         "  ],\n"
                         "}"));
  auto C = parseOK(file("state_dict {}"));
  ASSERT_TRUE(C);
  auto *SD = cast<StateDictValue>(C->getRoot());
  auto *G = dyn_cast_or_null<GlobalValue>(SD->getClass());
  ASSERT_TRUE(G);
  EXPECT_TRUE(G->is("collections", "OrderedDict"));
  EXPECT_EQ(SD->getState(), nullptr);
}

TEST(ParserRoundTrip, Headers) {
  EXPECT_ROUND_TRIP("// ckpt-migrate IR\n"
                    "checkpoint legacy {\n"
                    "  pickle_protocol 2\n"
                    "  magic 119547037146038801333356\n"
                    "  protocol_version 1001\n"
                    "  sys_info {\n"
                    "    \"protocol_version\": 1001,\n"
                    "    \"little_endian\": True,\n"
                    "    \"type_sizes\": {\"short\": 2, \"int\": 4, \"long\": "
                    "4},\n"
                    "  }\n"
                    "}\n"
                    "\n"
                    "storage %s0 f32[6] location \"cpu\" key \"318872272\" "
                    "xxh3 0x4d3e068fdd9fe919\n"
                    "\n"
                    "root state_dict {\n"
                    "  \"0.weight\": tensor %s0 f32[3, 2] stride [2, 1],\n"
                    "} build {\n"
                    "  \"_metadata\": reduce @collections:OrderedDict () "
                    "setitems {\n"
                    "    \"\": {\"version\": 1},\n"
                    "  },\n"
                    "}\n");
  EXPECT_ROUND_TRIP("// ckpt-migrate IR\n"
                    "checkpoint zip {\n"
                    "  pickle_protocol 5\n"
                    "  archive_root \"archive\"\n"
                    "  record \"version\" b\"3\\n\"\n"
                    "  record \"byteorder\" b\"little\"\n"
                    "  record \".data/serialization_id\" b\"\\x00\\xff\"\n"
                    "}\n"
                    "\n"
                    "root None\n");
  EXPECT_ROUND_TRIP("// ckpt-migrate IR\n"
                    "checkpoint tar {\n"
                    "  pickle_protocol 0\n"
                    "  sys_info %v0 = [%v0]\n"
                    "}\n"
                    "\n"
                    "root None\n");
  // Labels are shared between the header and the root. (The printer counts
  // uses per header value, so it prints such a node in full each time.)
  {
    auto C = parseOK("checkpoint legacy { magic %v0 = [1] protocol_version "
                     "%v0 } root %v0");
    ASSERT_TRUE(C);
    EXPECT_EQ(C->getContainer().Magic, C->getContainer().ProtocolVersion);
    EXPECT_EQ(C->getContainer().Magic, C->getRoot());
  }
  // No root at all.
  EXPECT_ROUND_TRIP("// ckpt-migrate IR\n"
                    "checkpoint pickle {\n"
                    "  pickle_protocol 2\n"
                    "}\n"
                    "\n");

  auto C = parseOK("checkpoint zip { pickle_protocol 4 archive_root \"a/b\" "
                   "record \"r\" b\"xy\" } root None");
  ASSERT_TRUE(C);
  const ContainerInfo &CI = C->getContainer();
  EXPECT_EQ(CI.Kind, ContainerKind::Zip);
  EXPECT_EQ(CI.PickleProtocol, 4u);
  EXPECT_EQ(CI.ArchiveRoot, "a/b");
  ASSERT_EQ(CI.Records.size(), 1u);
  EXPECT_EQ(CI.Records[0].Name, "r");
  EXPECT_EQ(CI.Records[0].Data, "xy");
  EXPECT_EQ(C->getSourceName(), "bad.ckir");
}

TEST(ParserRoundTrip, WhitespaceAndComments) {
  // Layout is free: the printer's layout comes back.
  std::string Text = "  // leading comment\n"
                     "checkpoint pickle{pickle_protocol 2}// trailing\n"
                     "root[1,(2,),{3:[4]},]\n";
  EXPECT_EQ(roundTrip(Text), file("[\n"
                                  "  1,\n"
                                  "  (2,),\n"
                                  "  {\n"
                                  "    3: [4],\n"
                                  "  },\n"
                                  "]"));
}

TEST(ParserNodes, Integers) {
  auto C = parseOK(file("[9223372036854775807, -9223372036854775808, "
                        "9223372036854775808, -9223372036854775809, "
                        "18446744073709551616, 255, "
                        "-170141183460469231731687303715884105728]"));
  ASSERT_TRUE(C);
  auto *L = cast<ListValue>(C->getRoot());
  EXPECT_EQ(cast<IntValue>((*L)[0])->getValue(), INT64_MAX);
  EXPECT_EQ(cast<IntValue>((*L)[1])->getValue(), INT64_MIN);
  // Outside int64: signed APInts of minimal byte width, as LONG1 has them.
  const APInt &A = cast<BigIntValue>((*L)[2])->getValue();
  EXPECT_EQ(A.getBitWidth(), 72u);
  EXPECT_EQ(toString(A, 10, true), "9223372036854775808");
  const APInt &B = cast<BigIntValue>((*L)[3])->getValue();
  EXPECT_EQ(B.getBitWidth(), 72u);
  EXPECT_EQ(toString(B, 10, true), "-9223372036854775809");
  EXPECT_EQ(cast<BigIntValue>((*L)[4])->getValue().getBitWidth(), 72u);
  EXPECT_EQ(cast<IntValue>((*L)[5])->getValue(), 255);
  const APInt &D = cast<BigIntValue>((*L)[6])->getValue();
  EXPECT_EQ(D.getBitWidth(), 128u);
  EXPECT_TRUE(D.isMinSignedValue());
}

TEST(ParserNodes, Floats) {
  auto C = parseOK(file("[-0.0, nan, -nan, -inf, 0.1, 1e+300]"));
  ASSERT_TRUE(C);
  auto *L = cast<ListValue>(C->getRoot());
  auto F = [&](unsigned I) { return cast<FloatValue>((*L)[I])->getValue(); };
  EXPECT_TRUE(std::signbit(F(0)) && F(0) == 0.0);
  EXPECT_TRUE(std::isnan(F(1)) && !std::signbit(F(1)));
  EXPECT_TRUE(std::isnan(F(2)) && std::signbit(F(2)));
  EXPECT_TRUE(std::isinf(F(3)) && F(3) < 0);
  EXPECT_EQ(F(4), 0.1);
  EXPECT_EQ(F(5), 1e300);
}

TEST(ParserNodes, Strings) {
  auto C = parseOK(file(R"(["a\\b\"c\n\t\r\x00\xff é", b"\x80", py2"\x80", )"
                        R"(bytearray"\x80"])"));
  ASSERT_TRUE(C);
  auto *L = cast<ListValue>(C->getRoot());
  EXPECT_EQ(cast<StrValue>((*L)[0])->getValue(),
            StringRef("a\\b\"c\n\t\r\x00\xff \xc3\xa9", 13));
  EXPECT_EQ(cast<BytesValue>((*L)[1])->getValue(), "\x80");
  EXPECT_EQ(cast<Py2StrValue>((*L)[2])->getValue(), "\x80");
  EXPECT_EQ(cast<ByteArrayValue>((*L)[3])->getValue(), "\x80");
}

TEST(ParserNodes, SharingAndCycles) {
  auto C = parseOK(file("[%v0 = [%v0], %v0, %v1 = reduce @m:C () build %v1, "
                        "%v1]"));
  ASSERT_TRUE(C);
  auto *L = cast<ListValue>(C->getRoot());
  auto *Inner = cast<ListValue>((*L)[0]);
  EXPECT_EQ((*L)[1], Inner);
  EXPECT_EQ((*Inner)[0], Inner);
  auto *O = cast<ObjectValue>((*L)[2]);
  EXPECT_EQ(O->getState(), O);
  EXPECT_EQ((*L)[3], O);
}

TEST(ParserNodes, IsTextualIR) {
  auto Is = [](StringRef S) { return isTextualIR(MemoryBufferRef(S, "x")); };
  EXPECT_TRUE(Is("checkpoint zip {"));
  EXPECT_TRUE(Is("// ckpt-migrate IR\ncheckpoint legacy {}"));
  EXPECT_TRUE(Is("\n\t  // a\n// b\r\n  checkpoint"));
  EXPECT_TRUE(Is("checkpoint{"));
  EXPECT_FALSE(Is(""));
  EXPECT_FALSE(Is("// checkpoint"));
  EXPECT_FALSE(Is("checkpoints"));
  EXPECT_FALSE(Is("checkpoint_x"));
  EXPECT_FALSE(Is("root None"));
  EXPECT_FALSE(Is(StringRef("PK\x03\x04", 4)));
  EXPECT_FALSE(Is(StringRef("\x80\x02\x8a\x0alp", 7)));
}

//===----------------------------------------------------------------------===//
// Diagnostics
//===----------------------------------------------------------------------===//

/// Checks that \p Text fails with `bad.ckir:LINE:COL: error: MSG`, followed
/// by the source line and a caret.
void expectError(StringRef Text, StringRef Where, StringRef Msg) {
  std::string E = parseError(Text);
  SCOPED_TRACE(Text.str());
  EXPECT_THAT(E, StartsWith(("bad.ckir:" + Where + ": error: " + Msg).str()));
  EXPECT_THAT(E, HasSubstr("error: expected"));
  EXPECT_THAT(E, HasSubstr("^"));
  EXPECT_FALSE(StringRef(E).ends_with("\n"));
}

TEST(ParserErrors, Syntax) {
  expectError("", "1:1", "expected 'checkpoint'");
  expectError("root None", "1:1", "expected 'checkpoint'");
  expectError("checkpoint zap {}", "1:12", "expected a container kind");
  expectError("checkpoint zip }", "1:16", "expected '{'");
  expectError("checkpoint zip {\n  pickle_protocol x\n}", "2:19",
              "expected a pickle protocol number");
  expectError("checkpoint zip {\n  bogus 1\n}", "2:3",
              "expected a header item");
  expectError("checkpoint zip {\n  record \"a\" \"b\"\n}", "2:14",
              "expected the record's bytes");
  expectError("checkpoint zip {}\nroot", "2:5", "expected a value");
  expectError("checkpoint zip {}\nroot None None", "2:11",
              "expected end of file");
  expectError("checkpoint zip {}\nbogus", "2:1",
              "expected 'storage', 'root' or end of file");
  expectError("checkpoint zip {}\nroot [1 2]", "2:9", "expected ',' or ']'");
  expectError("checkpoint zip {}\nroot (1 2)", "2:9", "expected ',' or ')'");
  expectError("checkpoint zip {}\nroot %v0 = (1)", "2:14",
              "expected ',' after the only element of a tuple");
  expectError("checkpoint zip {}\nroot {1 2}", "2:9",
              "expected ':' after a dict key");
  expectError("checkpoint zip {}\nroot {1: 2 3: 4}", "2:12",
              "expected ',' or '}'");
  expectError("checkpoint zip {}\nroot set{1 2}", "2:12",
              "expected ',' or '}'");
  expectError("checkpoint zip {}\nroot @m", "2:8", "expected ':'");
  expectError("checkpoint zip {}\nroot @m:1", "2:9", "expected a global name");
  expectError("checkpoint zip {}\nroot \"abc", "2:6",
              "expected '\"' at the end of this string");
  expectError("checkpoint zip {}\nroot \"abc\ndef\"", "2:6",
              "expected '\"' at the end of this string");
  expectError("checkpoint zip {}\nroot \"a\\qb\"", "2:8",
              "expected an escape sequence");
  expectError("checkpoint zip {}\nroot \"a\\x4\"", "2:8",
              "expected an escape sequence");
  expectError("checkpoint zip {}\nroot 1e", "2:8", "expected exponent digits");
  expectError("checkpoint zip {}\nroot 12abc", "2:8",
              "expected a delimiter after the number");
  expectError("checkpoint zip {}\nroot -", "2:6", "expected a number");
  expectError("checkpoint zip {}\nroot 1e999", "2:6", "expected a float");
  expectError("checkpoint zip {}\nroot complex(1.0 2.0)", "2:18",
              "expected ','");
  expectError("checkpoint zip {}\nroot complex(1.0, x)", "2:19",
              "expected a float");
  expectError("checkpoint zip {}\nroot %x1", "2:6", "expected '%s' or '%v'");
  expectError("checkpoint zip {}\nroot $", "2:6", "expected a token");
  expectError("checkpoint zip {}\nroot ext 4294967296", "2:10",
              "expected an extension code");
  expectError("checkpoint zip {}\nroot reduce @m:f 1", "2:18",
              "expected an argument tuple");
  expectError("checkpoint zip {}\nroot reduce @m:f () append {}", "2:28",
              "expected '['");
  expectError("checkpoint zip {}\nroot parameter 1", "2:16", "expected '('");
  expectError("checkpoint zip {}\nroot parameter (None", "2:21",
              "expected ')'");
  expectError("checkpoint zip {}\nroot state_dict @m:C [1]", "2:22",
              "expected '{'");
  expectError("checkpoint zip {}\nroot optimizer_state []", "2:22",
              "expected '{'");
  expectError("checkpoint zip {}\nroot 1 // trailing\n2", "3:1",
              "expected end of file");
}

TEST(ParserErrors, Storages) {
  const char *H = "checkpoint zip {}\n";
  expectError(std::string(H) + "storage 1", "2:9", "expected a storage name");
  expectError(std::string(H) + "storage %s0 f33[1]", "2:13",
              "expected a dtype");
  expectError(std::string(H) + "storage %s0 f32[-1]", "2:17",
              "expected the storage's element count");
  expectError(std::string(H) + "storage %s0 f32[1] key \"0\"", "2:20",
              "expected 'location'");
  expectError(std::string(H) + "storage %s0 f32[1] location \"cpu\"", "2:34",
              "expected 'key'");
  expectError(std::string(H) + "storage %s0 f32[1] location cpu key \"0\"",
              "2:29", "expected a string (the storage location)");
  expectError(std::string(H) + "storage %s0 f32[1] location \"cpu\" key "
                               "\"0\" xxh3 12",
              "2:48", "expected a checksum");
  expectError(std::string(H) + "storage %s0 f32[1] location \"cpu\" key "
                               "\"0\" xxh3 0x11112222333344445",
              "2:48", "expected a checksum of at most 16 hex digits");
  expectError(std::string(H) + "storage %s0 f32[1] location \"cpu\" key \"0\"\n"
                               "storage %s0 f32[1] location \"cpu\" key \"1\"",
              "3:9", "expected a new storage name; %s0 is already declared");
  expectError(std::string(H) + "storage %s0 f32[2] location \"cpu\" key "
                               "\"0\" data x\"00000000\"",
              "2:48", "expected 8 bytes of inline data (2 x f32), found 4");
  expectError(std::string(H) + "storage %s0 u8[2] location \"cpu\" key "
                               "\"0\" data x\"00g0\"",
              "2:51", "expected a hex digit");
  expectError(std::string(H) + "storage %s0 u8[2] location \"cpu\" key "
                               "\"0\" data x\"000\"",
              "2:47", "expected an even number of hex digits");
  expectError(std::string(H) + "storage %s0 u8[2] location \"cpu\" key "
                               "\"0\" data \"0000\"",
              "2:47", "expected inline data");
  expectError(std::string(H) + "storage %s0 u8[2] location \"cpu\" key "
                               "\"0\" view %s5 offset 0",
              "2:47", "expected a declared storage; %s5 is not declared");
  expectError(std::string(H) + "storage %s0 u8[2] location \"cpu\" key "
                               "\"0\" view %s0 offset 0",
              "2:47", "expected a view of a storage that is not a view of it");
  expectError(std::string(H) +
                  "storage %s0 u8[4] location \"cpu\" key \"0\"\n"
                  "storage %s1 u8[2] location \"cpu\" key \"1\" view %s0 "
                  "offset 3",
              "3:47", "expected a view inside its root storage (4 bytes)");
  expectError(std::string(H) + "storage %s0 u8[2] location \"cpu\" key "
                               "\"0\" view %s0 size 0",
              "2:51", "expected 'offset'");
  expectError(std::string(H) + "root %s0", "2:6",
              "expected a declared storage; %s0 is not declared");
  expectError(std::string(H) +
                  "storage %s0 u8[1] location \"cpu\" key \"0\" view %s1 "
                  "offset 0\n"
                  "storage %s1 u8[1] location \"cpu\" key \"1\" view %s0 "
                  "offset 0",
              "2:47", "expected a view of a storage that is not a view of it");
}

TEST(ParserNodes, LongViewChains) {
  // Each storage views the next; the last one holds the bytes.
  std::string Text = "checkpoint legacy {}\n";
  const unsigned N = 100000;
  for (unsigned I = 0; I != N; ++I)
    Text += formatv("storage %s{0} u8[1] location \"cpu\" key \"{0}\" view "
                    "%s{1} offset 0\n",
                    I, I + 1)
                .str();
  Text += formatv("storage %s{0} u8[1] location \"cpu\" key \"{0}\" data "
                  "x\"2a\"\n",
                  N)
              .str();
  auto C = parseOK(Text);
  ASSERT_TRUE(C);
  ASSERT_EQ(C->getStorages().size(), N + 1);
  EXPECT_EQ(C->getStorages()[0]->getData(), "*");
  EXPECT_EQ(C->getStorages()[0]->getViewRoot(), C->getStorages()[1]);
}

TEST(ParserErrors, Semantics) {
  std::string H = "checkpoint zip {}\n"
                  "storage %s0 f32[4] location \"cpu\" key \"0\"\n"
                  "storage %s1 untyped[4] location \"cpu\" key \"1\"\n";
  expectError(H + "root %v0", "4:6",
              "expected a defined value; %v0 is not defined before this use");
  expectError(H + "root [%v0 = [], %v0 = []]", "4:17",
              "expected a new value name; %v0 is already defined");
  expectError(H + "root [%v0 = [%v0 = 1]]", "4:14",
              "expected a new value name; %v0 is already defined");
  expectError(H + "root tensor %s0 i64[4] stride [1]", "4:17",
              "expected dtype f32, the dtype of the tensor's storage");
  expectError(H + "root tensor %s1 f32[1] stride [1]", "4:17",
              "expected dtype untyped");
  expectError(H + "root tensor_v3 %s0 f16[4] stride [1]", "4:20",
              "expected dtype f32");
  expectError(H + "root tensor %s0 f32[2, 2] stride [2]", "4:34",
              "expected 2 strides, one per dimension");
  expectError(H + "root tensor %s0 f32[4]", "4:23", "expected 'stride'");
  expectError(H + "root tensor %s0 f32[4] stride [1] offset x", "4:42",
              "expected the storage offset");
  expectError(H + "root tensor %s2 f32[4] stride [1]", "4:13",
              "expected a declared storage; %s2 is not declared");
  expectError(H + "root tensor None", "4:13", "expected a storage (%sN)");
  expectError(H + "root tensor %s0 f32[4] stride [1] subclass @m:T", "4:48",
              "expected 'state'");
  expectError(H + "root tensor %s0 f32[4] stride [1] subclass @m:T wrapper "
                  "state None",
              "4:57", "expected a value");
  expectError(H + "root tensor %s0 f32[4 4] stride [1]", "4:23",
              "expected ',' or ']'");
  expectError(H + "root tensor %s0 f32[99999999999999999999] stride [1]",
              "4:21", "expected a dimension");
}

TEST(ParserErrors, DeepNesting) {
  // Deep nesting is an error, not a stack overflow.
  std::string Deep = "checkpoint zip {}\nroot " + std::string(100000, '[');
  EXPECT_THAT(parseError(Deep),
              HasSubstr("error: expected values nested at most 2000 levels "
                        "deep"));
  std::string Objects = "checkpoint zip {}\nroot ";
  for (int I = 0; I != 5000; ++I)
    Objects += "persistent_id ";
  EXPECT_THAT(parseError(Objects), HasSubstr("2000 levels deep"));
  // 1500 levels are fine.
  std::string OK = "checkpoint zip {}\nroot " + std::string(1500, '[') +
                   std::string(1500, ']');
  EXPECT_EQ(parseError(OK), "no error");
}

/// Parses every prefix of \p Text and many corruptions of it: each must
/// parse or fail with a diagnostic, never crash.
TEST(ParserErrors, NeverCrashes) {
  std::string Text =
      "// ckpt-migrate IR\n"
      "checkpoint legacy {\n"
      "  pickle_protocol 2\n"
      "  magic 119547037146038801333356\n"
      "  sys_info {\"little_endian\": True}\n"
      "  record \"r\" b\"\\x00\"\n"
      "}\n"
      "storage %s0 f32[2] location \"cpu\" key \"0\" data "
      "x\"0000803f00000040\"\n"
      "storage %s1 f32[1] location \"cpu\" key \"1\" view %s0 offset 1\n"
      "storage %s2 untyped[2] location \"cpu\" key \"2\" xxh3 0x1\n"
      "root %v0 = state_dict {\n"
      "  \"a\": tensor %s0 f32[2] stride [1] requires_grad hooks None,\n"
      "  \"b\": parameter_legacy (%v1 = tensor_class %s1 f32[1] stride [1]) "
      "state (reduce @torch.nn.parameter:Parameter (%v1,) build (True,)),\n"
      "  \"c\": [%v0, set{1.5, -nan}, frozenset{}, complex(1.0, 2.0)],\n"
      "  \"d\": tensor_v3 %s2 f16[1] stride [1] metadata {},\n"
      "  \"e\": newobj_ex @m:C () kwargs {} append [b\"x\"] setitems {} build "
      "persistent_id ext 3,\n"
      "} build optimizer_state {\"state\": {}, \"param_groups\": []}\n";
  ASSERT_EQ(parseError(Text), "no error");
  // Every prefix, in buffers without a null terminator after them.
  for (size_t I = 0; I <= Text.size(); ++I) {
    auto C = parseCheckpointText(
        MemoryBuffer::getMemBuffer(StringRef(Text).take_front(I), "prefix.ckir",
                                   /*RequiresNullTerminator=*/false));
    if (!C)
      consumeError(C.takeError());
  }
  std::mt19937 Rng(1234);
  const char Interesting[] = "[](){}%,:=@\"\\x0-.e9 \n/sv";
  for (int Round = 0; Round != 3000; ++Round) {
    std::string T = Text;
    for (int K = 0; K != 3; ++K) {
      size_t Pos = Rng() % T.size();
      switch (Rng() % 3) {
      case 0:
        T[Pos] = Interesting[Rng() % (sizeof(Interesting) - 1)];
        break;
      case 1:
        T.erase(Pos, 1 + Rng() % 8);
        break;
      default:
        T.insert(Pos, 1, char(Rng() % 256));
        break;
      }
      if (T.empty())
        T = "x";
    }
    auto C = parse(T);
    if (C)
      (void)print(**C); // What parses must print.
    else
      consumeError(C.takeError());
  }
}

//===----------------------------------------------------------------------===//
// Real checkpoints
//===----------------------------------------------------------------------===//

std::string corpusDir() {
  if (const char *Env = std::getenv("CKPT_CORPUS_DIR"))
    return Env;
  return CKPT_CORPUS_DIR;
}

/// Reads every corpus file that reads, prints it, parses the text and prints
/// it again: both texts must be identical, with checksums and with inline
/// data, lowered and not.
TEST(ParserCorpus, RoundTrip) {
  std::string Dir = corpusDir();
  if (!sys::fs::is_directory(Dir))
    GTEST_SKIP() << "no corpus at " << Dir;
  std::vector<std::string> Files;
  std::error_code EC;
  for (sys::fs::directory_iterator It(Dir, EC), End; It != End && !EC;
       It.increment(EC)) {
    StringRef Name = sys::path::filename(It->path());
    if (Name == "MANIFEST.tsv" || Name == "README.md" || Name.starts_with("."))
      continue;
    Files.push_back(It->path());
  }
  std::sort(Files.begin(), Files.end());
  unsigned RoundTripped = 0;
  for (const std::string &Path : Files) {
    for (bool Lower : {true, false}) {
      SCOPED_TRACE(Path + (Lower ? "" : " (-no-lower)"));
      ReaderOptions RO;
      RO.Lower = Lower;
      auto C = readCheckpointFile(Path, RO);
      if (!C) {
        consumeError(C.takeError()); // Refused files have their own tests.
        continue;
      }
      for (bool Inline : {false, true}) {
        std::string T1 = print(**C, Inline);
        auto C2 = parseCheckpointText(MemoryBuffer::getMemBufferCopy(
            T1, sys::path::filename(Path).str() + ".ckir"));
        if (!C2) {
          ADD_FAILURE() << "inline=" << Inline << ": "
                        << toString(C2.takeError());
          continue;
        }
        std::string T2 = print(**C2, Inline);
        EXPECT_TRUE(T1 == T2)
            << "inline=" << Inline << ": text -> parse -> print differs";
        if (Inline) {
          // The inline bytes are the file's: their checksums print as read.
          EXPECT_TRUE(print(**C2, false) == print(**C, false));
        }
        if (T1 == T2)
          ++RoundTripped;
      }
    }
  }
  EXPECT_GT(RoundTripped, 0u);
}

} // namespace
