// Only a comment, like passes.td before its first pass.
