// C++ passes: option types, name mangling, escapes and qualified constructors.
include "ckpt/Passes/PassBase.td"

def WidenDtype : Pass<"widen-dtype"> {
  let summary = "Widens dtypes older releases lack";
  let options = [
    Option<"from-dtype", "string", "bf16", "The dtype to widen">,
    Option<"max-elements", "int", "-9223372036854775807", "">,
    Option<"min-elements", "int", "-9223372036854775808", "">,
    Option<"check.exact", "bool", "true", "Assert the widening is exact">,
    Option<"dry-run", "bool", "0", "">,
    Option<"trigraph", "string", "a??=b\"c\\d", "">
  ];
  let statistics = [
    Statistic<"storages-widened", "Storages converted">,
    Statistic<"dry.run-count", "">
  ];
  let constructor = "ckpt::passes::createWidenDtype";
}

def NoOptions : Pass<"no-options"> {
  let constructor = "createNoOptions";
}
