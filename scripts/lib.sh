# Shared set-up for scripts/run and scripts/test: installs what a fresh machine lacks, once.
# Everything here is idempotent and prints what it installs.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export PATH="$HOME/.cargo/bin:$PATH"
# Builds are slow on small machines: keep compiled artefacts outside the clone so that fresh
# clones (CI) reuse them.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/yoyaku/target}"

CARGO_LEPTOS_VERSION=0.3.10
# The wasm-bindgen CLI must be exactly the version of the crate in Cargo.lock.
WASM_BINDGEN_VERSION="$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)"

say() { printf '\n== %s\n' "$*" >&2; }
die() { printf '\nERROR: %s\n' "$*" >&2; exit 1; }

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

APT_UPDATED=
apt_install() {
  local missing=()
  for pkg in "$@"; do dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  say "installing Debian packages: ${missing[*]}"
  if [ -z "$APT_UPDATED" ]; then as_root apt-get update -qq; APT_UPDATED=1; fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
}

ensure_build_tools() {
  command -v cargo >/dev/null || die "Rust is not installed (https://rustup.rs)"
  for component in rustfmt clippy; do
    if ! rustup component list --installed | grep -q "^$component"; then
      say "adding the $component component"
      rustup component add "$component"
    fi
  done
  if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
    say "adding the wasm32-unknown-unknown target"
    rustup target add wasm32-unknown-unknown
  fi
  if [ "$(cargo leptos --version 2>/dev/null | awk '{print $2}')" != "$CARGO_LEPTOS_VERSION" ]; then
    say "installing cargo-leptos $CARGO_LEPTOS_VERSION (takes about 13 minutes, once)"
    cargo install cargo-leptos --version "$CARGO_LEPTOS_VERSION" --locked
  fi
  if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$WASM_BINDGEN_VERSION" ]; then
    say "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION"
    cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --force
  fi
  ensure_wasm_opt
  command -v brotli >/dev/null || apt_install brotli
}

# cargo-leptos runs the `wasm-opt` it finds on PATH (and would download one otherwise). Debian
# bookworm's binaryen (108) mis-optimises the reference types that rustc now emits for wasm32
# (the page fails with "WebAssembly.Table.set(): Argument 1 is invalid"), so binaryen comes
# from the npm registry, pinned, into a tools folder beside the cargo target.
BINARYEN_VERSION=132.0.0
TOOLS="$HOME/.cache/yoyaku/tools"
export PATH="$TOOLS/node_modules/.bin:$PATH"
ensure_wasm_opt() {
  command -v npm >/dev/null || apt_install nodejs npm
  if [ "$(wasm-opt --version 2>/dev/null | awk '{print $3}')" != "${BINARYEN_VERSION%%.*}" ]; then
    say "installing binaryen $BINARYEN_VERSION (wasm-opt) from npm"
    mkdir -p "$TOOLS"
    npm install --no-audit --no-fund --prefix "$TOOLS" "binaryen@$BINARYEN_VERSION" >/dev/null
  fi
  [ "$(command -v wasm-opt)" = "$TOOLS/node_modules/.bin/wasm-opt" ] || die "wasm-opt is not the pinned binaryen"
}

ensure_chromium() {
  [ -x /usr/bin/chromium ] || apt_install chromium
  [ -x /usr/bin/chromium ] || die "Chromium could not be installed; the end-to-end tests need it"
}

# A real QR decoder for the poster's test (Debian's zbar-tools: zbarimg).
ensure_qr_decoder() {
  command -v zbarimg >/dev/null || apt_install zbar-tools
  command -v zbarimg >/dev/null || die "zbarimg could not be installed; the poster's test needs it"
}

# A real SMTP server for the e-mail tests (Debian's aiosmtpd, for Debian's own Python:
# `server/tests/smtp_server.py` runs with /usr/bin/python3, whatever else is on the PATH).
ensure_smtp_server() {
  /usr/bin/python3 -c 'import aiosmtpd' 2>/dev/null || apt_install python3-aiosmtpd
  /usr/bin/python3 -c 'import aiosmtpd' 2>/dev/null || die "aiosmtpd could not be installed; the e-mail tests need it"
}

ensure_node_modules() {
  command -v npm >/dev/null || apt_install nodejs npm
  local stamp="end2end/node_modules/.installed-from-lock"
  if [ ! -f "$stamp" ] || ! cmp -s end2end/package-lock.json "$stamp"; then
    say "installing the end-to-end test packages (npm ci)"
    (cd end2end && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund)
    cp end2end/package-lock.json "$stamp"
  fi
}

# PostgreSQL for the storage tests: started when installed but stopped; never skipped.
export YOYAKU_TEST_POSTGRES_URL="${YOYAKU_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/test}"
ensure_postgres() {
  pg_up() { pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; }
  command -v pg_isready >/dev/null || apt_install postgresql-client
  if ! pg_up; then
    if command -v pg_ctlcluster >/dev/null && [ -d /etc/postgresql ]; then
      say "starting PostgreSQL"
      for version in $(ls /etc/postgresql); do
        as_root pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
      done
      for _ in $(seq 1 30); do pg_up && break; sleep 1; done
    fi
  fi
  pg_up || die "PostgreSQL is not reachable on 127.0.0.1:5432 and could not be started.
  The storage tests need it: install it (apt-get install postgresql), allow trust or password
  access for 'postgres' on 127.0.0.1, or point YOYAKU_TEST_POSTGRES_URL at another server."
}

# LINE's LIFF SDK from npm, bundled into public/sdk/ (served by us; see app/js/build.mjs).
build_liff_sdk() {
  command -v npm >/dev/null || apt_install nodejs npm
  local stamp="app/js/node_modules/.installed-from-lock"
  if [ ! -f "$stamp" ] || ! cmp -s app/js/package-lock.json "$stamp"; then
    say "installing the LIFF SDK packages (npm ci)"
    (cd app/js && npm ci --no-audit --no-fund)
    cp app/js/package-lock.json "$stamp"
  fi
  (cd app/js && node build.mjs)
}

# Builds the server and the WASM in release mode and reports what a phone downloads.
build_release() {
  build_liff_sdk
  say "building the release (server + WASM)"
  # Asset names carry a hash of their content: an earlier build's files would only linger.
  rm -rf "$ROOT/target/site/pkg"
  # --split: the lazy routes (the staff console) become WASM chunks of their own.
  cargo leptos build --release --split
  precompress "$ROOT/target/site"
  report_sizes
}

# Brotli (best) and gzip copies of every compressible static file, served by the file handler
# to browsers that accept them; pages and server-function answers are compressed on the fly.
precompress() {
  find "$1" -type f \( -name '*.wasm' -o -name '*.js' -o -name '*.css' -o -name '*.json' -o -name '*.svg' \) -print0 |
    while IFS= read -r -d '' f; do
      brotli -f -q 11 -o "$f.br" "$f"
      gzip -f -k -n -9 "$f"
    done
}

# With --split, the lazy routes' code (the staff console) is in split_*.wasm and the chunk_*.wasm
# they share, fetched only when such a route opens; everything else is what every page loads.
report_sizes() {
  local pkg="$ROOT/target/site/pkg" report="$ROOT/target/site/pkg/sizes.txt"
  [ -d "$pkg" ] || die "no $pkg after the build"
  # Without --split the WASM still builds, but imports a placeholder module and never hydrates.
  local main_js
  main_js="$(ls "$pkg"/yoyaku.*.js 2>/dev/null | head -n 1)"
  [ -n "$main_js" ] || die "no yoyaku.*.js in $pkg (is hash-files on?)"
  ! grep -q __wasm_split_placeholder__ "$main_js" || die "the WASM was built without --split"
  {
    printf '%-40s %10s %10s\n' "file" "raw" "brotli"
    local main_raw=0 main_br=0 lazy_raw=0 lazy_br=0 lazy_files=0
    for f in "$pkg"/*.wasm "$pkg"/*.js "$pkg"/*.css; do
      [ -f "$f" ] || continue
      local raw br
      raw=$(stat -c %s "$f")
      br=$(stat -c %s "$f.br")
      case "$(basename "$f")" in
        split_*.wasm | chunk_*.wasm)
          lazy_raw=$((lazy_raw + raw)); lazy_br=$((lazy_br + br)); lazy_files=$((lazy_files + 1)) ;;
        *)
          main_raw=$((main_raw + raw)); main_br=$((main_br + br))
          printf '%-40s %10d %10d\n' "$(basename "$f")" "$raw" "$br" ;;
      esac
    done
    printf '%-40s %10d %10d\n' "every page" "$main_raw" "$main_br"
    printf '%-40s %10d %10d\n' "lazy ($lazy_files files)" "$lazy_raw" "$lazy_br"
    printf '%-40s %10d %10d\n' "total" "$((main_raw + lazy_raw))" "$((main_br + lazy_br))"
  } > "$report"
  say "what a browser downloads (bytes; also in target/site/pkg/sizes.txt)"
  cat "$report" >&2
}

server_bin() { echo "$CARGO_TARGET_DIR/release/server"; }
# The local fake of LINE's API: a development tool of its own, not part of the server binary.
fake_line_bin() {
  cargo build --release -p fake-line --quiet >&2
  echo "$CARGO_TARGET_DIR/release/fake-line"
}
