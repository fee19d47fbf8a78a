# Sourced by scripts/test, scripts/serve and scripts/demo: create .venv on first use and
# (re)install graphsvc whenever pyproject.toml changed. $1: the extras to install ("" or "[test]").
ensure_venv() {
    local extras="${1:-}"
    local python="${PYTHON:-python3}"
    if [[ ! -x .venv/bin/python ]]; then
        "$python" -m venv .venv
    fi
    local stamp=".venv/.graphsvc-installed${extras:+-test}"
    local want
    want="$(sha256sum pyproject.toml | cut -d' ' -f1)"
    if [[ ! -f "$stamp" || "$(cat "$stamp")" != "$want" ]]; then
        echo "setting up .venv (first run or changed dependencies; a minute or two) ..." >&2
        .venv/bin/python -m pip install --quiet --upgrade pip
        .venv/bin/python -m pip install --quiet -e ".$extras"
        echo "$want" >"$stamp"
    fi
}
