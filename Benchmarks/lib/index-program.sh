# build_index_program REV DIR SOURCE... [-- SWIFTC_FLAG...]: DIR/bench, the SOURCEs linked against REV's
# Sources/Basics, Sources/PDQ and Sources/HammingIndex, each built with swiftc -O (a minute, not a
# release build of the package). REV "worktree" is the working tree's sources. For before/after
# pairs of a change to the index (index-query.sh, index-scale.sh); source it after lib/common.sh.
build_index_program() {
  local rev=$1 dir=$2; shift 2
  local module modules=() libs=() sources=()
  while (($#)) && [[ $1 != -- ]]; do sources+=("$1"); shift; done
  (($#)) && shift
  mkdir -p "$dir/src/Sources"
  if [[ $rev == worktree ]]; then
    cp -r ../Sources/{Basics,PDQ,HammingIndex} "$dir/src/Sources/"
    modules=(Basics PDQ HammingIndex)
  else
    # PDQ depends on Basics since issue 29; older revisions have no Basics.
    for module in Basics PDQ HammingIndex; do
      git -C .. cat-file -e "$rev:Sources/$module" 2> /dev/null && modules+=("$module")
    done
    git -C .. archive "$rev" "${modules[@]/#/Sources/}" | tar -x -C "$dir/src"
  fi
  for module in "${modules[@]}"; do
    (cd "$dir" && swiftc -O "$@" -parse-as-library -emit-module -emit-library -static -module-name "$module" -I . \
      "src/Sources/$module"/*.swift -o "lib$module.a" 2>&1 | { grep -v "warning" || true; })
    libs=("-l$module" "${libs[@]}")
  done
  (cd "$dir" && swiftc -O "$@" -I . "${sources[@]}" -L . "${libs[@]}" -o bench 2>&1 | { grep -v "warning" || true; })
  [[ -x $dir/bench ]] || { echo "build_index_program: $rev did not build" >&2; return 1; }
}
