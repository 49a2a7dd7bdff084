#!/usr/bin/env bash
# How OpenMP's wait policy changes a training run's wall time, alone and with the cores
# shared: the same `descent train` (an MLP on 20000 Fashion-MNIST rows, one epoch, batch 64,
# every core) run alone, then as two copies at once (each competing with the other's
# threads), for each policy:
#   spin     libgomp's own default when nothing is set (OMP_WAIT_POLICY=active here, so that
#            the program's passive default does not apply)
#   passive  OMP_WAIT_POLICY=passive: threads sleep as soon as a parallel region ends
#   default  nothing set: descent's own default (the program sets OMP_WAIT_POLICY=passive)
# Prints the median of REPEATS runs for each cell. Usage:
#   bench/omp_wait_policy/run.sh [build/release/tools/descent/descent] [REPEATS]
set -euo pipefail
cli=${1:-build/release/tools/descent/descent}
repeats=${2:-3}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
job=(train --model mlp --hidden 256 128 --train-limit 20000 --test-limit 1000 --epochs 1 --batch-size 64 -q)

seconds() { # seconds ENV... -- wall time of one run in $work/$1
  local out=$1
  shift
  local start end
  start=$(date +%s.%N)
  env "$@" "$cli" "${job[@]}" --out "$work/$out" >/dev/null
  end=$(date +%s.%N)
  echo "$end - $start" | bc
}

median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

alone() { for _ in $(seq "$repeats"); do seconds a "$@"; done | median; }

shared() { # the slower of two copies started together
  for _ in $(seq "$repeats"); do
    seconds b "$@" >"$work/b.time" &
    seconds c "$@" >"$work/c.time"
    wait
    sort -n "$work/b.time" "$work/c.time" | tail -1
  done | median
}

seconds warm >/dev/null  # the page cache holds the dataset from here on
printf '%-10s %10s %12s\n' policy "alone (s)" "shared (s)"
for policy in ${POLICIES:-spin passive default}; do
  case $policy in
    spin) vars=(OMP_WAIT_POLICY=active) ;;
    passive) vars=(OMP_WAIT_POLICY=passive) ;;
    default) vars=(-u OMP_WAIT_POLICY -u GOMP_SPINCOUNT) ;;
    spin=*) vars=(-u OMP_WAIT_POLICY GOMP_SPINCOUNT=${policy#spin=}) ;;
  esac
  printf '%-10s %10.3f %12.3f\n' "$policy" "$(alone "${vars[@]}")" "$(shared "${vars[@]}")"
done
echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), $(nproc) cores"
