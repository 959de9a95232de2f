// Two small releases for the -gen-target-tables / -gen-target-docs tests.
include "ckpt/Target/TargetBase.td"

def Old : Release<"0.4.0", NoRelease> {
  let summary = "The old one.";
  let addContainers = ["tar", "legacy"];
  let defaultContainer = "legacy";
  let addRebuildFunctions = ["_rebuild_tensor", "_rebuild_tensor_v2"];
  let addStorageClasses = ["FloatStorage", "LongStorage"];
  let addTorchGlobals = ["torch.Size", "torch.float32", "torch.int64"];
  let addDTypes = ["f32", "i64"];
  let tensorForm = "tensor";
  let parameterForm = "tensor";
  let addLocations = ["cpu", "cuda"];
  let addParamGroupKeys = OptimizerKeys<"adam", ["lr", "amsgrad"]>.keys;
  let addModuleClasses = ClassesOf<"torch.nn.modules.conv",
                                   ["Conv1d", "Conv2d"]>.names;
}

// Derives everything from Old; changes a few things.
def New : Release<"1.6", Old> {
  let addContainers = ["zip"];
  let defaultContainer = "zip";
  let maxZipVersion = 3;
  let addRebuildFunctions = ["_rebuild_parameter"];
  let removeRebuildFunctions = ["_rebuild_tensor"];
  let addStorageClasses = ["BoolStorage"];
  let addTorchGlobals = ["torch.bool"];
  let addDTypes = ["bool"];
  let parameterForm = "parameter";
  let hasModuleVersions = true;
  let tensorOptimizerStep = true;
  let weightsOnlyDefault = true;
  let maxPickleProtocol = 4;
  let addModuleClasses = ["torch.nn.modules.activation.SiLU"];
  let removeModuleClasses = ["torch.nn.modules.conv.Conv1d"];
  let addObjectClasses = ["torch.optim.adam.Adam"];
  let addZipRecords = ["byteorder"];
}

// Same lists as New: the generated tables share them.
def Newer : Release<"1.6.1", New>;
