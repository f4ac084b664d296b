# Writes a C++ source defining the bytes of a file (used to compile data/digits/digits.npy into
# salient_data, so the binaries need no data files at run time).
# Inputs: INPUT (the file), OUTPUT (the .cc to write), SYMBOL (the array's name), NAMESPACE.
file(READ "${INPUT}" hex HEX)
string(LENGTH "${hex}" hex_length)
math(EXPR size "${hex_length} / 2")
# 16 bytes per line: break the hex text every 32 digits, then turn each byte into "0x..,".
set(byte "[0-9a-f][0-9a-f]")
string(REPEAT "${byte}" 16 line_pattern)
string(REGEX REPLACE "(${line_pattern})" "\\1\n" hex "${hex}")
string(REGEX REPLACE "(${byte})" "0x\\1," hex "${hex}")
get_filename_component(name "${INPUT}" NAME)
file(WRITE "${OUTPUT}"
  "// Generated from ${name} by data/cmake/embed_file.cmake at build time; do not edit.\n"
  "#include <cstddef>\n\n"
  "namespace ${NAMESPACE} {\n\n"
  "extern const unsigned char ${SYMBOL}[] = {\n${hex}\n};\n"
  "extern const size_t ${SYMBOL}Size = ${size};\n\n"
  "}  // namespace ${NAMESPACE}\n")
