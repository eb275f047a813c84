#!/usr/bin/env bash
# Print every CLI figure family on one database into a folder, one file per command, so that a refactor can be
# checked for unchanged output: tools/cli_snapshot.sh DB OUT_DIR, at two commits, then diff -r the folders.
set -euo pipefail
db=$1; out=$2; mkdir -p "$out"
run() { local name=$1; shift; python -m analytics "$@" --db "$db" > "$out/$name" 2>&1 || echo "exit $?" >> "$out/$name"; }
run indicators_quarter.csv indicators --by jurisdiction,quarter --level station --format csv
run indicators_district_weighted.csv indicators --by jurisdiction,quarter --level district --weighted --format csv
run indicators_month_changes.csv indicators --by jurisdiction,month --level city --changes previous --format csv
run indicators_year_changes.json indicators --by jurisdiction,rolling12 --level district --changes year --format json
run cases_quarter.csv cases --by jurisdiction,quarter --level station --format csv
run cases_open_loop.csv cases --open-loop --format csv
run cases_gap.csv cases --gap --level station --format csv
run compare_satisfaction.csv compare --indicator satisfaction --period 2026Q3 --level station --format csv
run compare_overdispersion.csv compare --indicator visibility --period 2026Q2 --overdispersion --format csv
run drivers.csv drivers --by district --bootstrap 50 --seed 1 --format csv
run batches.txt batches list
# load times differ between two builds of the same data
sed -i -E 's/[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9.]+//' "$out/batches.txt"
run weights_show.txt weights show
run peers.txt peers list
run alerts.csv alerts --period 2026Q3 --level station --format csv
run assess.csv assess --period 2026Q3 --level station --format csv
run assess_components.csv assess --period 2026Q3 --level district --components --format csv
run link.csv link --metric solved_rate --indicator satisfaction --by jurisdiction,quarter --level station --format csv
run link_correlation.json link --metric solved_rate --indicator satisfaction --by jurisdiction,quarter --period 2026Q3 --level station --correlation --format json
run integrity.csv integrity --period 2026Q3 --level station --format csv
run prevention_metrics.csv prevention metrics --period-kind quarter --level district --format csv
run prevention_escalations.csv prevention escalations --format csv
run prevention_overdue.csv prevention overdue --format csv
run voice_topics.csv voice topics --period-kind quarter --level district --format csv
run voice_evidence.csv voice evidence --format csv
run voice_answering.csv voice answering --period-kind quarter --level district --format csv
run voice_dictionary.csv voice dictionary --format csv
run results.csv results --format csv
run results_loads.csv results loads
# load times differ between two builds of the same data
sed -i -E 's/[0-9]{4}-[0-9]{2}-[0-9]{2}[ T][0-9]{2}:[0-9]{2}:[0-9.]+//g' "$out/results_loads.csv"
run targets.txt targets list
run definitions_items.txt definitions items list
run definitions_indicators.txt definitions indicators list
run indicators_wave.csv indicators --by jurisdiction,wave --level district --format csv
# the HTML report is checked as a file (the PPTX zip carries timestamps)
run report_html.txt report --jurisdiction D01 --period 2026Q3 --format html --lang en --with-assessment --out "$out/report.html"
# the message names the output folder, which differs between the two runs
sed -i "s#$out/##" "$out/report_html.txt"
