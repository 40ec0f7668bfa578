#!/usr/bin/env bash
# Install promtool, prometheus, amtool and prometheus-alertmanager from several Debian suites side by side,
# into a project folder, without touching the system's packages:
#
#   scripts/install-toolchains.sh [SUITE...]      default suites: bookworm trixie sid
#
#   bookworm  prometheus 2.42 (promtool inside), prometheus-alertmanager 0.25
#   trixie    promtool + prometheus 2.53, prometheus-alertmanager 0.28
#   sid       promtool + prometheus 3.5,  prometheus-alertmanager 0.33   (moves: always the suite's newest)
#
# Each suite gets <dest>/<suite>/usr/bin/{promtool,prometheus,amtool,prometheus-alertmanager}, a manifest
# <dest>/<suite>/VERSIONS (package=version lines) and a marker <dest>/<suite>/.complete. A suite whose marker
# lists the versions the suite has today is skipped; anything else is downloaded again, unpacked into a
# temporary folder and renamed into place, so a half-finished install never looks complete.
#
# How: a private apt set-up per suite under <dest>/.cache/apt/<suite>/ (generated sources list for
# deb.debian.org signed by the Debian archive keyring, own lists, own cache, empty dpkg status, no host
# preferences), `apt-get update`, `apt-get download pkg/suite`, `dpkg-deb -x`. Works the same on Debian 12
# and 13 hosts (apt 2.6 / 3.0) and needs no root, only a writable <dest>. Root is needed only when the
# Debian archive keyring itself is missing (it is then installed with apt-get, through sudo if available).
#
# Environment:
#   TOOLS_DIR      destination (default: <repo>/.tools; a relative path is relative to the current folder)
#   TOOLS_MIRROR   Debian mirror (default: http://deb.debian.org/debian)
#   TOOLS_KEYRING  keyring for signed-by (default: /usr/share/keyrings/debian-archive-keyring.gpg)
#   TOOLS_OFFLINE  1: no network; suites already complete are kept as they are
#
# If the index cannot be refreshed (offline) a suite that is already complete is kept as it is, with a warning.
set -euo pipefail

DEFAULT_SUITES=(bookworm trixie sid)
repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
dest=${TOOLS_DIR:-$repo_root/.tools}
mirror=${TOOLS_MIRROR:-http://deb.debian.org/debian}
keyring=${TOOLS_KEYRING:-/usr/share/keyrings/debian-archive-keyring.gpg}

say() { printf '%s\n' "$*"; }
err() { printf 'install-toolchains: %s\n' "$*" >&2; }
die() { err "$*"; exit 1; }
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

usage() {
    sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d' | sed 's/^# \{0,1\}//'
}

for arg in "$@"; do
    case $arg in
        -h|--help) usage; exit 0 ;;
        -*) die "unknown option $arg (usage: $0 [SUITE...])" ;;
        *[!a-z0-9-]*|'') die "not a Debian suite name: '$arg'" ;;
    esac
done
suites=()
for arg in "$@"; do
    case " ${suites[*]-} " in *" $arg "*) ;; *) suites+=("$arg") ;; esac
done
[ ${#suites[@]} -gt 0 ] || suites=("${DEFAULT_SUITES[@]}")

for cmd in apt-get apt-cache dpkg dpkg-deb flock awk; do
    command -v "$cmd" >/dev/null || die "'$cmd' not found: this script needs a Debian-based system (apt, dpkg)"
done

ensure_keyring() {
    [ -s "$keyring" ] && return 0
    if [ -n "${TOOLS_KEYRING:-}" ]; then
        die "keyring $keyring (TOOLS_KEYRING) not found"
    fi
    local run=()
    if [ "$(id -u)" != 0 ]; then
        command -v sudo >/dev/null || die "$keyring is missing; install it as root: apt-get install --reinstall debian-archive-keyring"
        run=(sudo)
    fi
    err "$keyring is missing: installing debian-archive-keyring with apt-get"
    if ! { "${run[@]}" apt-get update -qq >/dev/null \
        && "${run[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install --reinstall -y -qq --no-install-recommends \
            debian-archive-keyring >/dev/null; }; then
        die "could not install debian-archive-keyring; install it yourself (apt-get install --reinstall debian-archive-keyring) or set TOOLS_KEYRING"
    fi
    [ -s "$keyring" ] || die "debian-archive-keyring is installed but $keyring does not exist; set TOOLS_KEYRING"
}

start=$(now)
mkdir -p "$dest/.cache" || die "cannot create $dest"
dest=$(cd "$dest" && pwd)
cache=$dest/.cache
exec 9>"$cache/lock"
flock 9 || die "cannot lock $cache/lock"
ensure_keyring
arch=$(dpkg --print-architecture)

# Installs one suite; prints its summary line on stdout, problems on stderr; returns 1 on failure.
install_suite() {
    local suite=$1 t0 apt_dir debs log target version pkg entry deb f g keep tmp old ok bin
    local -a apt_opts wanted requests files
    t0=$(now)
    apt_dir=$cache/apt/$suite
    debs=$cache/debs/$suite
    log=$apt_dir/apt.log
    target=$dest/$suite
    rm -rf "$dest/.$suite.tmp."* "$dest/.$suite.old."*     # left by an interrupted run
    mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial" "$debs"
    : > "$apt_dir/status"      # an empty dpkg status: the host's installed packages play no part
    : > "$log"
    printf 'deb [signed-by=%s targets=Packages] %s %s main\n' "$keyring" "$mirror" "$suite" > "$apt_dir/sources.list"
    apt_opts=(
        -o "Dir::Etc::SourceList=$apt_dir/sources.list" -o Dir::Etc::SourceParts=/dev/null
        -o Dir::Etc::Preferences=/dev/null -o Dir::Etc::PreferencesParts=/dev/null
        -o "Dir::State::Lists=$apt_dir/lists" -o "Dir::State::status=$apt_dir/status"
        -o "Dir::Cache=$apt_dir/cache" -o Dir::Cache::pkgcache=pkgcache.bin -o Dir::Cache::srcpkgcache=
        -o "APT::Architecture=$arch" -o "APT::Architectures=$arch" -o Acquire::Languages=none
    )
    # As root apt downloads as the _apt user, who cannot write into folders root owns: stay root (quiet, no warning).
    [ "$(id -u)" = 0 ] && apt_opts+=(-o APT::Sandbox::User=root)

    if [ "${TOOLS_OFFLINE:-0}" = 1 ] && [ -f "$target/.complete" ]; then
        say "$suite: $(tr '\n' ' ' < "$target/.complete")(kept, TOOLS_OFFLINE=1) $(elapsed "$t0")s"
        return 0
    fi
    local updated=0
    if LC_ALL=C apt-get "${apt_opts[@]}" -q --error-on=any update >>"$log" 2>&1; then
        updated=1
    elif grep -q 'is expired' "$log"; then
        # A mirror snapshot (or a wrong clock) serves a Release file past its Valid-Until date. Its signature
        # is still checked; only the date is not. Said on stderr, every time.
        err "warning: $suite: the mirror's Release file is expired ($(grep -o 'invalid since [^)]*' "$log" | head -n 1)); using it anyway, signature still verified"
        apt_opts+=(-o Acquire::Check-Valid-Until=false)
        LC_ALL=C apt-get "${apt_opts[@]}" -q --error-on=any update >>"$log" 2>&1 && updated=1
    fi
    if [ $updated = 0 ]; then
        if [ -f "$target/.complete" ]; then
            err "warning: could not refresh the $suite index (see $log); keeping the installed $suite toolchain"
            say "$suite: $(tr '\n' ' ' < "$target/.complete")(kept, index not refreshed) $(elapsed "$t0")s"
            return 0
        fi
        err "$suite: apt-get update failed (full log: $log):"; tail -n 5 "$log" >&2
        return 1
    fi

    # The newest version of each package in the suite (bookworm has no promtool package: it is in prometheus).
    wanted=()
    while read -r pkg version; do wanted+=("$pkg=$version"); done < <(
        LC_ALL=C apt-cache "${apt_opts[@]}" show --no-all-versions \
            "promtool/$suite" "prometheus/$suite" "prometheus-alertmanager/$suite" 2>>"$log" \
            | awk '/^Package: / { p = $2 } /^Version: / { print p, $2 }' | sort -u)
    for pkg in prometheus prometheus-alertmanager; do
        case " ${wanted[*]} " in *" $pkg="*) ;; *) err "$suite: package $pkg not found in $mirror $suite"; return 1 ;; esac
    done
    local manifest
    manifest=$(printf '%s\n' "${wanted[@]}")

    if [ -f "$target/.complete" ] && [ "$(cat "$target/.complete")" = "$manifest" ] \
        && [ -x "$target/usr/bin/promtool" ] && [ -x "$target/usr/bin/prometheus" ] \
        && [ -x "$target/usr/bin/amtool" ] && [ -x "$target/usr/bin/prometheus-alertmanager" ]; then
        say "$suite: ${wanted[*]} (up to date) $(elapsed "$t0")s"
        return 0
    fi

    # apt-get download writes into the current folder and skips a .deb that is already there and intact.
    requests=()
    for entry in "${wanted[@]}"; do requests+=("${entry%%=*}/$suite"); done
    if ! (cd "$debs" && LC_ALL=C apt-get "${apt_opts[@]}" -q download "${requests[@]}" >>"$log" 2>&1); then
        err "$suite: apt-get download failed (full log: $log):"; tail -n 5 "$log" >&2
        return 1
    fi

    tmp=$(mktemp -d "$dest/.$suite.tmp.XXXXXX")
    ok=1
    files=()
    for entry in "${wanted[@]}"; do
        pkg=${entry%%=*} version=${entry#*=} deb=
        for f in "$debs/${pkg}_"*.deb; do
            [ -f "$f" ] && [ "$(dpkg-deb -f "$f" Package)" = "$pkg" ] \
                && [ "$(dpkg-deb -f "$f" Version)" = "$version" ] && { deb=$f; break; }
        done
        if [ -z "$deb" ]; then
            err "$suite: the downloaded file for $pkg=$version is not in $debs"; ok=0; break
        fi
        files+=("$deb")
        dpkg-deb -x "$deb" "$tmp" || { err "$suite: dpkg-deb -x $deb failed"; ok=0; break; }
    done
    if [ $ok = 1 ]; then
        for bin in promtool prometheus amtool prometheus-alertmanager; do
            if ! "$tmp/usr/bin/$bin" --version >/dev/null 2>&1; then
                err "$suite: usr/bin/$bin does not run (--version failed)"; ok=0
            fi
        done
    fi
    if [ $ok = 0 ]; then
        rm -rf "$tmp"
        return 1
    fi
    printf '%s\n' "$manifest" > "$tmp/VERSIONS"
    printf '%s\n' "$manifest" > "$tmp/.complete"
    if [ -e "$target" ]; then
        old=$(mktemp -d "$dest/.$suite.old.XXXXXX")
        mv "$target" "$old/"
        mv "$tmp" "$target"
        rm -rf "$old"
    else
        mv "$tmp" "$target"
    fi
    # Keep only the .debs of the versions now installed.
    for f in "$debs"/*.deb; do
        keep=0
        for g in "${files[@]}"; do [ "$f" = "$g" ] && keep=1; done
        [ $keep = 1 ] || rm -f "$f"
    done
    say "$suite: ${wanted[*]} (installed) $(elapsed "$t0")s"
}

# Suites in parallel (downloads and xz unpacking overlap); summaries printed in the order asked.
pids=()
trap 'kill "${pids[@]}" 2>/dev/null; exit 130' INT TERM
for suite in "${suites[@]}"; do
    install_suite "$suite" > "$cache/summary.$suite" &
    pids+=($!)
done
failed=0
for i in "${!suites[@]}"; do
    wait "${pids[$i]}" || failed=1
    cat "$cache/summary.${suites[$i]}"
    rm -f "$cache/summary.${suites[$i]}"
done

say "toolchains in $dest: total $(elapsed "$start")s"
exit $failed
