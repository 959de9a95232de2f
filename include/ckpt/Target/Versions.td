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
// Module and object classes (the torch.nn and torch.optim classes a whole
// pickled model or optimizer names): the 1.13 lists are exactly the public
// classes of torch 1.13's torch.nn.modules.*, torch.nn.parallel and
// torch.optim, read from an installed torch 1.13 ("local 1.13"); every
// older release is 1.13 minus the classes added later, which assumes the
// module path of a class never changed [M]. First releases come from user
// reports of `Can't get attribute 'X'` / `module 'torch.nn' has no attribute
// 'X'` (cited as issue repo#N) and from PR dates; the rest are marked.
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

// Module paths of torch.nn classes.
defvar NNAct = "torch.nn.modules.activation";
defvar NNLinear = "torch.nn.modules.linear";
defvar NNConv = "torch.nn.modules.conv";
defvar NNPool = "torch.nn.modules.pooling";
defvar NNBatchNorm = "torch.nn.modules.batchnorm";
defvar NNInstanceNorm = "torch.nn.modules.instancenorm";
defvar NNNorm = "torch.nn.modules.normalization";
defvar NNDropout = "torch.nn.modules.dropout";
defvar NNPadding = "torch.nn.modules.padding";
defvar NNLoss = "torch.nn.modules.loss";
defvar NNContainer = "torch.nn.modules.container";
defvar NNOptim = "torch.optim";

// The torch.nn classes of 0.1.12 [M]: 1.13's minus those added later.
defvar NNClasses_0_1 = !listconcat(
    ["torch.nn.modules.module.Module",
     "torch.nn.modules.sparse.Embedding",
     "torch.nn.modules.pixelshuffle.PixelShuffle",
     "torch.nn.modules.upsampling.UpsamplingNearest2d",
     "torch.nn.modules.upsampling.UpsamplingBilinear2d",
     "torch.nn.modules.distance.PairwiseDistance",
     "torch.nn.parallel.data_parallel.DataParallel",
     // A function whole modules of 0.1 - 0.4 pickle for their `_backend`
     // (corpus t01, t02); still in local 1.13.
     "torch.nn.backends.thnn._get_thnn_function_backend"],
    ClassesOf<NNAct, ["Threshold", "ReLU", "Hardtanh", "ReLU6", "Sigmoid",
                      "Tanh", "ELU", "LeakyReLU", "LogSigmoid", "Softplus",
                      "Softshrink", "PReLU", "Softsign", "Tanhshrink",
                      "Softmin", "Softmax", "Softmax2d", "LogSoftmax",
                      "Hardshrink", "RReLU"]>.names,
    ClassesOf<NNLinear, ["Linear", "Bilinear"]>.names,
    ClassesOf<NNConv, ["Conv1d", "Conv2d", "Conv3d", "ConvTranspose1d",
                       "ConvTranspose2d", "ConvTranspose3d"]>.names,
    ClassesOf<NNPool, ["MaxPool1d", "MaxPool2d", "MaxPool3d", "MaxUnpool1d",
                       "MaxUnpool2d", "MaxUnpool3d", "AvgPool1d", "AvgPool2d",
                       "AvgPool3d", "FractionalMaxPool2d", "LPPool2d",
                       "AdaptiveMaxPool1d", "AdaptiveMaxPool2d",
                       "AdaptiveAvgPool1d", "AdaptiveAvgPool2d"]>.names,
    ClassesOf<NNBatchNorm, ["BatchNorm1d", "BatchNorm2d",
                            "BatchNorm3d"]>.names,
    ClassesOf<NNInstanceNorm, ["InstanceNorm1d", "InstanceNorm2d",
                               "InstanceNorm3d"]>.names,
    ClassesOf<NNDropout, ["Dropout", "Dropout2d", "Dropout3d"]>.names,
    ClassesOf<NNPadding, ["ReflectionPad2d", "ReplicationPad2d",
                          "ReplicationPad3d", "ZeroPad2d"]>.names,
    ClassesOf<"torch.nn.modules.rnn", ["RNNBase", "RNN", "LSTM", "GRU",
                                       "RNNCellBase", "RNNCell", "LSTMCell",
                                       "GRUCell"]>.names,
    ClassesOf<NNContainer, ["Container", "Sequential", "ModuleList",
                            "ParameterList"]>.names,
    ClassesOf<NNLoss, ["L1Loss", "NLLLoss", "NLLLoss2d", "KLDivLoss",
                       "MSELoss", "BCELoss", "CrossEntropyLoss",
                       "HingeEmbeddingLoss", "MultiLabelMarginLoss",
                       "SmoothL1Loss", "SoftMarginLoss",
                       "MultiLabelSoftMarginLoss", "CosineEmbeddingLoss",
                       "MarginRankingLoss", "MultiMarginLoss",
                       "TripletMarginLoss"]>.names);

// The torch.optim classes of 0.1.12 [M], and torch.autograd's Variable,
// which 0.1 - 0.3 Parameters pickle (corpus t01).
defvar ObjectClasses_0_1 = [
  "torch.autograd.variable.Variable", "torch.optim.optimizer.Optimizer",
  "torch.optim.sgd.SGD", "torch.optim.adam.Adam",
  "torch.optim.adagrad.Adagrad", "torch.optim.adadelta.Adadelta",
  "torch.optim.adamax.Adamax", "torch.optim.asgd.ASGD",
  "torch.optim.rmsprop.RMSprop", "torch.optim.rprop.Rprop",
  "torch.optim.lbfgs.LBFGS"];

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
  let addModuleClasses = NNClasses_0_1;
  let addObjectClasses = ObjectClasses_0_1;
}

// No change to the format is recorded between 0.1.12 and 0.3.1.
// torch.nn and torch.optim of 0.2: SELU, GLU, EmbeddingBag, 3-d adaptive
// pooling, BCEWithLogitsLoss, DistributedDataParallel and the LR schedulers
// of torch.optim.lr_scheduler [M]; LPPool1d, ConstantPad2d,
// CosineSimilarity, PoissonNLLLoss and Upsample [L].
def Torch_0_2 : Release<"0.2", Torch_0_1_12> {
  let summary = "Same format as 0.1.12.";
  let addModuleClasses = !listconcat(
      ClassesOf<NNAct, ["SELU", "GLU"]>.names,
      ClassesOf<NNPool, ["AdaptiveMaxPool3d", "AdaptiveAvgPool3d",
                         "LPPool1d"]>.names,
      ClassesOf<NNPadding, ["ConstantPad2d"]>.names,
      ClassesOf<NNLoss, ["BCEWithLogitsLoss", "PoissonNLLLoss"]>.names,
      ["torch.nn.modules.sparse.EmbeddingBag",
       "torch.nn.modules.distance.CosineSimilarity",
       "torch.nn.modules.upsampling.Upsample",
       "torch.nn.parallel.distributed.DistributedDataParallel"]);
  let addObjectClasses = ClassesOf<"torch.optim.lr_scheduler",
      ["_LRScheduler", "LambdaLR", "StepLR", "MultiStepLR", "ExponentialLR",
       "ReduceLROnPlateau"]>.names;
}

// UTILS-0.3 has only _rebuild_tensor; _rebuild_tensor_v2 files fail in
// <= 0.3.1 (§3.1, pytorch#5729).
// LocalResponseNorm, CrossMapLRN2d, AlphaDropout, CosineAnnealingLR [L].
def Torch_0_3 : Release<"0.3", Torch_0_2> {
  let summary = "Same format as 0.2; the last release without "
                "`_rebuild_tensor_v2`.";
  let addModuleClasses = !listconcat(
      ClassesOf<NNNorm, ["LocalResponseNorm", "CrossMapLRN2d"]>.names,
      ClassesOf<NNDropout, ["AlphaDropout"]>.names);
  let addObjectClasses = ["torch.optim.lr_scheduler.CosineAnnealingLR"];
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
  // LayerNorm [M]; ModuleDict, ParameterDict, the 1-d and 3-d pads and
  // SparseAdam [L].
  let addModuleClasses = !listconcat(
      ClassesOf<NNNorm, ["LayerNorm"]>.names,
      ClassesOf<NNContainer, ["ModuleDict", "ParameterDict"]>.names,
      ClassesOf<NNPadding, ["ReflectionPad1d", "ReplicationPad1d",
                            "ConstantPad1d", "ConstantPad3d"]>.names);
  let addObjectClasses = ["torch.optim.sparse_adam.SparseAdam"];
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
  // GroupNorm: its docs PR pytorch#7086 (30 April 2018) is after 0.4.0
  // (24 April) [M]. Fold, Unfold, AdaptiveLogSoftmaxWithLoss [L].
  let addModuleClasses = [
    "torch.nn.modules.normalization.GroupNorm", "torch.nn.modules.fold.Fold",
    "torch.nn.modules.fold.Unfold",
    "torch.nn.modules.adaptive.AdaptiveLogSoftmaxWithLoss"];
}

//===----------------------------------------------------------------------===//
// 1.x
//===----------------------------------------------------------------------===//

// 1.0: _rebuild_parameter (§2.3, UTILS-1.0; pytorch#15375).
def Torch_1_0 : Release<"1.0", Torch_0_4_1> {
  let summary = "Parameters via `_rebuild_parameter`.";
  let addRebuildFunctions = ["_rebuild_parameter"];
  let parameterForm = "parameter";
  // CELU, CTCLoss, FeatureAlphaDropout [L].
  let addModuleClasses = [
    "torch.nn.modules.activation.CELU", "torch.nn.modules.loss.CTCLoss",
    "torch.nn.modules.dropout.FeatureAlphaDropout"];
}

// No change to the format is recorded for 1.1.
// nn.Identity (issues huggingface/transformers#869, asyml/texar-pytorch#123:
// absent from 1.0, "added in 1.1.0"); MultiheadAttention and SyncBatchNorm
// [M]; CyclicLR, CosineAnnealingWarmRestarts [L].
def Torch_1_1 : Release<"1.1", Torch_1_0> {
  let summary = "Same format as 1.0.";
  let addModuleClasses = [
    "torch.nn.modules.linear.Identity",
    "torch.nn.modules.activation.MultiheadAttention",
    "torch.nn.modules.batchnorm.SyncBatchNorm",
    // [L]
    "torch.nn.modules.pooling.FractionalMaxPool3d"];
  let addObjectClasses = ClassesOf<"torch.optim.lr_scheduler",
      ["CyclicLR", "CosineAnnealingWarmRestarts"]>.names;
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
  // nn.Flatten (issue f-dangel/backpack#6: "PyTorch 1.2.0 introduced a
  // Flatten module"); the Transformer modules [M].
  let addModuleClasses = !listconcat(
      ["torch.nn.modules.flatten.Flatten"],
      ClassesOf<"torch.nn.modules.transformer",
                ["Transformer", "TransformerEncoder", "TransformerDecoder",
                 "TransformerEncoderLayer", "TransformerDecoderLayer"]>.names);
  let addObjectClasses = ["torch.optim.adamw.AdamW"];
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
  // Eager-mode quantization stubs (corpus t33) [M]; OneCycleLR [L].
  let addModuleClasses = ClassesOf<"torch.quantization.stubs",
      ["QuantStub", "DeQuantStub", "QuantWrapper"]>.names;
  let addObjectClasses = ["torch.optim.lr_scheduler.OneCycleLR"];
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
  // nn.GELU: PR pytorch#28944 (31 October 2019), after 1.3 [M].
  // MultiplicativeLR [L].
  let addModuleClasses = ["torch.nn.modules.activation.GELU"];
  let addObjectClasses = ["torch.optim.lr_scheduler.MultiplicativeLR"];
}

// 1.5: zip reader accepts version 3 (§1.4: ">= 3 from 1.5/1.6", [M] for
// 1.5). Python 3 only: protocol 4 (§1.5).
def Torch_1_5 : Release<"1.5", Torch_1_4> {
  let summary = "Reads zip version 3; Python 3 only.";
  let maxZipVersion = 3;
  let maxPickleProtocol = 4;
  // MultiheadAttention's out_proj class [L].
  let addModuleClasses = ["torch.nn.modules.linear._LinearWithBias"];
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
  // nn.Hardswish (issues ultralytics/yolov5#773, aovoc/nnieqat-pytorch#8:
  // absent from 1.5, present in 1.6); Hardsigmoid and stochastic weight
  // averaging (torch.optim.swa_utils) [M].
  let addModuleClasses = !listconcat(
      ClassesOf<NNAct, ["Hardswish", "Hardsigmoid"]>.names,
      ["torch.optim.swa_utils.AveragedModel"]);
  let addObjectClasses = ["torch.optim.swa_utils.SWALR"];
}

// 1.7: the zip reader accepts up to version 5 (§1.4, VER-H "~1.7" [M]);
// later readers accept more, torch.save still writes 3.
// nn.SiLU (issues ultralytics/yolov5#1849 on 1.6, wenet-e2e/wenet#626
// "SiLU is shipped since pyTorch 1.7"); Unflatten and
// TripletMarginWithDistanceLoss [L].
def Torch_1_7 : Release<"1.7", Torch_1_6> {
  let summary = "Reads zip version 5.";
  let maxZipVersion = 5;
  let addModuleClasses = [
    "torch.nn.modules.activation.SiLU", "torch.nn.modules.flatten.Unflatten",
    "torch.nn.modules.loss.TripletMarginWithDistanceLoss"];
}

// 1.8: QUInt4x2Storage (§2.4, §3.3 "~1.8" [L]) and the float-qparams
// qscheme of 4-bit embeddings [L, not in formats.md].
def Torch_1_8 : Release<"1.8", Torch_1_7> {
  let summary = "quint4x2 tensors.";
  let addStorageClasses = ["QUInt4x2Storage"];
  let addDTypes = ["qu4x2"];
  let addTorchGlobals = ["torch.quint4x2",
                         "torch.per_channel_affine_float_qparams"];
  // Lazy modules, PixelUnshuffle, GaussianNLLLoss; MultiheadAttention's
  // out_proj becomes NonDynamicallyQuantizableLinear [L].
  let addModuleClasses = !listconcat(
      ClassesOf<NNLinear, ["LazyLinear",
                           "NonDynamicallyQuantizableLinear"]>.names,
      ClassesOf<NNConv, ["LazyConv1d", "LazyConv2d", "LazyConv3d",
                         "LazyConvTranspose1d", "LazyConvTranspose2d",
                         "LazyConvTranspose3d"]>.names,
      ["torch.nn.modules.pixelshuffle.PixelUnshuffle",
       "torch.nn.modules.loss.GaussianNLLLoss"]);
  let removeModuleClasses = ["torch.nn.modules.linear._LinearWithBias"];
}

// 1.9: module torch._tensor and _rebuild_from_type_v2 (§2.2, §3.1 [M]).
def Torch_1_9 : Release<"1.9", Torch_1_8> {
  let summary = "Tensor subclasses via "
                "`torch._tensor._rebuild_from_type_v2`.";
  let addRebuildFunctions = ["_rebuild_from_type_v2"];
  // nn.Mish [M]; HuberLoss, the lazy norms [L].
  let addModuleClasses = !listconcat(
      ["torch.nn.modules.activation.Mish", "torch.nn.modules.loss.HuberLoss"],
      ClassesOf<NNBatchNorm, ["LazyBatchNorm1d", "LazyBatchNorm2d",
                              "LazyBatchNorm3d"]>.names,
      ClassesOf<NNInstanceNorm, ["LazyInstanceNorm1d", "LazyInstanceNorm2d",
                                 "LazyInstanceNorm3d"]>.names);
}

// 1.10: QUInt2x4Storage (§2.4, §3.3 "~1.10" [L]); _rebuild_sparse_csr_tensor
// (§2.2 "1.10-1.13" [M]); SGD maximize (§3.4 "~1.10" [L]).
def Torch_1_10 : Release<"1.10", Torch_1_9> {
  let summary = "quint2x4; sparse CSR tensors; SGD `maximize`.";
  let addRebuildFunctions = ["_rebuild_sparse_csr_tensor"];
  let addStorageClasses = ["QUInt2x4Storage"];
  let addDTypes = ["qu2x4"];
  // torch.__version__ is a torch.torch_version.TorchVersion (a str
  // subclass), which training checkpoints often store [M].
  let addTorchGlobals = ["torch.quint2x4", "torch.torch_version.TorchVersion"];
  let addParamGroupKeys = ["sgd:maximize"];
  // ReflectionPad3d; quantization moves to torch.ao.quantization; NAdam,
  // RAdam and the chained/sequential/constant/linear schedulers [L].
  let addModuleClasses = !listconcat(
      ["torch.nn.modules.padding.ReflectionPad3d"],
      ClassesOf<"torch.ao.quantization.stubs",
                ["QuantStub", "DeQuantStub", "QuantWrapper"]>.names);
  let addObjectClasses = !listconcat(
      ["torch.optim.nadam.NAdam", "torch.optim.radam.RAdam"],
      ClassesOf<"torch.optim.lr_scheduler",
                ["ChainedScheduler", "SequentialLR", "ConstantLR",
                 "LinearLR"]>.names);
}

// 1.11: Adam maximize (§3.4, PR pytorch#68164); AdamW the same [L].
// Storages become TypedStorage over untyped bytes (§2.4 [M], PR
// pytorch#62030); pickles keep the typed names, so nothing else changes.
def Torch_1_11 : Release<"1.11", Torch_1_10> {
  let summary = "Adam `maximize`.";
  let addParamGroupKeys = ["adam:maximize", "adamw:maximize"];
  // ChannelShuffle (module torch.nn.modules.channelshuffle) [L].
  let addModuleClasses = ["torch.nn.modules.channelshuffle.ChannelShuffle"];
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
  // Dropout1d [L].
  let addModuleClasses = ["torch.nn.modules.dropout.Dropout1d"];
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
  // PolynomialLR [L]. The module and optimizer classes of 1.13 are now
  // exactly those of local 1.13 (test/Target/module-classes.test; against
  // the real torch in test/Differential/Target-module-classes.test).
  let addObjectClasses = ["torch.optim.lr_scheduler.PolynomialLR"];
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
  // The public LRScheduler base class [M].
  let addObjectClasses = ["torch.optim.lr_scheduler.LRScheduler"];
}

// 2.1: zip archives gain a `byteorder` record (§1.4), ignored by older
// readers; float8 dtypes exist but cannot be saved (§3.3, pytorch#114634).
// Nothing TargetSpec describes changes.
// The circular pads and ZeroPad1d/3d [L].
def Torch_2_1 : Release<"2.1", Torch_2_0> {
  let summary = "Zip archives gain `byteorder`.";
  let addZipRecords = ["byteorder"];
  let addModuleClasses = ClassesOf<NNPadding,
      ["CircularPad1d", "CircularPad2d", "CircularPad3d", "ZeroPad1d",
       "ZeroPad3d"]>.names;
}

// 2.2: _rebuild_tensor_v3 over torch.UntypedStorage for the dtypes without a
// typed storage class (§2.2, PR pytorch#114662): float8_e5m2 and
// float8_e4m3fn (§3.3), the fnuz float8s and bits* ([M]).
// Zip archives end with `.data/serialization_id` (§1.4 "~2.2/2.3" [M]; 2.6
// writes it, test/Torch26/zip-records.test).
def Torch_2_2 : Release<"2.2", Torch_2_1> {
  let summary = "`_rebuild_tensor_v3`: float8 and bits dtypes; "
                "`.data/serialization_id`.";
  let addZipRecords = [".data/serialization_id"];
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
  let summary = "float8_e8m0fnu; Adam `decoupled_weight_decay`; "
                "`.format_version`, `.storage_alignment`.";
  // Written first, in this order (§1.4, fixture).
  let addZipRecords = [".format_version", ".storage_alignment"];
  let addDTypes = ["f8e8m0fnu"];
  let addTorchGlobals = ["torch.float8_e8m0fnu"];
  let addParamGroupKeys = ["adam:decoupled_weight_decay"];
}
