//===- Versions.td - The PyTorch releases ckpt-migrate knows -*- tablegen -*-===//
//
// Part of ckpt-migrate. What each PyTorch release reads and writes, oldest
// first; each release derives from the one before and states only what
// changed. `ckpt-tblgen -gen-target-tables` turns this file into the
// TargetSpec tables behind `-target=` and `-verify-target=`;
// `-gen-target-docs` into docs/Targets.md.
//
// Facts come from the project's format reference (formats.md; "§2.4" below
// is its section 2.4, pytorch#N an issue or PR of pytorch/pytorch). Its
// confidence marks are repeated here where a fact is not verified:
//   [M]  medium: inferred from adjacent versions or indirect evidence;
//   [L]  low: from memory, a hypothesis to test.
// Facts without a mark are verified or stated by a primary source. A few
// were checked against the module sources published with each release's
// docs (pytorch.org/docs/<version>/_modules/torch/_utils.html); those say
// "release docs" below.
//
// A fact whose first release is uncertain is placed at the described
// release nearest the estimate; releases in between may be missing it.
//
//===----------------------------------------------------------------------===//

include "ckpt/Target/TargetBase.td"

// The eight classic storage classes, their dtypes and (from 0.4.0) their
// dtype objects.
defvar ClassicStorages = ["DoubleStorage", "FloatStorage", "HalfStorage",
                          "LongStorage", "IntStorage", "ShortStorage",
                          "CharStorage", "ByteStorage"];
defvar ClassicDTypes = ["f64", "f32", "f16", "i64", "i32", "i16", "i8", "u8"];
defvar ClassicDTypeGlobals = [
  "torch.float64", "torch.double", "torch.float32", "torch.float",
  "torch.float16", "torch.half", "torch.int64", "torch.long", "torch.int32",
  "torch.int", "torch.int16", "torch.short", "torch.int8", "torch.uint8"];

//===----------------------------------------------------------------------===//
// 0.x
//===----------------------------------------------------------------------===//

// The oldest release described. 0.1.10 wrote tensors as their class with a
// 4-tuple state (§2.2), a form TargetSpec has no name for; 0.1.11 - 0.3.1
// use _rebuild_tensor (§2.2, pytorch#1050).
// Containers: tar (0.1.x <= 0.1.9) is readable by every release; the legacy
// stream by 0.1.10+ (§1.1; release mapping of pytorch#713 [M]).
// Parameters: Parameter(data) + BUILD state (§2.2; 0.3 mapping [M]).
// Optimizers: SGD nesterov from 0.1.x (§3.4); the other keys are the
// classes' basic hyperparameters.
def Torch_0_1_12 : Release<"0.1.12", NoRelease> {
  let summary = "Legacy magic-number stream; tensors via `_rebuild_tensor`.";
  let addContainers = ["tar", "legacy"];
  let defaultContainer = "legacy";
  let addRebuildFunctions = ["_rebuild_tensor"];
  let addStorageClasses = ClassicStorages;
  let addTorchGlobals = ["torch.Size", "torch.nn.parameter.Parameter"];
  let addDTypes = ClassicDTypes;
  let tensorForm = "tensor_v1";
  let parameterForm = "parameter_legacy";
  // Old loaders know only `cpu` and `cuda*` (§3.1).
  let addLocations = ["cpu", "cuda"];
  let addParamGroupKeys = !listconcat(
      OptimizerKeys<"sgd", ["params", "lr", "momentum", "dampening",
                            "weight_decay", "nesterov"]>.keys,
      OptimizerKeys<"adam", ["params", "lr", "betas", "eps",
                             "weight_decay"]>.keys);
  // Python 2.7 reads pickle protocol <= 2 (§1.5).
  let maxPickleProtocol = 2;
}

// No change to the format is recorded between 0.1.12 and 0.3.1.
def Torch_0_2 : Release<"0.2", Torch_0_1_12> {
  let summary = "Same format as 0.1.12.";
}

// UTILS-0.3 has only _rebuild_tensor; _rebuild_tensor_v2 files fail in
// <= 0.3.1 (§3.1, pytorch#5729).
def Torch_0_3 : Release<"0.3", Torch_0_2> {
  let summary = "Same format as 0.2; the last release without "
                "`_rebuild_tensor_v2`.";
}

// 0.4.0: tensors via _rebuild_tensor_v2 (§2.2, pytorch#5729); 0-dim tensors,
// torch.device and dtype objects (§3.3 [S]/[M]); layouts strided and
// sparse_coo and the exact list of dtype objects (§4.1 [M]).
// Parameters are pickled as plain tensors: no Parameter.__reduce_ex__
// (§2.3, pytorch#8077).
// torch.Tensor is the tensor class (Variable merged into Tensor) [M].
// Adam amsgrad (§3.4 [M]).
def Torch_0_4_0 : Release<"0.4.0", Torch_0_3> {
  let summary = "`_rebuild_tensor_v2`, `torch.device` and dtype objects; "
                "Parameters saved as plain tensors.";
  let addRebuildFunctions = ["_rebuild_tensor_v2"];
  let addTorchGlobals = !listconcat(
      ["torch.Tensor", "torch.device", "torch.strided", "torch.sparse_coo"],
      ClassicDTypeGlobals);
  let tensorForm = "tensor";
  let parameterForm = "tensor";
  let addParamGroupKeys = ["adam:amsgrad"];
}

// 0.4.1: Parameter.__reduce_ex__ -> Parameter(data, requires_grad)
// (§2.3, PR pytorch#8633; release mapping [M]). State dicts carry
// `_metadata` and BatchNorm num_batches_tracked with version 2
// (§2.5, §3.2, PR pytorch#6639, issue pytorch#8481).
def Torch_0_4_1 : Release<"0.4.1", Torch_0_4_0> {
  let summary = "Parameters as `Parameter(data, requires_grad)`; "
                "`_metadata` module versions.";
  let parameterForm = "parameter_call";
  let hasModuleVersions = true;
}

//===----------------------------------------------------------------------===//
// 1.x
//===----------------------------------------------------------------------===//

// 1.0: _rebuild_parameter (§2.3, UTILS-1.0; pytorch#15375).
def Torch_1_0 : Release<"1.0", Torch_0_4_1> {
  let summary = "Parameters via `_rebuild_parameter`.";
  let addRebuildFunctions = ["_rebuild_parameter"];
  let parameterForm = "parameter";
}

// No change to the format is recorded for 1.1.
def Torch_1_1 : Release<"1.1", Torch_1_0> {
  let summary = "Same format as 1.0.";
}

// 1.2: BoolStorage and torch.bool (§2.4, §3.3 [M]). AdamW exists (§3.4 [M]).
// 1.2 also has a _rebuild_qtensor(storage, offset, size, stride, scale,
// zero_point, requires_grad, hooks) (release docs) that cannot read the
// 1.3+ quantizer_params form, so it is not listed here.
def Torch_1_2 : Release<"1.2", Torch_1_1> {
  let summary = "bool tensors; AdamW.";
  let addStorageClasses = ["BoolStorage"];
  let addDTypes = ["bool"];
  let addTorchGlobals = ["torch.bool"];
  let addParamGroupKeys = OptimizerKeys<"adamw", ["params", "lr", "betas",
                                                   "eps", "weight_decay",
                                                   "amsgrad"]>.keys;
}

// 1.3: BFloat16Storage (§2.4, §3.3 [M]). Quantized tensors: _rebuild_qtensor
// with (qscheme, ...) quantizer params, the qschemes per_tensor_affine and
// per_channel_affine, QInt8/QUInt8/QInt32 storages (§2.2, §2.4, §3.3 [M];
// _rebuild_qtensor's form and the qschemes checked in the release docs).
// _rebuild_xla_tensor (release docs; absent from 1.2's).
def Torch_1_3 : Release<"1.3", Torch_1_2> {
  let summary = "bfloat16; quantized tensors (`_rebuild_qtensor`).";
  let addRebuildFunctions = ["_rebuild_qtensor", "_rebuild_xla_tensor"];
  let addStorageClasses = ["BFloat16Storage", "QInt8Storage", "QUInt8Storage",
                           "QInt32Storage"];
  let addDTypes = ["bf16", "qi8", "qu8", "qi32"];
  let addTorchGlobals = ["torch.bfloat16", "torch.qint8", "torch.quint8",
                         "torch.qint32", "torch.per_tensor_affine",
                         "torch.per_channel_affine"];
}

// 1.4: reads zip (§1.1, pytorch#47243, mmdetection#3636), up to version 2
// (§1.4 reader version gate); writing it is opt-in
// (_use_new_zipfile_serialization, PR pytorch#29232).
// _rebuild_sparse_tensor (§2.2; release docs: in 1.4, not in 1.3) with
// layouts pickled through torch.serialization._get_layout (§2.5 "1.x+";
// placed with sparse pickling [M]). Python 2.7 is still supported (§1.5).
def Torch_1_4 : Release<"1.4", Torch_1_3> {
  let summary = "Reads zip archives up to version 2; sparse COO tensors.";
  let addContainers = ["zip"];
  let maxZipVersion = 2;
  let addRebuildFunctions = ["_rebuild_sparse_tensor"];
  let addTorchGlobals = ["torch.serialization._get_layout"];
}

// 1.5: zip reader accepts version 3 (§1.4: ">= 3 from 1.5/1.6", [M] for
// 1.5). Python 3 only: protocol 4 (§1.5).
def Torch_1_5 : Release<"1.5", Torch_1_4> {
  let summary = "Reads zip version 3; Python 3 only.";
  let maxZipVersion = 3;
  let maxPickleProtocol = 4;
}

// 1.6: torch.save writes zip by default (§1.1, PR pytorch#32958; NOTES).
// ComplexFloat/ComplexDouble storages (§2.4, §3.3 [L]).
def Torch_1_6 : Release<"1.6", Torch_1_5> {
  let summary = "Writes zip by default; complex tensors.";
  let defaultContainer = "zip";
  let addStorageClasses = ["ComplexFloatStorage", "ComplexDoubleStorage"];
  let addDTypes = ["c64", "c128"];
  let addTorchGlobals = ["torch.complex64", "torch.cfloat", "torch.complex128",
                         "torch.cdouble"];
}

// 1.7: the zip reader accepts up to version 5 (§1.4, VER-H "~1.7" [M]);
// later readers accept more, torch.save still writes 3.
def Torch_1_7 : Release<"1.7", Torch_1_6> {
  let summary = "Reads zip version 5.";
  let maxZipVersion = 5;
}

// 1.8: QUInt4x2Storage (§2.4, §3.3 "~1.8" [L]) and the float-qparams
// qscheme of 4-bit embeddings [L, not in formats.md].
def Torch_1_8 : Release<"1.8", Torch_1_7> {
  let summary = "quint4x2 tensors.";
  let addStorageClasses = ["QUInt4x2Storage"];
  let addDTypes = ["qu4x2"];
  let addTorchGlobals = ["torch.quint4x2",
                         "torch.per_channel_affine_float_qparams"];
}

// 1.9: module torch._tensor and _rebuild_from_type_v2 (§2.2, §3.1 [M]).
def Torch_1_9 : Release<"1.9", Torch_1_8> {
  let summary = "Tensor subclasses via "
                "`torch._tensor._rebuild_from_type_v2`.";
  let addRebuildFunctions = ["_rebuild_from_type_v2"];
}

// 1.10: QUInt2x4Storage (§2.4, §3.3 "~1.10" [L]); _rebuild_sparse_csr_tensor
// (§2.2 "1.10-1.13" [M]); SGD maximize (§3.4 "~1.10" [L]).
def Torch_1_10 : Release<"1.10", Torch_1_9> {
  let summary = "quint2x4; sparse CSR tensors; SGD `maximize`.";
  let addRebuildFunctions = ["_rebuild_sparse_csr_tensor"];
  let addStorageClasses = ["QUInt2x4Storage"];
  let addDTypes = ["qu2x4"];
  let addTorchGlobals = ["torch.quint2x4"];
  let addParamGroupKeys = ["sgd:maximize"];
}

// 1.11: Adam maximize (§3.4, PR pytorch#68164); AdamW the same [L].
// Storages become TypedStorage over untyped bytes (§2.4 [M], PR
// pytorch#62030); pickles keep the typed names, so nothing else changes.
def Torch_1_11 : Release<"1.11", Torch_1_10> {
  let summary = "Adam `maximize`.";
  let addParamGroupKeys = ["adam:maximize", "adamw:maximize"];
}

// 1.12: optimizer `step` is a 0-dim float32 tensor (§3.4, PR pytorch#71333).
// Adam foreach and capturable, SGD foreach (§3.4 [M]; SGD "~1.11/1.12");
// AdamW the same [L]. The mps location (MPS backend) [L, not in formats.md].
def Torch_1_12 : Release<"1.12", Torch_1_11> {
  let summary = "Optimizer `step` as a tensor; `foreach`, `capturable`; mps.";
  let tensorOptimizerStep = true;
  let addParamGroupKeys = ["adam:foreach", "adam:capturable", "sgd:foreach",
                           "adamw:foreach", "adamw:capturable"];
  let addLocations = ["mps"];
}

// 1.13: differentiable (Adam, SGD) and Adam fused (§3.4, docs 1.13);
// AdamW differentiable [L]. torch.UntypedStorage (§2.4: 1.13.1 has it;
// first release [M]; §2.1: loaders read it as uint8 bytes).
// _rebuild_wrapper_subclass is present in 1.13 (§2.2; first release [M]);
// _rebuild_meta_tensor_no_storage (§2.2; first release [L]).
def Torch_1_13 : Release<"1.13", Torch_1_12> {
  let summary = "`differentiable` and `fused` optimizers; "
                "`torch.UntypedStorage`.";
  let addRebuildFunctions = ["_rebuild_wrapper_subclass",
                             "_rebuild_meta_tensor_no_storage"];
  let addStorageClasses = ["UntypedStorage"];
  let addDTypes = ["untyped"];
  let addParamGroupKeys = ["adam:differentiable", "adam:fused",
                           "sgd:differentiable", "adamw:differentiable"];
}

//===----------------------------------------------------------------------===//
// 2.x
//===----------------------------------------------------------------------===//

// 2.0: _rebuild_parameter_with_state for Parameters with Python state
// (§2.3, PR pytorch#81616 [V]/[M]). Sparse CSR goes through
// _rebuild_sparse_tensor (§2.2: _rebuild_sparse_csr_tensor is 1.10-1.13 [M]).
// _rebuild_nested_tensor (§2.2 "2.x" [L]). AdamW fused [L].
// Python >= 3.8: protocol 5 [L, not in formats.md].
def Torch_2_0 : Release<"2.0", Torch_1_13> {
  let summary = "`_rebuild_parameter_with_state`; nested tensors.";
  let addRebuildFunctions = ["_rebuild_parameter_with_state",
                             "_rebuild_nested_tensor"];
  let removeRebuildFunctions = ["_rebuild_sparse_csr_tensor"];
  let addParamGroupKeys = ["adamw:fused"];
  let maxPickleProtocol = 5;
}

// 2.1: zip archives gain a `byteorder` record (§1.4), ignored by older
// readers; float8 dtypes exist but cannot be saved (§3.3, pytorch#114634).
// Nothing TargetSpec describes changes.
def Torch_2_1 : Release<"2.1", Torch_2_0> {
  let summary = "Same as 2.0 here (zip archives gain `byteorder`).";
}

// 2.2: _rebuild_tensor_v3 over torch.UntypedStorage for the dtypes without a
// typed storage class (§2.2, PR pytorch#114662): float8_e5m2 and
// float8_e4m3fn (§3.3), the fnuz float8s and bits* ([M]).
def Torch_2_2 : Release<"2.2", Torch_2_1> {
  let summary = "`_rebuild_tensor_v3`: float8 and bits dtypes.";
  let addRebuildFunctions = ["_rebuild_tensor_v3"];
  let addDTypes = ["f8e5m2", "f8e4m3fn",
                   // [M]
                   "f8e5m2fnuz", "f8e4m3fnuz", "bits8", "bits16", "bits1x8",
                   "bits2x4", "bits4x2"];
  let addTorchGlobals = ["torch.float8_e5m2", "torch.float8_e4m3fn",
                         "torch.float8_e5m2fnuz", "torch.float8_e4m3fnuz",
                         "torch.bits8", "torch.bits16", "torch.bits1x8",
                         "torch.bits2x4", "torch.bits4x2"];
}

// 2.3: complex32 (§3.3, PR pytorch#120388) and uint16/32/64 ([M]) through
// _rebuild_tensor_v3. SGD fused (§3.4 "~2.3" [L]).
def Torch_2_3 : Release<"2.3", Torch_2_2> {
  let summary = "complex32 and uint16/32/64; SGD `fused`.";
  let addDTypes = ["c32", "u16", "u32", "u64"];
  let addTorchGlobals = ["torch.complex32", "torch.chalf", "torch.uint16",
                         "torch.uint32", "torch.uint64"];
  let addParamGroupKeys = ["sgd:fused"];
}

// 2.6: torch.load defaults to weights_only=True (§3.6, NOTES).
// _rebuild_device_tensor_from_cpu_tensor (§2.2 "2.5/2.6+" [M]).
def Torch_2_6 : Release<"2.6", Torch_2_3> {
  let summary = "`torch.load` defaults to `weights_only=True`.";
  let weightsOnlyDefault = true;
  let addRebuildFunctions = ["_rebuild_device_tensor_from_cpu_tensor"];
}

// 2.7: zip archives gain .format_version and .storage_alignment records and
// store storages in pickle order (§1.4, PRs pytorch#143879, #143880,
// #147788), all readable by older zip readers. float8_e8m0fnu (§3.3 "~2.7"
// [L]); Adam decoupled_weight_decay (§3.4 "2.7-ish" [L]).
def Torch_2_7 : Release<"2.7", Torch_2_6> {
  let summary = "float8_e8m0fnu; Adam `decoupled_weight_decay`.";
  let addDTypes = ["f8e8m0fnu"];
  let addTorchGlobals = ["torch.float8_e8m0fnu"];
  let addParamGroupKeys = ["adam:decoupled_weight_decay"];
}
