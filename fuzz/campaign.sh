#!/usr/bin/env bash
# Runs campaigns one after another (one core at a time), each bounded in time, and appends a
# line per campaign to fuzz/artifacts/campaigns.tsv:
#   target, seconds, executions, edges (cov), features (ft), corpus size, crash file or "-".
#
#   fuzz/campaign.sh yaml:600 units:300 …
set -uo pipefail
FUZZ="$(cd "$(dirname "$0")" && pwd)"
mkdir -p "$FUZZ/artifacts/logs"
TSV="$FUZZ/artifacts/campaigns.tsv"
[ -f "$TSV" ] || printf 'target\tseconds\texecs\tcov\tft\tcorpus\tcrash\n' > "$TSV"

for spec in "$@"; do
    target="${spec%%:*}"
    seconds="${spec#*:}"
    log="$FUZZ/artifacts/logs/$target-$(date -u +%H%M%S).log"
    before="$(ls "$FUZZ/artifacts/$target" 2>/dev/null | sort)"
    "$FUZZ/fuzz.sh" run "$target" "$seconds" > "$log" 2>&1
    execs="$(sed -n 's/^stat::number_of_executed_units: //p' "$log" | tail -1)"
    last="$(grep -E '^#[0-9]+' "$log" | tail -1)"
    cov="$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<< "$last")"
    ft="$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<< "$last")"
    corp="$(sed -n 's/.* corp: \([0-9]*\).*/\1/p' <<< "$last")"
    after="$(ls "$FUZZ/artifacts/$target" 2>/dev/null | sort)"
    crash="$(comm -13 <(echo "$before") <(echo "$after") | grep -E '^(crash|oom|timeout|leak|slow-unit)-' | tr '\n' ' ')"
    if [ -z "$execs" ]; then
        # Stopped by a crash: libFuzzer prints no final stats, so count the runs it reached.
        execs="$(grep -E '^#[0-9]+' "$log" | tail -1 | sed 's/^#\([0-9]*\).*/\1/')"
    fi
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$target" "$seconds" "${execs:-0}" "${cov:-?}" \
        "${ft:-?}" "${corp:-?}" "${crash:--}" >> "$TSV"
done
