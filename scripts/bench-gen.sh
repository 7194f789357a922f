# Sourced by the benchmark scripts (from the project's root): `gen DIR ARGS...` writes
# scripts/gen-bench-data.py's data set for ARGS into DIR unless DIR already holds that set
# (the arguments it was made with are kept in DIR/args).
gen() {
    local dir=$1
    shift
    if [ ! -s "$dir/orgs.csv" ] || [ "$(cat "$dir/args" 2>/dev/null)" != "$*" ]; then
        python3 scripts/gen-bench-data.py "$dir" "$@"
        echo "$*" >"$dir/args"
    fi
}
