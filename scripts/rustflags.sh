# Sourced by scripts/build.sh and `make test`: the unstable compiler flags the shipped wasm is
# built with (D-151, D-152 in docs/decisions.md). RUSTC_BOOTSTRAP lets this stable toolchain take them.
export RUSTC_BOOTSTRAP=1
# MIR optimizations past the release default: `make test` runs the core's tests with them too.
MIR_FLAGS="-Zmir-opt-level=3"
# A panic aborts the module either way (panic = "abort"); `immediate-abort` makes it a bare trap,
# so std's panic handler and the formatting of its messages are not shipped, nor (with
# `location-detail=none`) the source locations a panic would have named.
SHIPPED_RUSTFLAGS="-Zunstable-options -Cpanic=immediate-abort -Zlocation-detail=none $MIR_FLAGS"
