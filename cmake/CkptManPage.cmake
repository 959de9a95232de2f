#===- cmake/CkptManPage.cmake - ckpt-migrate.1 from --help ---------------===#
#
# Run at build time (cmake -P): the man page is made from the built tool's
# own --help, so options and their descriptions have one source (the
# cl::opt declarations), with the name, a description and the pointers to
# the docs around them. TOOL, VERSION and OUT are given with -D.
#
#===----------------------------------------------------------------------===#
execute_process(COMMAND "${TOOL}" --help OUTPUT_VARIABLE Help
                RESULT_VARIABLE Result)
if(NOT Result EQUAL 0)
  message(FATAL_ERROR "${TOOL} --help failed")
endif()

# roff escapes: backslashes, and hyphens of options as \-.
function(roff_escape In OutVar)
  string(REPLACE "\\" "\\e" S "${In}")
  string(REPLACE "-" "\\-" S "${S}")
  set(${OutVar} "${S}" PARENT_SCOPE)
endfunction()

set(Page ".TH CKPT-MIGRATE 1 \"\" \"ckpt-migrate ${VERSION}\" \"User Commands\"
.SH NAME
ckpt\\-migrate \\- read, migrate and write PyTorch checkpoints without Python
.SH SYNOPSIS
.B ckpt\\-migrate
[\\fIoptions\\fR] \\fIinput\\fR... [\\fB\\-o\\fR \\fIoutput\\fR]
.SH DESCRIPTION
ckpt\\-migrate reads torch.save checkpoints of every container (tar, legacy,
zip), safetensors files, shard sets and torch.distributed.checkpoint
directories without executing their pickles, runs passes and pipelines over
a typed IR (\\fB\\-passes=\\fR, as LLVM's opt), and writes the result for a
PyTorch release (\\fB\\-target=\\fR) or a format (\\fB\\-format=\\fR).
.SH OPTIONS
")
# Lines as a CMake list: the text's own ';' are kept aside first.
string(REPLACE ";" "@SEMICOLON@" Help "${Help}")
string(REPLACE "\n" ";" Lines "${Help}")
set(Started FALSE)
foreach(Line IN LISTS Lines)
  string(REPLACE "@SEMICOLON@" ";" Line "${Line}")
  if(Line MATCHES "^OPTIONS:")
    set(Started TRUE)
  elseif(NOT Started OR Line STREQUAL "")
  elseif(Line MATCHES "^([^ ].*):$")
    roff_escape("${CMAKE_MATCH_1}" H)
    string(APPEND Page ".SS ${H}\n")
  elseif(Line MATCHES "^  +(-[^ ].*[^ ]) +- (.*)$")
    roff_escape("${CMAKE_MATCH_1}" Opt)
    roff_escape("${CMAKE_MATCH_2}" Desc)
    string(APPEND Page ".TP\n.B ${Opt}\n${Desc}\n")
  elseif(Line MATCHES "^ +(.*)$")
    roff_escape("${CMAKE_MATCH_1}" More)
    string(APPEND Page "${More}\n")
  endif()
endforeach()
string(APPEND Page ".SH EXAMPLES
.nf
ckpt\\-migrate \\-passes=downgrade\\-0.4.0 in.pth \\-o out.pth
ckpt\\-migrate model.safetensors \\-o model.pth
ckpt\\-migrate dcp_dir/ \\-o model.pth
ckpt\\-migrate \\-S in.pth
.fi
.SH SEE ALSO
The documentation installed in share/doc/ckpt\\-migrate: README.md, docs/Passes.md,
docs/Targets.md, docs/Formats.md, docs/WritingPasses.md.
")
file(WRITE "${OUT}" "${Page}")
