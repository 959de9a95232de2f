#===- CkptTableGen.cmake - Generating code and docs with ckpt-tblgen -----===#
#
# Part of ckpt-migrate. Defines ckpt_tablegen() and, from the top-level
# passes.td, the targets
#
#   ckpt-pass-tablegen  ${CMAKE_BINARY_DIR}/include/ckpt/Passes/PassRegistry.inc
#                       and PassDecls.inc: add it as a dependency of every
#                       library that includes them
#                       (`add_dependencies(ckptPasses ckpt-pass-tablegen)`).
#   ckpt-target-tablegen
#                       ${CMAKE_BINARY_DIR}/include/ckpt/Target/TargetTables.inc
#                       from include/ckpt/Target/Versions.td, for ckptTarget.
#   ckpt-docs (in ALL)  ${CMAKE_BINARY_DIR}/docs/Passes.md and Targets.md,
#                       copied to ${CMAKE_SOURCE_DIR}/docs/ when they changed.
#
# ckpt-tblgen itself is built by tools/ckpt-tblgen; commands name the target,
# so CMake orders the build and reruns generation when the tool changes.
#
#===----------------------------------------------------------------------===#

# ckpt_tablegen(<output> <backend-flag> SOURCE <td> [INCLUDES <dir>...]
#               [ARGS <flag>...])
#
# Runs `ckpt-tblgen <backend-flag> <flag>...` on <td> (relative to the
# current source dir) with -I ${CMAKE_SOURCE_DIR}/include and any INCLUDES. A relative
# <output> goes to ${CMAKE_BINARY_DIR}/include/ckpt/Passes/. A depfile
# records every included .td, so editing one reruns the command, and
# --write-if-changed leaves an unchanged output (and what depends on it)
# alone. The absolute output path is appended to CKPT_TABLEGEN_OUTPUT in the
# caller's scope.
function(ckpt_tablegen output flag)
  cmake_parse_arguments(ARG "" "SOURCE" "INCLUDES;ARGS" ${ARGN})
  if(NOT ARG_SOURCE)
    message(FATAL_ERROR "ckpt_tablegen(${output}): SOURCE <td> is required")
  endif()
  if(ARG_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "ckpt_tablegen(${output}): unexpected arguments: ${ARG_UNPARSED_ARGUMENTS}")
  endif()
  if(IS_ABSOLUTE "${output}")
    set(out "${output}")
  else()
    set(out "${CMAKE_BINARY_DIR}/include/ckpt/Passes/${output}")
  endif()
  get_filename_component(src "${ARG_SOURCE}" ABSOLUTE
                         BASE_DIR "${CMAKE_CURRENT_SOURCE_DIR}")
  get_filename_component(outdir "${out}" DIRECTORY)
  file(MAKE_DIRECTORY "${outdir}")

  set(includes -I "${CMAKE_SOURCE_DIR}/include")
  foreach(dir IN LISTS ARG_INCLUDES)
    get_filename_component(dir "${dir}" ABSOLUTE
                           BASE_DIR "${CMAKE_CURRENT_SOURCE_DIR}")
    list(APPEND includes -I "${dir}")
  endforeach()

  # The depfile names the output as given to -o; with CMP0116 NEW (implied
  # by cmake_minimum_required 3.20) CMake rewrites it for Ninja, so absolute
  # paths on both sides keep a second build at "no work to do".
  add_custom_command(
    OUTPUT "${out}"
    COMMAND ckpt-tblgen ${flag} ${ARG_ARGS} ${includes} "${src}"
            -o "${out}" -d "${out}.d" --write-if-changed
            "-loc-base=${CMAKE_SOURCE_DIR}"
    DEPENDS ckpt-tblgen "${src}"
    DEPFILE "${out}.d"
    COMMENT "ckpt-tblgen ${flag}: ${output}"
    VERBATIM)
  set(CKPT_TABLEGEN_OUTPUT ${CKPT_TABLEGEN_OUTPUT} "${out}" PARENT_SCOPE)
endfunction()

# --- The built-in passes --------------------------------------------------
set(CKPT_PASSES_TD "${CMAKE_SOURCE_DIR}/passes.td")

set(CKPT_TABLEGEN_OUTPUT)
ckpt_tablegen(PassRegistry.inc -gen-pass-registry SOURCE "${CKPT_PASSES_TD}")
ckpt_tablegen(PassDecls.inc -gen-pass-decls SOURCE "${CKPT_PASSES_TD}")
add_custom_target(ckpt-pass-tablegen DEPENDS ${CKPT_TABLEGEN_OUTPUT})
set_target_properties(ckpt-pass-tablegen PROPERTIES FOLDER "ckpt/TableGen")

# --- The PyTorch releases --------------------------------------------------
set(CKPT_VERSIONS_TD "${CMAKE_SOURCE_DIR}/include/ckpt/Target/Versions.td")

set(CKPT_TABLEGEN_OUTPUT)
ckpt_tablegen("${CMAKE_BINARY_DIR}/include/ckpt/Target/TargetTables.inc"
              -gen-target-tables SOURCE "${CKPT_VERSIONS_TD}")
add_custom_target(ckpt-target-tablegen DEPENDS ${CKPT_TABLEGEN_OUTPUT})
set_target_properties(ckpt-target-tablegen PROPERTIES FOLDER "ckpt/TableGen")

# --- docs/Passes.md and docs/Targets.md ------------------------------------
# Generated in the build tree, then copied into the source tree only when it
# differs, so an unchanged doc keeps its timestamp. The stamp (not the source
# file) is the command's output, so `ninja clean` never deletes docs/.
set(CKPT_DOC_STAMPS)
function(ckpt_doc name flag td)
  set(CKPT_TABLEGEN_OUTPUT)
  ckpt_tablegen("${CMAKE_BINARY_DIR}/docs/${name}" ${flag} SOURCE "${td}")
  add_custom_command(
    OUTPUT "${CMAKE_BINARY_DIR}/docs/${name}.copied"
    COMMAND ${CMAKE_COMMAND} -E copy_if_different
            "${CMAKE_BINARY_DIR}/docs/${name}" "${CMAKE_SOURCE_DIR}/docs/${name}"
    COMMAND ${CMAKE_COMMAND} -E touch "${CMAKE_BINARY_DIR}/docs/${name}.copied"
    DEPENDS "${CMAKE_BINARY_DIR}/docs/${name}"
    COMMENT "Updating docs/${name}"
    VERBATIM)
  set(CKPT_DOC_STAMPS ${CKPT_DOC_STAMPS} "${CMAKE_BINARY_DIR}/docs/${name}.copied"
      PARENT_SCOPE)
endfunction()
ckpt_doc(Passes.md -gen-pass-docs "${CKPT_PASSES_TD}")
ckpt_doc(Targets.md -gen-target-docs "${CKPT_VERSIONS_TD}")
add_custom_target(ckpt-docs ALL DEPENDS ${CKPT_DOC_STAMPS})
