#!/usr/bin/env bash
# Builds (or reuses) an arm64 root file system from Debian packages, without touching the host's
# apt/dpkg state: a private apt configuration downloads the .debs for arm64 and `dpkg -x` unpacks
# them. The result serves two purposes:
#   - headers and libraries to cross-compile the bridge against (Debian's arm64 libtorch-dev);
#   - a root for qemu-aarch64 (-L) to run the arm64 JVM and the arm64 jar on this x86 machine.
#
# Usage: bench/arm64-sysroot.sh [SYSROOT_DIR]        (default: bench/sysroot-arm64)
# Env:   SUITE=trixie (default; base of current Raspberry Pi OS, LibTorch 2.6) or bookworm (1.13.1)
#        MIRROR=http://deb.debian.org/debian          FORCE=1 rebuilds even when up to date
# Needs: apt-get, dpkg-deb (any Debian/Ubuntu host); no root needed except where the host
#        requires it for apt's sandbox user.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
suite="${SUITE:-trixie}"
mirror="${MIRROR:-http://deb.debian.org/debian}"
root="${1:-$here/sysroot-arm64}"
apt_dir="$root.apt"   # matches bench/sysroot*/ in .gitignore as well
jre="${JRE:-}"

case "$suite" in
  trixie) jre="${jre:-openjdk-21-jre-headless}" ;;
  bookworm) jre="${jre:-openjdk-17-jre-headless}" ;;
  *) jre="${jre:-openjdk-21-jre-headless}" ;;
esac

# What the bridge and the JVM need at run time, with all their dependencies: the LibTorch shared
# libraries (libtorch2.6 on trixie, libtorch1.13 on bookworm) and a JRE. The headers come from
# libtorch-dev alone, without its dependencies (python3-dev, libprotobuf-dev: ~400 MB the bridge's
# headers never include); the cross compiler brings its own libc and libstdc++ headers.
case "$suite" in
  bookworm) runtime=libtorch1.13 ;;
  *) runtime=libtorch2.6 ;;
esac
packages=("$runtime" "$jre")
headers=(libtorch-dev)

stamp="$root/.edgetorch-sysroot"
want="suite=$suite packages=${packages[*]} ${headers[*]}"
if [[ -z "${FORCE:-}" && -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
  echo "arm64 sysroot: reusing $root ($want)"
  exit 0
fi

start=$(date +%s)
rm -rf "$root" "$apt_dir"
mkdir -p "$apt_dir"/{lists/partial,archives/partial,prefs.d,parts.d} "$root"
: > "$apt_dir/status"
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
echo "deb [arch=arm64 signed-by=$keyring] $mirror $suite main" > "$apt_dir/sources.list"

apt_opts=(
  -o "APT::Architecture=arm64" -o "APT::Architectures::=arm64"
  -o "Dir::Etc::SourceList=$apt_dir/sources.list" -o "Dir::Etc::SourceParts=$apt_dir/parts.d"
  -o "Dir::Etc::Preferences=$apt_dir/prefs" -o "Dir::Etc::PreferencesParts=$apt_dir/prefs.d"
  -o "Dir::State=$apt_dir" -o "Dir::State::Lists=$apt_dir/lists" -o "Dir::State::status=$apt_dir/status"
  -o "Dir::Cache=$apt_dir" -o "Dir::Cache::Archives=$apt_dir/archives"
  -o "Debug::NoLocking=1" -o "APT::Install-Recommends=0" -o "APT::Sandbox::User=root"
  -o "Acquire::Languages=none" -o "Acquire::IndexTargets::deb::Contents-deb::DefaultEnabled=false"
)
echo "arm64 sysroot: apt update ($suite, $mirror)"
apt-get -q "${apt_opts[@]}" update >/dev/null
echo "arm64 sysroot: downloading ${packages[*]} with dependencies, ${headers[*]} without"
apt-get -q -y "${apt_opts[@]}" install --download-only "${packages[@]}" >/dev/null
(cd "$apt_dir/archives" && apt-get -q "${apt_opts[@]}" download "${headers[@]}" >/dev/null)

n=0
for deb in "$apt_dir"/archives/*.deb; do
  dpkg-deb -x "$deb" "$root"
  n=$((n + 1))
done

# Merged /usr: Debian's packages ship some files under /lib and /bin; the loader path in arm64 ELF
# files is /lib/ld-linux-aarch64.so.1. Fold them into usr/ and link, as a merged-usr system has it.
for d in bin sbin lib; do
  if [[ -d "$root/$d" && ! -L "$root/$d" ]]; then
    mkdir -p "$root/usr/$d"
    cp -a "$root/$d/." "$root/usr/$d/"
    rm -rf "${root:?}/$d"
  fi
  [[ -e "$root/$d" ]] || ln -s "usr/$d" "$root/$d"
done

# Absolute symlinks (e.g. the JDK's conf files -> /etc/java-21-openjdk/...) would resolve on the
# host; make them relative so they resolve inside the sysroot, for qemu and for the linker.
while IFS= read -r -d '' link; do
  target="$(readlink "$link")"
  [[ "$target" == /* ]] || continue
  rel="$(realpath -m --relative-to="$(dirname "$link")" "$root$target")"
  ln -sfn "$rel" "$link"
done < <(find "$root" -type l -print0)

# Debian's alternatives (postinst scripts, not run by dpkg -x) would create /usr/bin/java and the
# BLAS/LAPACK sonames LibTorch links (libblas.so.3 -> blas/libblas.so.3 via /etc/alternatives).
libdir="$root/usr/lib/aarch64-linux-gnu"
for d in blas lapack; do
  for f in "$libdir/$d"/lib*.so.3; do
    [[ -e "$f" && ! -e "$libdir/$(basename "$f")" ]] && ln -s "$d/$(basename "$f")" "$libdir/$(basename "$f")"
  done
done
java_bin="$(find "$root/usr/lib/jvm" -path '*/bin/java' -type f | head -n 1)"
mkdir -p "$root/usr/bin"
ln -sfn "$(realpath --relative-to="$root/usr/bin" "$java_bin")" "$root/usr/bin/java"

du_mb=$(du -sm "$root" | cut -f1)
echo "$want" > "$stamp"
echo "arm64 sysroot: $n packages, ${du_mb} MB in $root ($(( $(date +%s) - start )) s)"
