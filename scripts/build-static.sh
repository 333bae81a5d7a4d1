#!/usr/bin/env bash
# Builds a cleanops that runs on any x86_64 Linux host without Rust and without matching shared
# libraries: glibc linked statically (`-C target-feature=+crt-static`). Copy the one file to the
# host (scp, docker cp, a FROM scratch image) and run it.
#
# Usage: scripts/build-static.sh [--dev] [--out FILE]
#   --dev       the dev profile (quick to build, large, with debug info; the tests use it)
#               instead of dist (release with fat LTO, stripped)
#   --out FILE  also copy the binary to FILE
#
# Needs: a Rust toolchain for x86_64-unknown-linux-gnu and glibc's static libraries (libc.a:
# Debian/Ubuntu libc6-dev, Fedora/RHEL glibc-static). Builds into target/static (or
# $CLEANOPS_STATIC_TARGET_DIR), apart from the normal target/, so neither invalidates the other.
# The last line printed on stdout is the binary's path.
#
# Limits (README, "A static binary for hosts without Rust"): names resolve through glibc's built-in `files` and `dns` sources
# (/etc/hosts, /etc/resolv.conf), also in an empty container; other /etc/nsswitch.conf sources
# (LDAP, mDNS, systemd's `resolve`) would need the host's glibc to be the one it was built with.
# ssh:// Docker hosts need the `ssh` program on the host. https:// needs the host's CA
# certificates (/etc/ssl/certs) or --cacert.
set -euo pipefail
cd "$(dirname "$0")/.."

profile=dist
out=
while [ $# -gt 0 ]; do
    case "$1" in
        --dev) profile=dev ;;
        --out)
            [ $# -ge 2 ] || { echo "build-static: --out needs a FILE" >&2; exit 2; }
            out=$2
            shift
            ;;
        -h | --help)
            sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'
            exit 0
            ;;
        *)
            echo "build-static: unknown argument $1 (see --help)" >&2
            exit 2
            ;;
    esac
    shift
done

target=x86_64-unknown-linux-gnu
target_dir=${CLEANOPS_STATIC_TARGET_DIR:-target/static}
cargo=${CARGO:-cargo}

die() {
    echo "build-static: $*" >&2
    exit 1
}

[ "$(uname -s)-$(uname -m)" = Linux-x86_64 ] || die "this builds $target on an x86_64 Linux host only"
# The C compiler that links Rust binaries finds libc.a, or prints the bare name back.
libc_a=$(${CC:-cc} -print-file-name=libc.a 2>/dev/null || true)
[ -f "$libc_a" ] || die "glibc's static libraries are missing (libc.a): apt-get install libc6-dev, or dnf install glibc-static"

# --target keeps the flag off build scripts and proc macros, which must stay dynamic.
RUSTFLAGS="${RUSTFLAGS:+$RUSTFLAGS }-C target-feature=+crt-static" \
    "$cargo" build --locked --profile "$profile" --target "$target" --target-dir "$target_dir" --bin cleanops >&2

case "$profile" in
    dev) dir=debug ;;
    *) dir=$profile ;;
esac
bin=$target_dir/$target/$dir/cleanops
[ -x "$bin" ] || die "no binary at $bin"

# Static means: no program interpreter (ld.so) and no shared libraries needed.
if command -v readelf >/dev/null; then
    ! readelf -lW "$bin" | grep -q 'INTERP' || die "$bin asks for a program interpreter: not static"
    ! readelf -dW "$bin" | grep -q '(NEEDED)' || die "$bin needs shared libraries: not static"
fi
"$bin" --version >&2

if [ -n "$out" ]; then
    cp "$bin" "$out"
    bin=$out
fi
echo "build-static: $(du -h "$bin" | cut -f1) $bin" >&2
echo "$bin"
