"""One module per constraint family; each `define(lp, inputs)` adds its blocks to the
LinearProgram and its cost terms, and returns early when its data are absent."""
