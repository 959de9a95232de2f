//===- passes.td - ckpt-migrate passes and pipelines ------*- tablegen -*-===//
//
// The project's migration passes and pipelines. The pass vocabulary and the
// ckpt-tblgen backends arrive with the pass-manager issue; until then this
// file only reserves its place in the layout.
//
//===----------------------------------------------------------------------===//
