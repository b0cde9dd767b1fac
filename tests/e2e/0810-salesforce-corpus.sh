#!/bin/sh
# 0810: real-data conformance through the connector. The public example
# flows in shared/corpus/salesforce-flows (outside the project; skipped when
# absent) are each named for the flaw they show: read as a metadata folder,
# every file becomes an automation and raises the SF0xx finding its name
# stands for (FlowNamingConvention is a naming rule this connector does not
# check). The project never copies the corpus.
. "$(dirname "$0")/lib.sh"
corpus=${CRMGOV_SF_CORPUS:-$SRC/../shared/corpus/salesforce-flows}
[ -d "$corpus" ] || skip "no corpus at $corpus"
setup
[ -f "$PLUGINS/salesforce.so" ] || skip "the salesforce plugin is not built"
write_config "[connector:sf]
plugin = salesforce
source = dir
system = corpus
path = $corpus"
expect_exit 0 "$CRMGOV" run --once -c crmgov.ini
expect_contains ", 0 dead letters" "$OUT" "every corpus file parses"
files=$(ls "$corpus"/*.flow-meta.xml | wc -l)
expect_exit 0 "$CRMGOV" inventory -c crmgov.ini --format json
expect_eq "$files" "$(printf '%s' "$OUT" | jq length)" "one automation per file"
expect_exit 0 "$CRMGOV" findings -c crmgov.ini --layer salesforce --format json
found=$(printf '%s' "$OUT" | jq -r '.[] | "\(.automation) \(.rule)"')
while read -r name code; do
  [ -f "$corpus/$name.flow-meta.xml" ] || fail "the corpus lacks $name"
  expect_contains "$name $code" "$found" "$name raises $code"
done <<'CASES'
Copy_API_Name SF018
Cyclomatic_Complexity SF019
DML_Statement_In_A_Loop SF002
Duplicate_DML_Operation SF020
Hardcoded_Id SF005
Missing_Error_Handler SF001
Missing_Flow_Description SF011
Missing_Null_Handler SF021
Outdated_API_Version SF010
SOQL_Query_In_A_Loop SF003
Trigger_Without_Filter SF009
Unconnected_Element SF013
Unsafe_Running_Context SF007
Unused_Variable SF012
CASES
