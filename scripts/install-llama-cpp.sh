#!/bin/sh
# Install llama-cpp-python built for any x86-64 machine of this kind, never for this one's CPU.
#
# llama-cpp-python compiles llama.cpp from source. Its default (-march=native) bakes in every
# instruction set the build machine advertises: on an Intel Xeon that advertises AMX inside a VM
# that refuses the tile state, the first generation dies from a general protection fault. So:
#   - generic x86-64 with AVX2/FMA/F16C/BMI2 (every AMD EPYC and Intel Xeon of this kind has them),
#     AVX-512 and AMX off;
#   - --no-cache-dir: pip's wheel cache ignores CMAKE_ARGS, so a wheel built natively earlier on
#     this machine would otherwise be reused;
#   - --no-binary: always the source build, never a prebuilt wheel from an index.
# Keep these flags equal to forensics/backends/_cpu.py (PORTABLE_CMAKE_ARGS; a test checks).
set -eu
LLAMA_CPP_VERSION=0.3.36
PORTABLE_CMAKE_ARGS="-DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON -DGGML_AVX512=OFF -DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF -DGGML_AMX_BF16=OFF"
# Already installed at this version and built portably (its compile-time features name neither
# AVX-512 nor AMX)? Then only make sure the server extras are there.
if python - "$LLAMA_CPP_VERSION" <<'PY' 2>/dev/null
import sys
import llama_cpp
info = llama_cpp.llama_print_system_info()
info = info.decode() if isinstance(info, bytes) else str(info)
sys.exit(0 if llama_cpp.__version__ == sys.argv[1] and "AMX" not in info and "AVX512" not in info else 1)
PY
then
  echo "llama-cpp-python $LLAMA_CPP_VERSION: portable build already installed"
  exec python -m pip install "llama-cpp-python[server]==$LLAMA_CPP_VERSION"
fi
echo "building llama-cpp-python $LLAMA_CPP_VERSION from source, portable x86-64 (about 5 minutes on 2 cores)"
CMAKE_ARGS="$PORTABLE_CMAKE_ARGS" CMAKE_BUILD_PARALLEL_LEVEL="${CMAKE_BUILD_PARALLEL_LEVEL:-$(nproc)}" \
  python -m pip install --force-reinstall --no-deps --no-cache-dir --no-binary llama-cpp-python \
  "llama-cpp-python==$LLAMA_CPP_VERSION"
python -m pip install "llama-cpp-python[server]==$LLAMA_CPP_VERSION"
