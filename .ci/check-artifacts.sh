#!/usr/bin/env bash
# Checks a deployment made to a directory (see .ci/run): every module the BOM lists has its jar,
# sources jar, Javadoc jar and POM, with a name and a description; the parent POM and the BOM carry
# the URL, license, SCM and developers; and every jar module deployed is in the BOM.
set -euo pipefail
repo=${1:?usage: check-artifacts.sh <deployment directory>}
base="$repo/dev/lbclient"
failures=0
fail() { echo "artifact check: $*" >&2; failures=$((failures + 1)); }

bom_modules=$(sed -n 's|.*<artifactId>\(lb-client-[a-z-]*\)</artifactId>.*|\1|p' \
  lb-client-bom/pom.xml | grep -vx 'lb-client-bom' | sort -u)
[[ -n "$bom_modules" ]] || fail "the BOM lists no modules"

newest() { ls -1 "$1" 2>/dev/null | grep -E "$2" | sort | tail -1; }

for a in $bom_modules; do
  dir=$(ls -d "$base/$a"/*/ 2>/dev/null | head -1 || true)
  if [[ -z "$dir" ]]; then fail "$a: not deployed"; continue; fi
  for kind in '\.jar$' '-sources\.jar$' '-javadoc\.jar$' '\.pom$'; do
    pattern="^$a-[0-9].*[0-9]$kind"
    [[ $kind == '\.jar$' ]] && pattern="^$a-[0-9][^-]*(-[0-9]{8}\.[0-9]{6}-[0-9]+|-SNAPSHOT)?\.jar$"
    [[ -n "$(newest "$dir" "$pattern")" ]] || fail "$a: no file matching $kind in $dir"
  done
  pom="$dir/$(newest "$dir" "^$a-.*\.pom$")"
  for tag in name description; do
    grep -q "<$tag>" "$pom" 2>/dev/null || fail "$a: POM without <$tag>"
  done
done

for a in lb-client-parent lb-client-bom; do
  dir=$(ls -d "$base/$a"/*/ 2>/dev/null | head -1 || true)
  if [[ -z "$dir" ]]; then fail "$a: not deployed"; continue; fi
  pom="$dir/$(newest "$dir" "^$a-.*\.pom$")"
  for tag in url licenses scm developers description; do
    grep -q "<$tag" "$pom" 2>/dev/null || fail "$a: POM without <$tag>"
  done
done

for dir in "$base"/*/; do
  a=$(basename "$dir")
  [[ $a == lb-client-parent || $a == lb-client-bom ]] && continue
  grep -qx "$a" <<<"$bom_modules" || fail "$a: deployed but not in the BOM"
done

if (( failures > 0 )); then
  echo "artifact check: $failures problem(s)" >&2
  exit 1
fi
echo "== artifacts: $(wc -w <<<"$bom_modules") modules with jar, sources, Javadoc and POM; parent and BOM with their metadata"
