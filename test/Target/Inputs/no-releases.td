// The vocabulary without any release.
include "ckpt/Target/TargetBase.td"
