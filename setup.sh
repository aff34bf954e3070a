#!/usr/bin/env bash
# Set up biomech on a Debian machine and optionally run its tests.
#
#   ./setup.sh             install what is missing (apt packages, Python packages) and `pip install .`
#   ./setup.sh --test      the same with the test dependencies (`pip install .[test]`), then build and
#                          run every C++ test (ctest, build/) and every Python test (pytest tests/python,
#                          on the installed package)
#   ./setup.sh --sanitize  build and run the C++ tests under AddressSanitizer + UBSan (build-asan/)
#   ./setup.sh --test --sanitize   both
#
# Idempotent and non-interactive. Quiet: noisy output goes to build/logs/*.log, and the
# tail of the log is printed when a step fails. The last line says what happened.
# Environment: PYTHON (default python3), BIOMECH_JOBS (default 2), CI (prints more on failure).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")"
ROOT=$(pwd)
PYTHON=${PYTHON:-python3}
JOBS=${BIOMECH_JOBS:-2}
LOGS=$ROOT/build/logs
DO_INSTALL=1 DO_TEST=0 DO_SANITIZE=0

usage() { sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; }
for arg in "$@"; do
  case $arg in
    --test) DO_TEST=1 ;;
    --sanitize) DO_SANITIZE=1 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "setup.sh: unknown option '$arg' (see ./setup.sh --help)" >&2; exit 2 ;;
  esac
done
# --sanitize alone is a C++-only job: no Python install.
if [[ $DO_SANITIZE == 1 && $DO_TEST == 0 ]]; then DO_INSTALL=0; fi

mkdir -p "$LOGS"
say() { echo "biomech setup: [${SECONDS}s] $*"; }
fail() {
  local log=${2:-}
  if [[ -n $log && -f $log ]]; then
    local lines=60
    [[ -n ${CI:-} ]] && lines=300
    echo "---- last lines of $log" >&2
    tail -n "$lines" "$log" >&2 || true
    echo "----" >&2
  fi
  echo "biomech setup: FAILED: $1${log:+ (full log: ${log#$ROOT/})}" >&2
  exit 1
}
# run LOG CMD...: run quietly, output to LOG
run() { local log=$1; shift; "$@" >"$log" 2>&1; }

# ---- 1. Debian packages -------------------------------------------------------
APT_PACKAGES=(
  build-essential cmake ninja-build pkg-config git
  libeigen3-dev libboost-dev libhdf5-dev libgtest-dev libgmock-dev
  libyaml-cpp-dev libtinyxml2-dev libdeflate-dev pybind11-dev libopenblas0 ccache
)
python_is_system() { [[ $(command -v "$PYTHON" || true) == /usr/bin/* ]]; }
if ! command -v "$PYTHON" >/dev/null 2>&1; then
  APT_PACKAGES+=(python3 python3-dev python3-pip python3-venv)
elif python_is_system; then
  # Debian's own Python needs its headers and pip as packages.
  APT_PACKAGES+=(python3-dev python3-pip python3-venv)
fi

# Runs side by side (.ci/run starts --sanitize next to --test) take turns here:
# apt-get refuses a second concurrent install.
if command -v flock >/dev/null 2>&1; then
  exec 9>"$LOGS/apt.lock"
  flock 9
fi
missing=()
for p in "${APT_PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if ((${#missing[@]})); then
  command -v apt-get >/dev/null || fail "apt-get not found; install by hand: ${missing[*]}"
  SUDO=()
  if [[ $(id -u) != 0 ]]; then
    command -v sudo >/dev/null || fail "not root and no sudo; install by hand: ${missing[*]}"
    SUDO=(sudo -n)
  fi
  say "installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  run "$LOGS/apt.log" "${SUDO[@]}" apt-get update -q || fail "apt-get update" "$LOGS/apt.log"
  run "$LOGS/apt.log" "${SUDO[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}" \
    || fail "apt-get install ${missing[*]}" "$LOGS/apt.log"
fi
exec 9>&-

# ---- 2. Python package ----------------------------------------------------------
BUILD_DIR=$ROOT/build
# ccache: a re-run, another checkout or the sanitizer build of an unchanged file compiles nothing.
# Paths relative to the checkout, so a clone elsewhere hits the same cache.
LAUNCHER=() PIP_LAUNCHER=()
if command -v ccache >/dev/null 2>&1; then
  export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$ROOT}
  # the precompiled headers (CMake's -include cmake_pch.hxx) are cacheable with these
  export CCACHE_SLOPPINESS=${CCACHE_SLOPPINESS:-pch_defines,time_macros}
  LAUNCHER=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
  PIP_LAUNCHER=(-Ccmake.define.CMAKE_CXX_COMPILER_LAUNCHER=ccache)
fi
if [[ $DO_INSTALL == 1 ]]; then
  "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 9))' \
    || fail "$PYTHON is $("$PYTHON" -V 2>&1); biomech needs Python >= 3.9"
  PIP=("$PYTHON" -m pip)
  "${PIP[@]}" --version >/dev/null 2>&1 || fail "$PYTHON has no pip (apt-get install python3-pip, or use a venv)"
  # A Debian-managed interpreter refuses pip installs (PEP 668) outside a venv.
  in_venv=$("$PYTHON" -c 'import sys; print(int(sys.prefix != sys.base_prefix))')
  managed=$("$PYTHON" -c 'import sysconfig, os; print(int(os.path.exists(os.path.join(sysconfig.get_paths()["stdlib"], "EXTERNALLY-MANAGED"))))')
  if [[ $in_venv == 0 && $managed == 1 ]]; then
    if [[ $(id -u) == 0 ]]; then
      export PIP_BREAK_SYSTEM_PACKAGES=1   # root on a throw-away machine (container, CI)
    else
      fail "$PYTHON is managed by Debian; create and activate a venv first: python3 -m venv ~/.venv/biomech && . ~/.venv/biomech/bin/activate"
    fi
  fi
  # Build requirements first, so the project builds without isolation and
  # incrementally in build/ (a re-run only recompiles what changed).
  run "$LOGS/pip.log" "${PIP[@]}" install -q "scikit-build-core>=0.10" "pybind11>=2.10" \
    || fail "pip install scikit-build-core pybind11" "$LOGS/pip.log"
  say "building and installing biomech (C++ core + Python package; log: build/logs/pip.log)"
  # Only the test run needs the test dependencies (scipy, opensim, Jupyter pieces) and the C++ tests.
  tests_flag=OFF extra=
  [[ $DO_TEST == 1 ]] && tests_flag=ON extra="[test]"
  # CMAKE_BUILD_PARALLEL_LEVEL: at most $JOBS compile jobs on a shared machine.
  BIOMECH_BUILD_TESTS=$tests_flag CMAKE_BUILD_PARALLEL_LEVEL=$JOBS \
    run "$LOGS/pip.log" "${PIP[@]}" install --no-build-isolation \
      -Cbuild-dir="$BUILD_DIR" -Cbuild.verbose=true "${PIP_LAUNCHER[@]}" \
      "$ROOT$extra" \
    || fail "pip install .$extra" "$LOGS/pip.log"
  # pyenv needs a rehash to put the new `biomech` command on PATH.
  if command -v pyenv >/dev/null 2>&1; then pyenv rehash >/dev/null 2>&1 || true; fi
  version=$(cd /tmp && "$PYTHON" -c 'import biomech; print(biomech.__version__)' 2>"$LOGS/import.log") \
    || fail "the installed package does not import" "$LOGS/import.log"
  bindir=$("$PYTHON" -c 'import sysconfig; print(sysconfig.get_path("scripts"))')
  if ! command -v biomech >/dev/null 2>&1; then
    say "note: the 'biomech' command is in $bindir, which is not on PATH"
  fi
fi

status=0
summary=()

# ---- 3. tests -------------------------------------------------------------------
# ctest_run DIR LABEL: run the C++ tests in DIR; fails when there are none.
ctest_run() {
  local dir=$1 label=$2 log=$LOGS/ctest-$(basename "$1").log n
  n=$(ctest --test-dir "$dir" -N 2>/dev/null | sed -n 's/^Total Tests: //p')
  if [[ -z $n || $n == 0 ]]; then
    say "$label: no C++ tests found in ${dir#$ROOT/}"; status=1; summary+=("$label: none"); return
  fi
  if ctest --test-dir "$dir" -j"$JOBS" --output-on-failure --timeout 900 >"$log" 2>&1; then
    summary+=("$label: $n passed")
  else
    tail -n 80 "$log" >&2
    say "$label: FAILED (log: ${log#$ROOT/})"
    summary+=("$label: FAILED")
    status=1
  fi
}

if [[ $DO_TEST == 1 ]]; then
  # The pip build above configured build/ with BIOMECH_BUILD_TESTS=ON and built the
  # tests along with the module; this only (re)builds whatever is out of date.
  say "building C++ tests (build/)"
  run "$LOGS/cmake-build.log" cmake --build "$BUILD_DIR" -j"$JOBS" || fail "C++ build" "$LOGS/cmake-build.log"
  say "running C++ tests"
  ctest_run "$BUILD_DIR" "C++ tests"

  say "running Python tests (installed package)"
  log=$LOGS/pytest.log
  # One BLAS thread: the tests are single-threaded, and idle OpenBLAS threads busy-wait.
  if OPENBLAS_NUM_THREADS=${OPENBLAS_NUM_THREADS:-1} \
      "$PYTHON" -m pytest -q -p no:cacheprovider "$ROOT/tests/python" >"$log" 2>&1; then
    summary+=("Python tests: $(grep -Eo '[0-9]+ passed' "$log" | tail -1 | cut -d' ' -f1) passed")
    grep -q '[0-9]\+ passed' "$log" || { status=1; summary+=("(no Python tests ran)"); }
  else
    tail -n 80 "$log" >&2
    say "Python tests: FAILED (log: ${log#$ROOT/})"
    summary+=("Python tests: FAILED")
    status=1
  fi
fi

if [[ $DO_SANITIZE == 1 ]]; then
  ASAN_DIR=$ROOT/build-asan
  say "building C++ tests under AddressSanitizer + UndefinedBehaviorSanitizer (build-asan/)"
  # -g1 (line tables: the file:line of every frame of a sanitizer report) compiles faster than -g.
  # UBSan's null and pointer-overflow checks are left out: a null dereference is a SEGV and an
  # out-of-bounds pointer a bad access, both of which ASan reports with their stack, while
  # instrumenting every reference binding and pointer step (Eigen's expressions are made of them)
  # was a quarter of the sanitizer build's compile time (179 -> 133 s CPU for the larger library half).
  run "$LOGS/asan-configure.log" cmake -S "$ROOT" -B "$ASAN_DIR" -G Ninja "${LAUNCHER[@]}" \
      -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-g1 -O1" \
      -DBIOMECH_SANITIZE=address,undefined -DBIOMECH_SANITIZE_EXCLUDE=null,pointer-overflow \
      -DBIOMECH_BUILD_TESTS=ON -DBIOMECH_BUILD_PYTHON=OFF \
    || fail "sanitizer configure" "$LOGS/asan-configure.log"
  run "$LOGS/asan-build.log" cmake --build "$ASAN_DIR" -j"$JOBS" || fail "sanitizer build" "$LOGS/asan-build.log"
  say "running C++ tests under sanitizers"
  export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:strict_string_checks=1:detect_stack_use_after_return=1}
  export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
  ctest_run "$ASAN_DIR" "C++ tests (ASan+UBSan)"
fi

done_msg="OK"
[[ $status != 0 ]] && done_msg="FAILED"
what=()
[[ $DO_INSTALL == 1 ]] && what+=("biomech ${version:-?} installed")
what+=("${summary[@]}")
joined=$(printf '%s; ' "${what[@]}")
echo "biomech setup: $done_msg (${joined%; })"
exit $status
