#!/bin/sh
# Installs a regsync release: downloads the archive for this OS and
# architecture and the release's checksums.txt, checks the archive's SHA-256
# against it, unpacks regsync into a directory and puts that directory on
# the PATH of the CI steps that follow (GitHub Actions and Azure Pipelines).
# The setup action (action.yml) and the Azure DevOps template run it; it
# also works by hand.
#
#   sh install.sh -v v1.2.3 [-o linux|darwin|windows] [-a amd64|arm64]
#                 [-b BASE_URL] [-d DIR]
#
# Each option may come from the environment instead: REGSYNC_VERSION,
# REGSYNC_OS, REGSYNC_ARCH, REGSYNC_BASE_URL, REGSYNC_INSTALL_DIR.
#
#   version   the release tag, e.g. v1.2.3 (required: plan and apply must run
#             the same build, so there is no "latest")
#   os, arch  default: this machine's; GitHub's runner names (Linux, macOS,
#             Windows, X64, ARM64) are understood too
#   base URL  where releases live: files are read from BASE_URL/<tag>/<name>
#             (default https://github.com/regsync/regsync/releases/download;
#             point it at a mirror that keeps the same layout)
#   dir       where regsync goes (default $RUNNER_TEMP/regsync/bin on a CI
#             runner, else $HOME/.local/bin)
#
# The archive names follow archives.name_template in .goreleaser.yaml:
# regsync_<version without v>_<os>_<arch>.tar.gz, .zip for windows.
# Needs curl or wget, sha256sum or shasum, and tar (or unzip for windows).
set -eu

version=${REGSYNC_VERSION:-}
os=${REGSYNC_OS:-}
arch=${REGSYNC_ARCH:-}
base_url=${REGSYNC_BASE_URL:-}
dir=${REGSYNC_INSTALL_DIR:-}

die() {
  echo "install.sh: $*" >&2
  exit 1
}

while getopts v:o:a:b:d:h opt; do
  case $opt in
    v) version=$OPTARG ;;
    o) os=$OPTARG ;;
    a) arch=$OPTARG ;;
    b) base_url=$OPTARG ;;
    d) dir=$OPTARG ;;
    h) sed -n '2,/^set -eu/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; exit 0 ;;
    *) die "usage: install.sh -v VERSION [-o OS] [-a ARCH] [-b BASE_URL] [-d DIR]" ;;
  esac
done

[ -n "$version" ] || die "no version: pass -v vX.Y.Z or set REGSYNC_VERSION"
case $version in
  v[0-9]*) tag=$version ;;
  [0-9]*) tag=v$version ;;
  *) die "version $version: want a release tag such as v1.2.3" ;;
esac
number=${tag#v}

[ -n "$os" ] || os=$(uname -s)
case $(printf %s "$os" | tr '[:upper:]' '[:lower:]') in
  linux) os=linux ;;
  darwin | macos) os=darwin ;;
  windows | mingw* | msys* | cygwin*) os=windows ;;
  *) die "no release for operating system $os (linux, darwin and windows have one)" ;;
esac

[ -n "$arch" ] || arch=$(uname -m)
case $(printf %s "$arch" | tr '[:upper:]' '[:lower:]') in
  amd64 | x86_64 | x64) arch=amd64 ;;
  arm64 | aarch64) arch=arm64 ;;
  *) die "no release for architecture $arch (amd64 and arm64 have one)" ;;
esac

base_url=${base_url:-https://github.com/regsync/regsync/releases/download}
base_url=${base_url%/}

if [ -z "$dir" ]; then
  if [ -n "${RUNNER_TEMP:-}" ]; then
    dir=$RUNNER_TEMP/regsync/bin
  elif [ -n "${AGENT_TEMPDIRECTORY:-}" ]; then
    dir=$AGENT_TEMPDIRECTORY/regsync/bin
  else
    dir=$HOME/.local/bin
  fi
fi

ext=tar.gz
exe=regsync
if [ "$os" = windows ]; then
  ext=zip
  exe=regsync.exe
fi
archive=regsync_${number}_${os}_${arch}.$ext

work=$(mktemp -d 2>/dev/null || mktemp -d -t regsync)
trap 'rm -rf "$work"' EXIT

download() { # URL FILE
  if command -v curl >/dev/null 2>&1; then
    curl -fsSL --retry 3 -o "$2" "$1" || die "downloading $1 failed"
  elif command -v wget >/dev/null 2>&1; then
    wget -q -O "$2" "$1" || die "downloading $1 failed"
  else
    die "neither curl nor wget is installed"
  fi
}

sha256() { # FILE
  if command -v sha256sum >/dev/null 2>&1; then
    sha256sum "$1" | cut -d ' ' -f 1
  elif command -v shasum >/dev/null 2>&1; then
    shasum -a 256 "$1" | cut -d ' ' -f 1
  else
    die "neither sha256sum nor shasum is installed"
  fi
}

echo "install.sh: regsync $tag for $os/$arch from $base_url/$tag"
download "$base_url/$tag/checksums.txt" "$work/checksums.txt"
download "$base_url/$tag/$archive" "$work/$archive"

# checksums.txt has one "<sha256>  <name>" line per release file.
want=$(awk -v f="$archive" '$2 == f { print $1 }' "$work/checksums.txt")
[ -n "$want" ] || die "checksums.txt of $tag lists no $archive"
got=$(sha256 "$work/$archive")
if [ "$got" != "$want" ]; then
  die "checksum mismatch for $archive: checksums.txt says $want, the download is $got; nothing was installed"
fi
echo "install.sh: $archive sha256 $got matches checksums.txt"

mkdir -p "$work/x"
case $ext in
  tar.gz) tar -xzf "$work/$archive" -C "$work/x" ;;
  zip)
    if command -v unzip >/dev/null 2>&1; then
      unzip -q "$work/$archive" -d "$work/x"
    else
      tar -xf "$work/$archive" -C "$work/x" # bsdtar reads zip
    fi
    ;;
esac
[ -f "$work/x/$exe" ] || die "$archive holds no $exe"

mkdir -p "$dir"
cp "$work/x/$exe" "$dir/$exe"
chmod 755 "$dir/$exe"

# Later steps of the job find regsync on PATH.
if [ -n "${GITHUB_PATH:-}" ]; then
  if command -v cygpath >/dev/null 2>&1; then
    cygpath -w "$dir" >>"$GITHUB_PATH"
  else
    echo "$dir" >>"$GITHUB_PATH"
  fi
fi
if [ -n "${TF_BUILD:-}" ]; then
  echo "##vso[task.prependpath]$dir"
fi
if [ -n "${GITHUB_OUTPUT:-}" ]; then
  echo "path=$dir/$exe" >>"$GITHUB_OUTPUT"
fi

"$dir/$exe" version
echo "install.sh: installed $dir/$exe"
