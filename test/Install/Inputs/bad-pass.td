// A pass file whose Pass lacks its argument: the error points into the
// PassBase.td the tool found.
include "ckpt/Passes/PassBase.td"
def Bad : Pass;
